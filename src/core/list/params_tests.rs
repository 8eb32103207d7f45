//! List parameters from real IdP query strings and `.search` bodies.

use serde_json::json;

use crate::core::error::ScimType;
use crate::core::list::params::{ListParams, SortOrder, DEFAULT_COUNT, MAX_COUNT};

#[test]
fn entra_test_connection_query_decodes_plus_and_percent() {
    let p = ListParams::from_query("filter=userName+eq+%22cf4d78e8-cc4f-4d5d-b8b9-183561c0104a%22")
        .unwrap();
    assert_eq!(
        p.filter.unwrap().to_string(),
        "userName eq \"cf4d78e8-cc4f-4d5d-b8b9-183561c0104a\""
    );
    assert_eq!((p.start_index, p.count), (1, DEFAULT_COUNT));
    assert_eq!(p.cursor, None);
}

#[test]
fn group_probe_with_excluded_members_and_a_spaced_name() {
    let p = ListParams::from_query(
        "?aadOptscim062020&excludedAttributes=members&filter=displayName+eq+%22EDU+All+personal%22",
    )
    .unwrap();
    assert_eq!(p.excluded_attributes, ["members"]);
    assert_eq!(
        p.filter.unwrap().to_string(),
        "displayName eq \"EDU All personal\""
    );
}

#[test]
fn paging_values_follow_rfc_7644_3_4_2_4() {
    let p = ListParams::from_query("startIndex=0&count=-5").unwrap();
    assert_eq!((p.start_index, p.count), (1, 0));
    let p = ListParams::from_query("StartIndex=21&COUNT=1000").unwrap();
    assert_eq!((p.start_index, p.count), (21, MAX_COUNT));
    let p = ListParams::from_query("startIndex=99999999999999999999999").unwrap();
    assert_eq!(p.start_index, i32::MAX as u64);
    for bad in ["count=ten", "startIndex=1.5", "count=", "startIndex=%2B1"] {
        let e = ListParams::from_query(bad).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{bad}");
    }
}

#[test]
fn sorting_attributes_and_cursor() {
    let p = ListParams::from_query(
        "sortBy=name.familyName&sortOrder=DESCENDING&attributes=userName,+emails&cursor=",
    )
    .unwrap();
    assert_eq!(p.sort_by.unwrap().to_string(), "name.familyName");
    assert_eq!(p.sort_order, SortOrder::Descending);
    assert_eq!(p.attributes, ["userName", "emails"]);
    assert_eq!(p.cursor.as_deref(), Some(""));
    let e = ListParams::from_query("sortOrder=up").unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    let e = ListParams::from_query("cursor=&startIndex=2").unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn bad_filters_and_duplicates_are_rejected() {
    let e = ListParams::from_query("filter=userName+xx+%22a%22").unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
    assert!(e.detail.contains("position 10"), "{}", e.detail);
    let e = ListParams::from_query("filter=id+pr&FILTER=userName+pr").unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    let e = ListParams::from_query("filter=%FF").unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    // A stray `%` that is not an escape is kept.
    let p = ListParams::from_query("filter=title+co+%2250%%22").unwrap();
    assert_eq!(p.filter.unwrap().to_string(), "title co \"50%\"");
}

#[test]
fn search_body_is_read_like_the_query() {
    const SR: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
    let p = ListParams::from_search_body(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "emails[type eq \"work\"].value eq \"a@b.c\"",
        "startIndex": 3,
        "count": "7",
        "sortBy": "userName",
        "sortOrder": "ascending",
        "attributes": ["userName", "emails"],
        "excludedAttributes": "groups",
        "extra": {"ignored": true}
    }))
    .unwrap();
    assert_eq!(
        p.filter.unwrap().to_string(),
        "emails[type eq \"work\" and value eq \"a@b.c\"]"
    );
    assert_eq!((p.start_index, p.count), (3, 7));
    assert_eq!(p.attributes, ["userName", "emails"]);
    assert_eq!(p.excluded_attributes, ["groups"]);
    let e = ListParams::from_search_body(&json!({"schemas": ["x"]})).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    let e = ListParams::from_search_body(&json!({"count": 1})).unwrap_err();
    assert_eq!(
        e.scim_type,
        Some(ScimType::InvalidSyntax),
        "schemas is required"
    );
    let e = ListParams::from_search_body(
        &json!({"schemas": ["URN:ietf:params:scim:api:messages:2.0:searchrequest"], "count": true}),
    )
    .unwrap_err();
    assert_eq!(
        e.scim_type,
        Some(ScimType::InvalidValue),
        "URNs compare without case"
    );
    let e = ListParams::from_search_body(&json!({"schemas": [SR], "attributes": [1]})).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    let e = ListParams::from_search_body(&json!([])).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
}
