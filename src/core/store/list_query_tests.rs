//! Index and cursor paging over 1,050 seeded users on bundled SQLite: every row exactly once,
//! in order, both directions, and cursor pages read through an index.

use rusqlite::Connection;
use serde_json::json;

use super::list_query::build_list_query;
use crate::core::error::ScimType;
use crate::core::filter::test_db::{insert_group, insert_user, open, query_plan, rows};
use crate::core::list::{ListParams, CURSOR_TIMEOUT_SECS};
use crate::core::schema::ResourceType;

const N: usize = 1_050;
const NOW_MS: u64 = 1_800_000_000_000;

/// Users u0000..u1049; three share each `created` second so the id tie-break matters;
/// every fourth has no displayName; every fifth is inactive.
fn seeded() -> Connection {
    let mut conn = open();
    let tx = conn.transaction().expect("tx");
    for i in 0..N {
        let id = format!("u{:04}", (i * 7919) % N); // ids not in creation order
        let created = format!("2024-01-01T00:{:02}:{:02}.000Z", (i / 3) / 60, (i / 3) % 60);
        let mut data = json!({
            "userName": format!("user{:05}@example.com", (i * 31) % 100_003),
            "active": i % 5 != 0,
            "emails": [
                {"value": format!("b{i}@x.org"), "type": "home"},
                {"value": format!("a{}@x.org", N - i), "type": "work", "primary": true}
            ]
        });
        if i % 4 != 0 {
            data["displayName"] = json!(format!("Person {}", (i * 13) % 97));
        }
        insert_user(&tx, "acme", &id, &created, &data);
    }
    insert_user(
        &tx,
        "other",
        "zzz",
        "2024-01-01T00:00:00.000Z",
        &json!({"userName": "x"}),
    );
    tx.commit().expect("commit");
    conn
}

fn ids(rows: &[crate::core::db::Row]) -> Vec<String> {
    rows.iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

fn total(conn: &Connection, params: &ListParams) -> i64 {
    let q = build_list_query(ResourceType::User, "acme", params, NOW_MS, None).expect("query");
    rows(conn, &q.count)[0]["total"].as_i64().expect("total")
}

/// All ids by following startIndex.
fn by_index(conn: &Connection, base: &ListParams) -> Vec<String> {
    let mut out = Vec::new();
    let mut p = base.clone();
    p.start_index = 1;
    loop {
        let q = build_list_query(ResourceType::User, "acme", &p, NOW_MS, None).expect("query");
        let page = q.page(rows(conn, q.page.as_ref().expect("page")), NOW_MS);
        if page.rows.is_empty() {
            return out;
        }
        out.extend(ids(&page.rows));
        p.start_index += p.count as u64;
    }
}

/// All ids by following nextCursor from the first page; also returns the last page's
/// previousCursor chain walked back to the start.
fn by_cursor(conn: &Connection, base: &ListParams) -> (Vec<String>, Vec<String>) {
    let mut forward = Vec::new();
    let mut p = base.clone();
    p.cursor = Some(String::new());
    let mut last_previous = None;
    let mut pages = 0;
    loop {
        let q = build_list_query(ResourceType::User, "acme", &p, NOW_MS, None).expect("query");
        let page = q.page(rows(conn, q.page.as_ref().expect("page")), NOW_MS);
        pages += 1;
        assert!(pages < 1_000, "no progress");
        if pages == 1 {
            assert_eq!(page.previous_cursor, None, "first page has no previous");
        }
        forward.extend(ids(&page.rows));
        last_previous = page.previous_cursor.clone().or(last_previous);
        match page.next_cursor {
            Some(c) => {
                assert_eq!(page.rows.len(), p.count, "only the last page is short");
                p.cursor = Some(c);
            }
            None => break,
        }
    }
    // Walk back from the last page.
    let mut backward: Vec<String> = Vec::new();
    let last_page_len = forward.len() - (pages - 1) * p.count;
    backward.extend(forward[forward.len() - last_page_len..].iter().cloned());
    let mut cursor = last_previous;
    while let Some(c) = cursor {
        p.cursor = Some(c);
        let q = build_list_query(ResourceType::User, "acme", &p, NOW_MS, None).expect("query");
        let page = q.page(rows(conn, q.page.as_ref().expect("page")), NOW_MS);
        assert!(
            page.next_cursor.is_some(),
            "a previous page has a next page"
        );
        let mut chunk = ids(&page.rows);
        chunk.extend(backward);
        backward = chunk;
        cursor = page.previous_cursor;
    }
    (forward, backward)
}

fn assert_each_once(ids: &[String], expected_len: usize) {
    let mut sorted = ids.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "duplicates");
    assert_eq!(ids.len(), expected_len, "gaps");
}

#[test]
fn index_and_cursor_paging_agree_in_default_order() {
    let conn = seeded();
    let p = ListParams {
        count: 100,
        ..ListParams::default()
    };
    assert_eq!(total(&conn, &p), N as i64);
    let indexed = by_index(&conn, &p);
    assert_each_once(&indexed, N);
    // Default order is created, then id.
    let mut expected: Vec<(String, String)> = Vec::new();
    for i in 0..N {
        let id = format!("u{:04}", (i * 7919) % N);
        expected.push((format!("{:06}", i / 3), id));
    }
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
    assert_eq!(indexed, expected);
    let (forward, backward) = by_cursor(&conn, &p);
    assert_eq!(forward, expected);
    assert_eq!(backward, expected);
}

#[test]
fn cursor_paging_with_filter_sort_and_descending_order_has_no_gaps() {
    let conn = seeded();
    for (sort_by, descending, filter) in [
        ("userName", true, Some("active eq true")),
        ("displayName", false, None),
        (
            "displayName",
            true,
            Some("displayName pr or userName co \"7\""),
        ),
        ("emails", false, None),
        ("meta.lastModified", true, None),
    ] {
        let mut query = format!("count=37&sortBy={sort_by}");
        if descending {
            query.push_str("&sortOrder=descending");
        }
        if let Some(f) = filter {
            query.push_str(&format!("&filter={f}"));
        }
        let p = ListParams::from_query(&query).expect("params");
        let expected_len = total(&conn, &p) as usize;
        let indexed = by_index(&conn, &p);
        assert_each_once(&indexed, expected_len);
        let (forward, backward) = by_cursor(&conn, &p);
        assert_eq!(forward, indexed, "{query}");
        assert_eq!(backward, indexed, "{query} backwards");
    }
}

#[test]
fn sort_by_a_multi_valued_attribute_uses_the_primary_value() {
    let conn = seeded();
    let p = ListParams::from_query("sortBy=emails&count=3").expect("params");
    let q = build_list_query(ResourceType::User, "acme", &p, NOW_MS, None).expect("query");
    let page = q.page(rows(&conn, q.page.as_ref().expect("page")), NOW_MS);
    // Primary emails are a{N-i}@x.org: a1000@ < a1001@ < ... lexicographically "a1000@x.org".
    let keys: Vec<&str> = page
        .rows
        .iter()
        .map(|r| r["sort_key"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(keys, ["a1000@x.org", "a1001@x.org", "a1002@x.org"]);
}

#[test]
fn a_cursor_page_deep_in_the_list_reads_an_index_without_sorting() {
    let conn = seeded();
    for query in [
        "count=50",
        "count=50&sortBy=userName",
        "count=50&sortOrder=descending",
    ] {
        let mut p = ListParams::from_query(query).expect("params");
        p.cursor = Some(String::new());
        // Walk to page 10 and plan the next one.
        for _ in 0..10 {
            let q = build_list_query(ResourceType::User, "acme", &p, NOW_MS, None).expect("query");
            let page = q.page(rows(&conn, q.page.as_ref().expect("page")), NOW_MS);
            p.cursor = page.next_cursor;
        }
        let q = build_list_query(ResourceType::User, "acme", &p, NOW_MS, None).expect("query");
        let stmt = q.page.expect("page");
        let plan = query_plan(&conn, &stmt.sql, &stmt.params);
        let index = if query.contains("userName") {
            "users_by_user_name"
        } else {
            "users_by_created"
        };
        assert!(plan.contains(index), "{query}:\n{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{query} sorts:\n{plan}");
        assert!(
            plan.contains(",id)>(?,?)") || plan.contains(",id)<(?,?)"),
            "{query}: keyset not in the index search:\n{plan}"
        );
    }
}

#[test]
fn count_zero_runs_only_the_count() {
    let conn = seeded();
    let p = ListParams::from_query("count=0&filter=active+eq+false").expect("params");
    let q = build_list_query(ResourceType::User, "acme", &p, NOW_MS, None).expect("query");
    assert!(q.page.is_none());
    assert_eq!(rows(&conn, &q.count)[0]["total"], json!(N / 5));
}

#[test]
fn cursors_expire_and_bind_to_their_query() {
    let conn = seeded();
    let p = ListParams::from_query("cursor=&count=10").expect("params");
    let q = build_list_query(ResourceType::User, "acme", &p, NOW_MS, None).expect("query");
    let next = q
        .page(rows(&conn, q.page.as_ref().expect("page")), NOW_MS)
        .next_cursor
        .expect("next");
    let later = ListParams {
        cursor: Some(next.clone()),
        ..p.clone()
    };
    let late = NOW_MS + (CURSOR_TIMEOUT_SECS + 1) * 1000;
    let e = build_list_query(ResourceType::User, "acme", &later, late, None).unwrap_err();
    assert_eq!(
        (e.status, e.scim_type),
        (400, Some(ScimType::ExpiredCursor))
    );
    let other_filter =
        ListParams::from_query(&format!("cursor={next}&count=10&filter=userName+pr"))
            .expect("params");
    let e = build_list_query(ResourceType::User, "acme", &other_filter, NOW_MS, None).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidCursor));
    let e = build_list_query(ResourceType::User, "other", &later, NOW_MS, None).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidCursor));
    let e = build_list_query(ResourceType::Group, "acme", &later, NOW_MS, None).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidCursor));
}

#[test]
fn unknown_or_unsortable_sort_by_is_invalid_value() {
    for query in [
        "sortBy=nope",
        "sortBy=name",
        "sortBy=groups",
        "sortBy=password",
    ] {
        let p = ListParams::from_query(query).expect("params");
        let e = build_list_query(ResourceType::User, "acme", &p, NOW_MS, None).unwrap_err();
        assert_eq!(
            e.scim_type,
            Some(ScimType::InvalidValue),
            "{query}: {}",
            e.detail
        );
    }
}

#[test]
fn every_statement_is_scoped_to_the_org() {
    let conn = seeded();
    insert_group(&conn, "acme", "g1", "Admins", &[("u0001", "User")]);
    insert_group(&conn, "other", "g2", "Admins", &[]);
    let p = ListParams::from_query("filter=displayName+eq+%22admins%22").expect("params");
    let q = build_list_query(ResourceType::Group, "acme", &p, NOW_MS, None).expect("query");
    let page = q.page(rows(&conn, q.page.as_ref().expect("page")), NOW_MS);
    assert_eq!(ids(&page.rows), ["g1"]);
    assert!(q.count.sql.contains("r.org = ?"));
    assert_eq!(q.count.params[0], "acme".into());
    let p = ListParams::from_query("filter=userName+eq+%22x%22").expect("params");
    assert_eq!(total(&conn, &p), 0);
}

/// The ids of a whole sorted list, read by index.
fn sorted_ids(conn: &Connection, query: &str) -> Vec<String> {
    let p = ListParams::from_query(query).expect("params");
    let q = build_list_query(ResourceType::User, "acme", &p, NOW_MS, None).expect("query");
    ids(&q
        .page(rows(conn, q.page.as_ref().expect("page")), NOW_MS)
        .rows)
}

#[test]
fn resources_without_the_sort_value_go_last_ascending_and_first_descending() {
    // RFC 7644 §3.4.2.3, for a single-valued and a multi-valued sortBy.
    let conn = open();
    let users = [
        ("m1", json!({"userName": "m1"})),
        (
            "b",
            json!({"userName": "b", "displayName": "Bea", "emails": [{"value": "b@x"}]}),
        ),
        (
            "a",
            json!({"userName": "a", "displayName": "al", "emails": [{"value": "a@x"}]}),
        ),
        (
            "m2",
            json!({"userName": "m2", "displayName": null, "emails": []}),
        ),
        (
            "c",
            json!({"userName": "c", "displayName": "Cy", "emails": [{"value": "c@x"}]}),
        ),
    ];
    for (i, (id, data)) in users.iter().enumerate() {
        insert_user(
            &conn,
            "acme",
            id,
            &format!("2024-01-01T00:00:0{i}.000Z"),
            data,
        );
    }
    for sort_by in ["displayName", "emails", "emails.value"] {
        assert_eq!(
            sorted_ids(&conn, &format!("sortBy={sort_by}")),
            ["a", "b", "c", "m1", "m2"],
            "{sort_by} ascending"
        );
        assert_eq!(
            sorted_ids(&conn, &format!("sortBy={sort_by}&sortOrder=descending")),
            ["m2", "m1", "c", "b", "a"],
            "{sort_by} descending"
        );
        // Cursor pages of two agree with the index order, across the missing values.
        let p = ListParams::from_query(&format!("sortBy={sort_by}&count=2")).unwrap();
        let mut all = Vec::new();
        let mut p2 = p.clone();
        p2.cursor = Some(String::new());
        loop {
            let q = build_list_query(ResourceType::User, "acme", &p2, NOW_MS, None).unwrap();
            let page = q.page(rows(&conn, q.page.as_ref().unwrap()), NOW_MS);
            all.extend(ids(&page.rows));
            match page.next_cursor {
                Some(c) => p2.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(all, ["a", "b", "c", "m1", "m2"], "{sort_by} by cursor");
    }
}

#[test]
fn a_multi_valued_sort_uses_the_primary_value_else_the_first() {
    let conn = open();
    let users = [
        // Primary is the second element: sorts as "a@x", not "z@x".
        (
            "p",
            json!({"userName": "p", "emails": [{"value": "z@x"}, {"value": "a@x", "primary": true}]}),
        ),
        // No primary: the first element, "m@x" (not "b@x").
        (
            "f",
            json!({"userName": "f", "emails": [{"value": "m@x"}, {"value": "b@x"}]}),
        ),
        (
            "q",
            json!({"userName": "q", "emails": [{"value": "c@x", "primary": false}, {"value": "d@x"}]}),
        ),
    ];
    for (i, (id, data)) in users.iter().enumerate() {
        insert_user(
            &conn,
            "acme",
            id,
            &format!("2024-01-01T00:00:0{i}.000Z"),
            data,
        );
    }
    assert_eq!(sorted_ids(&conn, "sortBy=emails"), ["p", "q", "f"]);
    assert_eq!(
        sorted_ids(&conn, "sortBy=emails.value&sortOrder=descending"),
        ["f", "q", "p"]
    );
}
