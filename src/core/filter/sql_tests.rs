//! Host tests of the filter → SQL translation on bundled SQLite with `schema.sql`: results on
//! seeded rows for every operator, index use, bound values, and rejections.

use rusqlite::Connection;
use serde_json::json;

use crate::core::db::SqlValue;
use crate::core::error::ScimType;
use crate::core::filter::parse_filter;
use crate::core::filter::sql::{filter_to_sql, SqlCondition};
use crate::core::filter::test_db::{column_strings, insert_group, insert_user, open, query_plan};
use crate::core::schema::ResourceType;

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn seeded() -> Connection {
    let conn = open();
    insert_user(
        &conn,
        "acme",
        "u1",
        "2024-01-01T00:00:00.000Z",
        &json!({
            "userName": "BJensen", "externalId": "Ext-1", "displayName": "Barbara Jensen",
            "active": true, "title": "Tour Guide",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            ENT: {"department": "Sales", "manager": {"value": "u2"}}
        }),
    );
    insert_user(
        &conn,
        "acme",
        "u2",
        "2024-02-01T00:00:00.000Z",
        &json!({
            "userName": "jsmith", "externalId": "ext-1", "displayName": "John Smith",
            "active": false, "title": "",
            "emails": [
                {"value": "John@Example.com", "type": "home"},
                {"value": "jsmith@work.com", "type": "work"}
            ]
        }),
    );
    insert_user(
        &conn,
        "acme",
        "u3",
        "2024-03-01T00:00:00.000Z",
        &json!({
            "userName": "a%b_c\\d", "active": true, "title": "50% off", "nickName": "x'y",
            "name": {"givenName": "Élodie"}, "emails": []
        }),
    );
    // Same userName in another organisation: never visible from acme.
    insert_user(
        &conn,
        "other",
        "o1",
        "2024-01-01T00:00:00.000Z",
        &json!({"userName": "bjensen", "emails": [{"value": "bjensen@example.com"}]}),
    );
    insert_group(
        &conn,
        "acme",
        "g1",
        "Admins",
        &[("u1", "User"), ("u2", "User")],
    );
    insert_group(&conn, "acme", "g2", "Staff", &[("g1", "Group")]);
    insert_group(&conn, "acme", "g3", "Empty", &[]);
    insert_group(&conn, "other", "g9", "Admins", &[("u1", "User")]);
    conn
}

fn table(rt: ResourceType) -> &'static str {
    match rt {
        ResourceType::User => "users",
        ResourceType::Group => "groups",
    }
}

fn statement(rt: ResourceType, filter: &str) -> (String, Vec<SqlValue>) {
    let f = parse_filter(filter).unwrap_or_else(|e| panic!("{filter}: {}", e.detail));
    let SqlCondition { sql, params } =
        filter_to_sql(rt, "acme", &f).unwrap_or_else(|e| panic!("{filter}: {}", e.detail));
    let mut all = vec![SqlValue::from("acme")];
    all.extend(params);
    (
        format!("SELECT r.id FROM {} r WHERE r.org = ? AND {sql}", table(rt)),
        all,
    )
}

fn ids(conn: &Connection, rt: ResourceType, filter: &str) -> Vec<String> {
    let (sql, params) = statement(rt, filter);
    let mut ids = column_strings(conn, &sql, &params);
    ids.sort();
    ids
}

#[test]
fn every_operator_returns_the_right_users() {
    let conn = seeded();
    let dept = format!("{ENT}:department eq \"sales\"");
    let manager_value = format!("{ENT}:manager.value eq \"u2\"");
    let manager = format!("{ENT}:manager eq \"u2\"");
    let cases: Vec<(&str, &[&str])> = vec![
        ("userName eq \"bjensen\"", &["u1"]),
        ("userName eq \"BJENSEN\"", &["u1"]),
        ("userName ne \"bjensen\"", &["u2", "u3"]),
        ("userName co \"JEN\"", &["u1"]),
        ("userName sw \"j\"", &["u2"]),
        ("userName ew \"SMITH\"", &["u2"]),
        ("userName co \"%\"", &["u3"]),
        ("userName co \"_\"", &["u3"]),
        ("userName co \"\\\\\"", &["u3"]),
        ("userName sw \"\"", &["u1", "u2", "u3"]),
        ("userName gt \"c\"", &["u2"]),
        ("userName le \"bjensen\"", &["u1", "u3"]),
        ("externalId eq \"Ext-1\"", &["u1"]),
        ("externalId eq \"ext-1\"", &["u2"]),
        ("externalId ne \"Ext-1\"", &["u2", "u3"]),
        ("externalId co \"xt\"", &["u1", "u2"]),
        ("externalId sw \"E\"", &["u1"]),
        ("externalId ew \"t-1\"", &["u1", "u2"]),
        ("externalId ew \"T-1\"", &[]),
        ("externalId pr", &["u1", "u2"]),
        ("not (externalId pr)", &["u3"]),
        ("id eq \"u2\"", &["u2"]),
        ("id eq \"U2\"", &[]),
        ("displayName eq \"barbara jensen\"", &["u1"]),
        ("displayName pr", &["u1", "u2"]),
        ("active eq true", &["u1", "u3"]),
        ("active eq false", &["u2"]),
        ("active eq \"False\"", &["u2"]),
        ("active ne true", &["u2"]),
        ("meta.created gt \"2024-01-15T00:00:00Z\"", &["u2", "u3"]),
        ("meta.created eq \"2024-01-01T00:00:00Z\"", &["u1"]),
        (
            "meta.created le \"2024-02-01T01:00:00+01:00\"",
            &["u1", "u2"],
        ),
        ("meta.lastModified lt \"2024-02-01T00:00:00.000Z\"", &["u1"]),
        (
            "meta.lastModified ge \"2024-02-01T00:00:00.000Z\"",
            &["u2", "u3"],
        ),
        ("emails.value eq \"john@example.com\"", &["u2"]),
        ("emails eq \"BJENSEN@example.com\"", &["u1"]),
        ("emails.value co \"@EXAMPLE.com\"", &["u1", "u2"]),
        ("emails.type eq \"work\"", &["u1", "u2"]),
        (
            "emails[type eq \"work\"].value eq \"bjensen@example.com\"",
            &["u1"],
        ),
        // Same element: John's example.com address is his home one.
        (
            "emails[type eq \"work\"].value eq \"john@example.com\"",
            &[],
        ),
        ("emails[type eq \"home\" and value co \"example\"]", &["u2"]),
        ("emails[primary eq true]", &["u1"]),
        ("emails pr", &["u1", "u2"]),
        ("not (emails pr)", &["u3"]),
        ("name.givenName eq \"barbara\"", &["u1"]),
        ("name.givenName eq \"Élodie\"", &["u3"]),
        // SQLite's lower() folds ASCII only: non-ASCII letters in JSON values are case-exact.
        ("name.givenName eq \"élodie\"", &[]),
        ("name pr", &["u1", "u3"]),
        ("name.familyName pr", &["u1"]),
        ("title pr", &["u1", "u3"]),
        ("title co \"%\"", &["u3"]),
        ("title eq \"tour guide\" and not (active eq false)", &["u1"]),
        ("userName eq \"jsmith\" or id eq \"u3\"", &["u2", "u3"]),
        ("nickName eq \"x'y\"", &["u3"]),
        ("nickName eq null", &["u1", "u2"]),
        ("nickName ne null", &["u3"]),
        (&dept, &["u1"]),
        (&manager_value, &["u1"]),
        (&manager, &["u1"]),
        ("groups.value eq \"g1\"", &["u1", "u2"]),
        ("groups pr", &["u1", "u2"]),
        ("externalId eq \"jyoung\"", &[]),
    ];
    for (filter, want) in cases {
        assert_eq!(ids(&conn, ResourceType::User, filter), want, "{filter}");
    }
}

#[test]
fn group_filters_use_membership_rows() {
    let conn = seeded();
    let cases: Vec<(&str, &[&str])> = vec![
        ("displayName eq \"admins\"", &["g1"]),
        ("displayName sw \"S\"", &["g2"]),
        ("members eq \"u1\"", &["g1"]),
        ("members.value eq \"g1\"", &["g2"]),
        ("id eq \"g1\" and members eq \"u2\"", &["g1"]),
        ("id eq \"g1\" and members eq \"u3\"", &[]),
        ("members pr", &["g1", "g2"]),
        ("not (members pr)", &["g3"]),
        ("members[type eq \"group\"]", &["g2"]),
        ("members[value eq \"u1\" and type eq \"User\"]", &["g1"]),
        ("members.value co \"u\"", &["g1"]),
        ("not (members eq \"u1\")", &["g2", "g3"]),
    ];
    for (filter, want) in cases {
        assert_eq!(ids(&conn, ResourceType::Group, filter), want, "{filter}");
    }
}

#[test]
fn equality_on_identifying_attributes_is_answered_from_an_index() {
    let conn = seeded();
    let cases = [
        (
            ResourceType::User,
            "id eq \"u1\"",
            "USING PRIMARY KEY (org=? AND id=?)",
        ),
        (
            ResourceType::User,
            "userName eq \"bjensen\"",
            "INDEX users_by_user_name (org=? AND user_name_ci=?)",
        ),
        (
            ResourceType::User,
            "externalId eq \"Ext-1\"",
            "INDEX users_by_external_id (org=? AND external_id=?)",
        ),
        (
            ResourceType::User,
            "displayName eq \"x\"",
            "INDEX users_by_display_name (org=? AND display_name_ci=?)",
        ),
        (
            ResourceType::User,
            "emails.value eq \"a@b\"",
            "INDEX user_emails_by_value (org=? AND value_ci=?)",
        ),
        (
            ResourceType::User,
            "emails[type eq \"work\"].value eq \"a@b\"",
            "INDEX user_emails_by_value (org=? AND value_ci=?)",
        ),
        (
            ResourceType::Group,
            "id eq \"g1\"",
            "USING PRIMARY KEY (org=? AND id=?)",
        ),
        (
            ResourceType::Group,
            "displayName eq \"admins\"",
            "INDEX groups_by_display_name (org=? AND display_name_ci=?)",
        ),
        (
            ResourceType::Group,
            "externalId eq \"x\"",
            "INDEX groups_by_external_id (org=? AND external_id=?)",
        ),
        (
            ResourceType::Group,
            "members eq \"u1\"",
            "USING PRIMARY KEY (org=? AND group_id=? AND member_id=?)",
        ),
    ];
    for (rt, filter, want) in cases {
        let (sql, params) = statement(rt, filter);
        let plan = query_plan(&conn, &sql, &params);
        assert!(
            plan.contains(want),
            "{filter}: expected {want} in plan:\n{plan}"
        );
        if !filter.starts_with("members") {
            assert!(
                !plan.contains("SCAN r"),
                "{filter}: full scan in plan:\n{plan}"
            );
        }
    }
}

#[test]
fn values_are_bound_never_spliced() {
    let conn = seeded();
    for hostile in [
        "a' OR 1=1 --",
        "%",
        "_",
        ";",
        "\"); DROP TABLE users; --",
        "' OR ''='",
    ] {
        let literal = serde_json::Value::String(hostile.into()).to_string();
        for filter in [
            format!("userName eq {literal}"),
            format!("externalId co {literal}"),
            format!("name.givenName eq {literal}"),
            format!("emails[type eq {literal}]"),
            format!("title sw {literal}"),
        ] {
            let (sql, params) = statement(ResourceType::User, &filter);
            // (Single characters such as `_` occur in column names, so only longer ones.)
            assert!(
                hostile.len() < 2 || !sql.contains(hostile),
                "{filter} spliced: {sql}"
            );
            assert_eq!(sql.matches('?').count(), params.len(), "{filter}: {sql}");
            let got = ids(&conn, ResourceType::User, &filter);
            assert!(got.is_empty(), "{filter} matched {got:?}");
        }
    }
    // The table survived.
    assert_eq!(ids(&conn, ResourceType::User, "userName pr").len(), 3);
}

fn rejection(rt: ResourceType, filter: &str) -> String {
    let f = parse_filter(filter).unwrap_or_else(|e| panic!("{filter}: {}", e.detail));
    let e = filter_to_sql(rt, "acme", &f).expect_err(filter);
    assert_eq!(
        (e.status, e.scim_type),
        (400, Some(ScimType::InvalidFilter)),
        "{filter}"
    );
    e.detail
}

#[test]
fn type_mismatches_and_unknown_attributes_are_invalid_filter_naming_the_attribute() {
    let u = ResourceType::User;
    let cases = [
        (u, "active eq \"yes\"", "active"),
        (
            u,
            "active gt true",
            "\"gt\" cannot be used with the boolean attribute active",
        ),
        (u, "emails[primary ge false]", "emails.primary"),
        (u, "userName eq 5", "userName"),
        (u, "userName eq true", "userName"),
        (
            u,
            "nope eq \"x\"",
            "the attribute nope, which User resources do not have",
        ),
        (u, "meta.created gt \"yesterday\"", "not a dateTime"),
        (u, "meta.created co \"2024\"", "meta.created"),
        (u, "password eq \"x\"", "password cannot be used"),
        (u, "emails[foo eq \"x\"]", "emails.foo"),
        (u, "userName[value eq \"x\"]", "userName"),
        (u, "name eq \"x\"", "complex attribute"),
        (u, "emails.value co null", "null"),
        (u, "members eq \"x\"", "members"),
        (u, "groups.display eq \"x\"", "groups.display"),
        (
            ResourceType::Group,
            "members.display eq \"x\"",
            "members.display",
        ),
        (ResourceType::Group, "userName eq \"x\"", "userName"),
        (
            ResourceType::Group,
            &format!("{ENT}:department eq \"x\""),
            "department",
        ),
    ];
    for (rt, filter, want) in cases {
        let detail = rejection(rt, filter);
        assert!(detail.contains(want), "{filter}: {detail}");
    }
}

#[test]
fn substring_values_longer_than_d1_allows_in_like_use_instr_and_substr() {
    let conn = open();
    let long_name = format!("{}@example.com", "x".repeat(60));
    insert_user(
        &conn,
        "acme",
        "long",
        "2024-01-01T00:00:00.000Z",
        &json!({"userName": long_name, "displayName": long_name.to_uppercase()}),
    );
    insert_user(
        &conn,
        "acme",
        "short",
        "2024-01-02T00:00:00.000Z",
        &json!({"userName": "x@example.com"}),
    );
    let needle = "X".repeat(55);
    for filter in [
        format!("userName co \"{needle}\""),
        format!("userName sw \"{needle}\""),
        format!("displayName ew \"{}@EXAMPLE.com\"", "x".repeat(50)),
    ] {
        let (sql, _) = statement(ResourceType::User, &filter);
        assert!(!sql.contains("LIKE"), "{filter}: {sql}");
        assert_eq!(
            ids(&conn, ResourceType::User, &filter),
            vec!["long".to_owned()],
            "{filter}"
        );
    }
    // Short patterns still use LIKE, with % and _ escaped.
    let (sql, _) = statement(ResourceType::User, "userName co \"x@\"");
    assert!(sql.contains("LIKE"), "{sql}");
}

/// One dateTime grammar (`core::datetime`) for bodies and filters: a value a body may carry
/// is exactly a value a filter may compare with, and the in-memory evaluator (PATCH value
/// filters) reads the same instants.
#[test]
fn bodies_filters_and_evaluation_share_one_date_time_rule() {
    use crate::core::resource::value::normalize_scalar;
    use crate::core::schema::common::common_attribute;
    let created = common_attribute("meta")
        .and_then(|m| m.sub_attribute("created"))
        .expect("meta.created");
    // (input, valid, whether 2011-05-13T04:42:34.000Z is later than it)
    for (input, valid, later) in [
        ("2011-05-13T04:42:34Z", true, false),
        ("2011-05-13T04:42:34.5+02:00", true, true),
        ("2023-12-31T24:00:00Z", false, false),
        ("12024-01-01T00:00:00Z", false, false),
        ("2016-12-31T23:59:60Z", false, false),
        ("2018-03-27T19:59:26", false, false),
        ("2011-05-13t04:42:34z", false, false),
        ("-0044-03-15T12:00:00Z", false, false),
    ] {
        let body = normalize_scalar(created, &json!(input), "meta.created").is_ok();
        let f = parse_filter(&format!("meta.lastModified gt \"{input}\"")).unwrap();
        let filter = filter_to_sql(ResourceType::User, "acme", &f).is_ok();
        assert_eq!((body, filter), (valid, valid), "{input}");
        let resource = json!({"meta": {"lastModified": "2011-05-13T04:42:34.000Z"}});
        if valid {
            let got = crate::core::filter::eval::matches(&f, &resource, &|_| false);
            assert_eq!(got, later, "{input}");
        }
    }
}
