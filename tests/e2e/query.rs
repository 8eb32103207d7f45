//! Issue "Query": filters, sorting, paging (index and RFC 9865 cursors), projection, `.search`
//! and discovery, through the HTTP query string exactly as IdPs send them.

use crate::helpers::{enc, patch_body, queries, TestApp, ENTERPRISE, LIST_RESPONSE, USER_SCHEMA};
use serde_json::{json, Value};

/// Users u0..u{n-1} with distinct titles, display names and external ids; returns ids in order.
fn seed_users(app: &TestApp, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let reply = app.post(
                "/Users",
                &json!({
                    "schemas": [USER_SCHEMA, ENTERPRISE],
                    "userName": format!("user{i:02}@contoso.com"),
                    "externalId": format!("ext-{i}"),
                    "displayName": format!("Person {i:02}"),
                    "title": if i % 2 == 0 { Value::from("Engineer") } else { Value::Null },
                    "emails": [{"type": "work", "value": format!("work{i}@contoso.com")},
                               {"type": "home", "value": format!("home{i}@example.org")}],
                    ENTERPRISE: {"department": if i < 3 { "Sales" } else { "R&D" }}
                }),
            );
            assert_eq!(reply.status, 201, "{}", reply.text);
            reply.json()["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn ids_of(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("no Resources: {list}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn sorted_ids(ids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
    v.sort();
    v
}

#[test]
fn entra_test_connection_with_a_random_guid_is_an_empty_list_response() {
    let app = TestApp::new();
    seed_users(&app, 1);
    let reply = app.get("/Users?filter=userName+eq+%22cf4d78e8-cc4f-4d5d-b8b9-183561c0104a%22");
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["schemas"][0], LIST_RESPONSE);
    assert_eq!(body["totalResults"], 0);
    assert_eq!(body["Resources"], json!([]));
    assert_eq!(body["startIndex"], 1);
    let groups = app.get(
        "/Groups?excludedAttributes=members&filter=displayName+eq+%22cf4d78e8-cc4f-4d5d-b8b9-183561c0104a%22",
    );
    assert_eq!(groups.status, 200, "{}", groups.text);
    assert_eq!(groups.json()["totalResults"], 0);
}

#[test]
fn user_name_filter_with_plus_and_percent_encoding_finds_the_user() {
    let app = TestApp::new();
    let ids = seed_users(&app, 3);
    let reply = app.get("/Users?filter=userName+eq+%22USER01%40contoso.com%22&aadOptscim062020");
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["totalResults"], 1);
    assert_eq!(ids_of(&body), vec![ids[1].clone()]);
    assert_eq!(queries(&reply), 1);
}

#[test]
fn external_id_and_work_email_filters_match() {
    let app = TestApp::new();
    let ids = seed_users(&app, 3);
    assert_eq!(
        app.filter_ids("Users", "externalId eq \"ext-2\""),
        vec![ids[2].clone()]
    );
    assert_eq!(
        app.filter_ids(
            "Users",
            "emails[type eq \"work\"].value eq \"WORK1@contoso.com\""
        ),
        vec![ids[1].clone()]
    );
    // The home address of user 1 is not a work address.
    assert!(app
        .filter_ids(
            "Users",
            "emails[type eq \"work\"].value eq \"home1@example.org\""
        )
        .is_empty());
    assert_eq!(
        app.filter_ids("Users", "emails.value eq \"home1@example.org\""),
        vec![ids[1].clone()]
    );
}

#[test]
fn string_operators_and_presence_filter_users() {
    let app = TestApp::new();
    let ids = seed_users(&app, 4);
    assert_eq!(
        app.filter_ids("Users", "userName co \"02@\""),
        vec![ids[2].clone()]
    );
    assert_eq!(app.filter_ids("Users", "userName sw \"USER0\"").len(), 4);
    assert_eq!(
        app.filter_ids("Users", "displayName ew \"03\""),
        vec![ids[3].clone()]
    );
    assert_eq!(
        app.filter_ids("Users", "title pr"),
        sorted_ids(&[&ids[0], &ids[2]])
    );
    assert_eq!(
        app.filter_ids("Users", "not (title pr)"),
        sorted_ids(&[&ids[1], &ids[3]])
    );
}

#[test]
fn meta_last_modified_comparisons_filter_users() {
    let app = TestApp::new();
    let ids = seed_users(&app, 2);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let reply = app.patch(
        &format!("/Users/{}", ids[1]),
        &patch_body(json!([{"op": "replace", "path": "nickName", "value": "late"}])),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let stamp = reply.json()["meta"]["lastModified"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.filter_ids("Users", &format!("meta.lastModified ge \"{stamp}\"")),
        vec![ids[1].clone()]
    );
    assert!(app
        .filter_ids("Users", &format!("meta.lastModified gt \"{stamp}\""))
        .is_empty());
    assert_eq!(
        app.filter_ids("Users", &format!("meta.lastModified lt \"{stamp}\"")),
        vec![ids[0].clone()]
    );
    assert_eq!(
        app.filter_ids("Users", "meta.lastModified gt \"2000-01-01T00:00:00Z\"")
            .len(),
        2
    );
    assert_eq!(app.filter_ids("Users", "meta.lastModified pr").len(), 2);
}

#[test]
fn and_binds_tighter_than_or_and_not_negates() {
    let app = TestApp::new();
    let ids = seed_users(&app, 4);
    // a or (b and c): user00, plus user02 (Engineer and Sales).
    assert_eq!(
        app.filter_ids(
            "Users",
            "userName eq \"user00@contoso.com\" or title eq \"Engineer\" and externalId eq \"ext-2\""
        ),
        sorted_ids(&[&ids[0], &ids[2]])
    );
    // (a or b) and c: only user02.
    assert_eq!(
        app.filter_ids(
            "Users",
            "(userName eq \"user00@contoso.com\" or title eq \"Engineer\") and externalId eq \"ext-2\""
        ),
        vec![ids[2].clone()]
    );
    assert_eq!(
        app.filter_ids(
            "Users",
            "title eq \"Engineer\" and not (externalId eq \"ext-0\")"
        ),
        vec![ids[2].clone()]
    );
}

#[test]
fn urn_qualified_enterprise_paths_filter_users() {
    let app = TestApp::new();
    let ids = seed_users(&app, 5);
    assert_eq!(
        app.filter_ids("Users", &format!("{ENTERPRISE}:department eq \"Sales\"")),
        sorted_ids(&[&ids[0], &ids[1], &ids[2]])
    );
    assert_eq!(
        app.filter_ids("Users", &format!("{ENTERPRISE}:department eq \"R&D\"")),
        sorted_ids(&[&ids[3], &ids[4]])
    );
}

#[test]
fn escaped_quotes_in_display_name_filters_match() {
    let app = TestApp::new();
    let id = app.create_group_id("This is \"test\" group.", &[]);
    let other = app.create_group_id("Back\\slash", &[]);
    assert_eq!(
        app.filter_ids("Groups", "displayName eq \"This is \\\"test\\\" group.\""),
        vec![id]
    );
    assert_eq!(
        app.filter_ids("Groups", "displayName eq \"back\\\\SLASH\""),
        vec![other]
    );
}

#[test]
fn malformed_filter_is_400_invalid_filter_with_a_position() {
    let app = TestApp::new();
    for filter in [
        "userName eq",
        "userName eq \"unterminated",
        "userName xx \"a\"",
        "(userName eq \"a\"",
        "favouriteColour eq \"blue\"",
    ] {
        let body = app
            .get(&format!("/Users?filter={}", enc(filter)))
            .scim_error(400);
        assert_eq!(body["scimType"], "invalidFilter", "{filter}: {body}");
        // Without the request id, whose digits would pass the check below on their own.
        let detail = body["detail"].as_str().unwrap();
        let detail = detail.split(" Request id: ").next().unwrap();
        if filter != "favouriteColour eq \"blue\"" {
            assert!(
                detail.chars().any(|c| c.is_ascii_digit()),
                "{filter}: no position in {detail}"
            );
        }
    }
}

#[test]
fn sort_by_and_sort_order_order_the_results() {
    let app = TestApp::new();
    let ids = seed_users(&app, 4);
    let asc = app.get_ok("/Users?sortBy=displayName");
    assert_eq!(ids_of(&asc), ids);
    let desc = app.get_ok("/Users?sortBy=userName&sortOrder=descending");
    let mut reversed = ids.clone();
    reversed.reverse();
    assert_eq!(ids_of(&desc), reversed);
    let by_title = app.get_ok("/Users?sortBy=title&sortOrder=ascending");
    assert_eq!(by_title["totalResults"], 4);
    assert_eq!(ids_of(&by_title).len(), 4);
}

#[test]
fn okta_index_paging_walks_every_user_once_in_a_stable_order() {
    let app = TestApp::new();
    let ids = seed_users(&app, 5);
    let probe = app.get_ok("/Users?startIndex=1&count=2");
    assert_eq!(probe["totalResults"], 5);
    assert_eq!(probe["startIndex"], 1);
    assert_eq!(probe["itemsPerPage"], 2);
    assert!(probe["totalResults"].is_u64() && probe["startIndex"].is_u64());
    let mut seen = Vec::new();
    let mut start = 1;
    loop {
        let page = app.get_ok(&format!("/Users?startIndex={start}&count=2"));
        assert_eq!(page["startIndex"], start);
        let got = ids_of(&page);
        assert_eq!(page["itemsPerPage"], got.len());
        if got.is_empty() {
            break;
        }
        seen.extend(got);
        start += 2;
    }
    assert_eq!(seen[..2], ids_of(&probe)[..]);
    let all = app.get_ok("/Users?startIndex=1&count=100");
    assert_eq!(ids_of(&all), seen);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
}

#[test]
fn count_zero_answers_only_the_total() {
    let app = TestApp::new();
    seed_users(&app, 3);
    let body = app.get_ok("/Users?count=0");
    assert_eq!(body["totalResults"], 3);
    assert!(
        body.get("Resources").is_none_or(|r| r == &json!([])),
        "{body}"
    );
}

#[test]
fn cursor_paging_walks_forward_and_back() {
    let app = TestApp::new();
    let ids = seed_users(&app, 5);
    let first = app.get_ok("/Users?cursor&count=2");
    assert_eq!(first["totalResults"], 5);
    assert!(first.get("previousCursor").is_none(), "{first}");
    let mut seen = ids_of(&first);
    let mut next = first["nextCursor"].as_str().map(str::to_owned);
    let mut pages = vec![first.clone()];
    while let Some(cursor) = next {
        let page = app.get_ok(&format!("/Users?cursor={}&count=2", enc(&cursor)));
        seen.extend(ids_of(&page));
        next = page["nextCursor"].as_str().map(str::to_owned);
        pages.push(page);
    }
    let mut expected = ids.clone();
    expected.sort();
    let mut got = seen.clone();
    got.sort();
    assert_eq!(got, expected, "pages: {pages:?}");
    assert_eq!(pages.len(), 3);
    let previous = pages[1]["previousCursor"].as_str().expect("previousCursor");
    let back = app.get_ok(&format!("/Users?cursor={}&count=2", enc(previous)));
    assert_eq!(ids_of(&back), ids_of(&pages[0]));
}

#[test]
fn cursor_paging_sorted_by_an_attribute_that_is_null_for_some_users_sees_each_once() {
    let app = TestApp::new();
    let ids = seed_users(&app, 6);
    for order in ["ascending", "descending"] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        for _ in 0..10 {
            let page = app.get_ok(&format!(
                "/Users?sortBy=title&sortOrder={order}&count=2&cursor={}",
                enc(&cursor)
            ));
            seen.extend(ids_of(&page));
            match page["nextCursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        let mut got = seen.clone();
        got.sort();
        let mut expected = ids.clone();
        expected.sort();
        assert_eq!(got, expected, "{order}: {seen:?}");
    }
}

#[test]
fn invalid_cursor_is_400() {
    let app = TestApp::new();
    seed_users(&app, 1);
    let body = app
        .get("/Users?cursor=not-a-cursor&count=2")
        .scim_error(400);
    assert!(body["scimType"].is_string(), "{body}");
}

#[test]
fn attributes_and_excluded_attributes_project_get_list_and_search() {
    let app = TestApp::new();
    let ids = seed_users(&app, 1);
    let one = app.get_ok(&format!("/Users/{}?attributes=userName", ids[0]));
    assert_eq!(one["userName"], "user00@contoso.com");
    assert_eq!(one["id"], ids[0].as_str());
    assert!(
        one.get("emails").is_none() && one.get("displayName").is_none(),
        "{one}"
    );
    let one = app.get_ok(&format!("/Users/{}?excludedAttributes=emails,name", ids[0]));
    assert!(one.get("emails").is_none());
    assert_eq!(one["displayName"], "Person 00");
    let sub = app.get_ok(&format!("/Users/{}?attributes=emails.value", ids[0]));
    assert!(sub["emails"][0].get("type").is_none(), "{sub}");
    assert!(sub["emails"][0]["value"].is_string());
    let list = app.get_ok("/Users?attributes=displayName");
    let r = &list["Resources"][0];
    assert_eq!(r["displayName"], "Person 00");
    assert!(
        r.get("userName").is_none() && r.get("emails").is_none(),
        "{r}"
    );
    let search = app.post(
        "/Users/.search",
        &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "attributes": ["userName"],
            "filter": "userName eq \"user00@contoso.com\""
        }),
    );
    assert_eq!(search.status, 200, "{}", search.text);
    let r = &search.json()["Resources"][0];
    assert_eq!(r["userName"], "user00@contoso.com");
    assert!(r.get("displayName").is_none(), "{r}");
    let enterprise = app.get_ok(&format!(
        "/Users/{}?attributes={ENTERPRISE}:department",
        ids[0]
    ));
    assert_eq!(enterprise[ENTERPRISE]["department"], "Sales");
    assert!(enterprise.get("userName").is_none());
}

#[test]
fn search_endpoints_answer_list_responses() {
    let app = TestApp::new();
    let ids = seed_users(&app, 3);
    let group = app.create_group_id("Person Group", &[&ids[0]]);
    let request = |filter: &str| {
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": filter,
            "startIndex": 1,
            "count": 10
        })
    };
    let users = app.post("/Users/.search", &request("userName sw \"user0\""));
    assert_eq!(users.status, 200, "{}", users.text);
    assert_eq!(users.json()["totalResults"], 3);
    let groups = app.post(
        "/Groups/.search",
        &request("displayName eq \"person group\""),
    );
    assert_eq!(groups.status, 200, "{}", groups.text);
    assert_eq!(ids_of(&groups.json()), vec![group.clone()]);
    let root = app.post("/.search", &request("externalId eq \"ext-1\""));
    assert_eq!(root.status, 200, "{}", root.text);
    let body = root.json();
    assert_eq!(body["schemas"][0], LIST_RESPONSE);
    assert_eq!(ids_of(&body), vec![ids[1].clone()]);
    let everything = app.post(
        "/.search",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}),
    );
    assert_eq!(everything.json()["totalResults"], 4);
    let bad = app.post("/Users/.search", &request("userName eq"));
    assert_eq!(bad.scim_error(400)["scimType"], "invalidFilter");
}

#[test]
fn service_provider_config_advertises_filter_sort_patch_etag_and_pagination() {
    let app = TestApp::new();
    let body = app.get_ok("/ServiceProviderConfig");
    assert_eq!(body["patch"]["supported"], true);
    assert_eq!(body["filter"]["supported"], true);
    assert!(body["filter"]["maxResults"].as_u64().is_some_and(|n| n > 0));
    assert_eq!(body["sort"]["supported"], true);
    assert_eq!(body["etag"]["supported"], true);
    assert_eq!(body["pagination"]["cursor"], true);
    assert_eq!(body["pagination"]["index"], true);
    assert!(body["pagination"]["maxPageSize"].as_u64().is_some());
}

#[test]
fn schemas_and_resource_types_are_list_responses_with_single_lookups() {
    let app = TestApp::new();
    let schemas = app.get_ok("/Schemas");
    assert_eq!(schemas["schemas"][0], LIST_RESPONSE);
    let schema_ids: Vec<&str> = schemas["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    for id in [
        USER_SCHEMA,
        ENTERPRISE,
        "urn:ietf:params:scim:schemas:core:2.0:Group",
    ] {
        assert!(schema_ids.contains(&id), "{schema_ids:?}");
    }
    assert_eq!(schemas["totalResults"], schema_ids.len());
    let user = app.get_ok(&format!("/Schemas/{USER_SCHEMA}"));
    assert_eq!(user["id"], USER_SCHEMA);
    assert!(user["attributes"].as_array().is_some_and(|a| !a.is_empty()));
    app.get("/Schemas/urn:nope").scim_error(404);
    let types = app.get_ok("/ResourceTypes");
    assert_eq!(types["schemas"][0], LIST_RESPONSE);
    assert_eq!(types["totalResults"], 2);
    let user_type = app.get_ok("/ResourceTypes/User");
    assert_eq!(user_type["name"], "User");
    assert_eq!(user_type["endpoint"], "/Users");
    assert_eq!(user_type["schemaExtensions"][0]["schema"], ENTERPRISE);
    app.get("/ResourceTypes/Widget").scim_error(404);
}

/// RFC 7644 §3.4.2.2: a comparison value is a JSON literal. Bare words, single-quoted
/// strings, unquoted dates and capitalised keywords are invalidFilter, on GET and .search
/// alike, and in PATCH value-filter paths (invalidPath).
#[test]
fn comparison_values_that_are_not_json_literals_are_invalid_filter() {
    let app = TestApp::new();
    let id = app.create_user_id("bob");
    for filter in [
        "userName eq bob",
        "userName eq 'bob'",
        "active eq True",
        "meta.lastModified gt 2011-05-13T04:42:34Z",
    ] {
        let body = app
            .get(&format!("/Users?filter={}", enc(filter)))
            .scim_error(400);
        assert_eq!(body["scimType"], "invalidFilter", "{filter}: {body}");
        let body = app
            .post("/Users/.search", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter}))
            .scim_error(400);
        assert_eq!(body["scimType"], "invalidFilter", "{filter}: {body}");
    }
    let body = app
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "replace", "path": "emails[type eq work].value", "value": "x@example.com"}])),
        )
        .scim_error(400);
    assert_eq!(body["scimType"], "invalidPath", "{body}");
    // The quoted forms work.
    let found = app.get_ok(&format!(
        "/Users?filter={}",
        enc("userName eq \"bob\" and active eq true")
    ));
    assert_eq!(found["totalResults"], 1);
}
