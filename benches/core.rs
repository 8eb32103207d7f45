//! Native micro-benchmarks of the core (run by `make bench`, read by bench/report.py): filter
//! parsing, PATCH application, and serialising a rendered user — the CPU work of the hot path
//! without the runtime or storage around it.

use criterion::{criterion_group, criterion_main, Criterion};
use scim_edge::core::filter::parse_filter;
use scim_edge::core::patch::patch_user;
use serde_json::{json, Value};
use std::hint::black_box;

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A stored User document as Entra provisions it (canonical names, no id/meta).
fn stored_user() -> Value {
    json!({
        "userName": "alice.anders@contoso.example",
        "externalId": "a1b2c3d4-0000-4000-8000-000000000001",
        "name": {"formatted": "Alice Anders", "familyName": "Anders", "givenName": "Alice"},
        "displayName": "Alice Anders",
        "title": "Engineer",
        "emails": [{"value": "alice.anders@contoso.example", "type": "work", "primary": true}],
        "addresses": [{"type": "work", "streetAddress": "1 Main St", "locality": "Springfield",
                       "postalCode": "12345", "country": "US", "primary": true}],
        "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
        "active": true,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "1001", "department": "R&D",
            "manager": {"value": "b1b2c3d4-0000-4000-8000-000000000002"}
        }
    })
}

/// The same user as the service renders it (schemas, id, groups and meta added).
fn rendered_user() -> Value {
    let mut user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "0b6f4a52-6c1e-4a8e-9d55-1f2a3b4c5d6e",
    });
    if let (Some(out), Value::Object(doc)) = (user.as_object_mut(), stored_user()) {
        out.extend(doc);
        out.insert(
            "groups".into(),
            json!([{"value": "3f1e2d3c-0000-4000-8000-000000000003",
            "display": "Engineering", "type": "direct"}]),
        );
        out.insert("meta".into(), json!({
            "resourceType": "User",
            "created": "2026-11-28T13:45:00.123Z",
            "lastModified": "2026-11-28T13:46:10.456Z",
            "location": "https://scim.example/scim/v2/acme/Users/0b6f4a52-6c1e-4a8e-9d55-1f2a3b4c5d6e",
            "version": "W/\"1f2e3d4c5b6a\""
        }));
    }
    user
}

fn filters(c: &mut Criterion) {
    c.bench_function("filter_parse/userName_eq", |b| {
        b.iter(|| parse_filter(black_box(r#"userName eq "alice.anders@contoso.example""#)))
    });
    c.bench_function("filter_parse/complex", |b| {
        b.iter(|| {
            parse_filter(black_box(
                r#"(userName sw "al" or emails[type eq "work" and value co "@contoso"]) and active eq true and not (title pr)"#,
            ))
        })
    });
}

fn patches(c: &mut Criterion) {
    let doc = stored_user();
    let display = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "displayName", "value": "Alice B. Anders"}]});
    let entra = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "alice@contoso.example"},
        {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"}]});
    c.bench_function("patch_user/replace_displayName", |b| {
        b.iter(|| patch_user(black_box(&doc), black_box(&display)))
    });
    c.bench_function("patch_user/entra_three_ops", |b| {
        b.iter(|| patch_user(black_box(&doc), black_box(&entra)))
    });
}

fn serialise(c: &mut Criterion) {
    let user = rendered_user();
    c.bench_function("serialise/rendered_user", |b| {
        b.iter(|| serde_json::to_string(black_box(&user)))
    });
}

criterion_group!(benches, filters, patches, serialise);
criterion_main!(benches);
