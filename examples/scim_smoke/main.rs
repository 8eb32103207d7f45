//! `scim_smoke`: a self-test of one tenant URL that does what Microsoft Entra ID does in a
//! provisioning cycle, and prints each step the way Entra's provisioning log lists them, with
//! the request id of every answer (`x-request-id`, the same id as in `wrangler tail`).
//!
//!     SCIM_SMOKE_TOKEN=scim_… cargo run --example scim_smoke -- https://<worker>/scim/v2/<org>
//!
//! (`make smoke URL=… TOKEN=…` runs exactly that.) The steps follow Entra's documented
//! requests (learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
//! and application-provisioning-config-problem-scim-compatibility): Test connection with a
//! random `userName`, match, create, PATCH in the default form (capitalised ops, `"False"`
//! strings) and in the `aadOptscim062020` form (path-less object with dotted keys), disable,
//! group match/create, member add and remove in both forms, delete; the 404s after the deletes
//! must be SCIM errors whose `detail` ends with the request id. Everything it creates it
//! deletes again, also when a step fails. Exit status: 0 all answers right, 1 the first wrong
//! answer (or an unreachable service), 2 usage.

mod checks;
mod tenant;

use checks::{expect_eq, expect_list, expect_status, expect_traceable_error, Check};
use serde_json::{json, Value};
use std::process::ExitCode;
use tenant::{Answer, Tenant};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Entra adds its own schema URN to group creations.
const ADSCIM_GROUP: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

fn id_of(answer: &Answer) -> Result<String, String> {
    answer.body["id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| format!("the answer has no id: {}", answer.body))
}

fn patch(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

fn work_email(user: &Value) -> Value {
    user["emails"]
        .as_array()
        .and_then(|emails| emails.iter().find(|e| e["type"] == "work"))
        .map(|e| e["value"].clone())
        .unwrap_or(Value::Null)
}

fn member_ids(group: &Value) -> Vec<String> {
    group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|x| x["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).expect("OS randomness");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the cycle created, so it can be removed whatever happens.
#[derive(Default)]
struct Created {
    user: Option<String>,
    group: Option<String>,
}

fn cycle(t: &mut Tenant, created: &mut Created) -> Check {
    let run = random_hex(6);
    let h = random_hex(16);
    let probe = format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    );
    let user_name = format!("scim-smoke-{run}@example.invalid");
    let group_name = format!("scim-smoke {run}");
    let eq = |attr: &str, value: &str| format!("{attr} eq \"{value}\"");

    // Test connection: a user that cannot exist, by the matching attribute (Entra: a GUID).
    let a = t.send(
        "Test connection",
        "GET",
        "/Users",
        &[("filter", &eq("userName", &probe))],
        None,
    )?;
    expect_list(&a, &[])?;

    // Import / match: Entra looks the user up before creating it.
    let a = t.send(
        "Match user (not found)",
        "GET",
        "/Users",
        &[("filter", &eq("userName", &user_name))],
        None,
    )?;
    expect_list(&a, &[])?;

    let a = t.send(
        "Create user",
        "POST",
        "/Users",
        &[],
        Some(&json!({
            "schemas": [USER, ENTERPRISE],
            "externalId": format!("smoke{run}"),
            "userName": user_name,
            "active": true,
            "displayName": "Smoke Test",
            "emails": [{"primary": true, "type": "work", "value": user_name}],
            "name": {"formatted": "Smoke Test", "familyName": "Test", "givenName": "Smoke"},
            ENTERPRISE: {"department": "Quality"}
        })),
    )?;
    expect_status(&a, &[201])?;
    let uid = id_of(&a)?;
    created.user = Some(uid.clone());
    expect_eq("userName", &a.body["userName"], &json!(user_name))?;
    expect_eq("active", &a.body["active"], &json!(true))?;

    let a = t.send(
        "Match user (found)",
        "GET",
        "/Users",
        &[("filter", &eq("userName", &user_name.to_uppercase()))],
        None,
    )?;
    expect_list(&a, &[&uid])?;

    let user_path = format!("/Users/{uid}");
    let a = t.send("Get user", "GET", &user_path, &[], None)?;
    expect_status(&a, &[200])?;
    expect_eq("id", &a.body["id"], &json!(uid))?;

    // Entra's default PATCH (no flag): capitalised ops, one per attribute, Add for attributes
    // the target lacked, a value-filtered path created when missing.
    let new_email = format!("smoke-{run}@mail.example.invalid");
    let a = t.send(
        "Update user (default PATCH)",
        "PATCH",
        &user_path,
        &[],
        Some(&patch(json!([
            {"op": "Replace", "path": "displayName", "value": "Smoke Renamed"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": new_email},
            {"op": "Replace", "path": "name.familyName", "value": "Tested"},
            {"op": "Add", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "1001"},
            {"op": "Add", "path": "nickName", "value": "Smokey"}
        ]))),
    )?;
    expect_status(&a, &[200, 204])?;
    let a = t.send("Get user (check update)", "GET", &user_path, &[], None)?;
    expect_status(&a, &[200])?;
    expect_eq(
        "displayName",
        &a.body["displayName"],
        &json!("Smoke Renamed"),
    )?;
    expect_eq("work email", &work_email(&a.body), &json!(new_email))?;
    expect_eq(
        "name.familyName",
        &a.body["name"]["familyName"],
        &json!("Tested"),
    )?;
    expect_eq("nickName", &a.body["nickName"], &json!("Smokey"))?;
    expect_eq(
        "employeeNumber",
        &a.body[ENTERPRISE]["employeeNumber"],
        &json!("1001"),
    )?;

    // With ?aadOptscim062020: lowercase ops and a path-less replace whose keys are paths.
    let a = t.send(
        "Update user (aadOptscim062020 PATCH)",
        "PATCH",
        &user_path,
        &[],
        Some(&patch(json!([
            {"op": "replace", "value": {
                "displayName": "Smoke Flagged",
                "name.givenName": "Kkom",
                format!("{ENTERPRISE}:department"): "Retail"
            }}
        ]))),
    )?;
    expect_status(&a, &[200, 204])?;
    let a = t.send("Get user (check update)", "GET", &user_path, &[], None)?;
    expect_status(&a, &[200])?;
    expect_eq(
        "displayName",
        &a.body["displayName"],
        &json!("Smoke Flagged"),
    )?;
    expect_eq(
        "name.givenName",
        &a.body["name"]["givenName"],
        &json!("Kkom"),
    )?;
    expect_eq(
        "name.familyName",
        &a.body["name"]["familyName"],
        &json!("Tested"),
    )?;
    expect_eq(
        "department",
        &a.body[ENTERPRISE]["department"],
        &json!("Retail"),
    )?;
    if a.body.get("name.givenName").is_some() {
        return Err("'name.givenName' was stored as a literal key".into());
    }

    // Disable (soft delete): Entra sends the boolean as the string "False".
    let a = t.send(
        "Disable user",
        "PATCH",
        &user_path,
        &[],
        Some(&patch(
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )),
    )?;
    expect_status(&a, &[200, 204])?;
    let a = t.send(
        "Match user (disabled, still found)",
        "GET",
        "/Users",
        &[("filter", &eq("userName", &user_name))],
        None,
    )?;
    expect_list(&a, &[&uid])?;
    expect_eq("active", &a.body["Resources"][0]["active"], &json!(false))?;

    // Groups: match by displayName without members, create with an empty member list.
    let a = t.send(
        "Match group (not found)",
        "GET",
        "/Groups",
        &[
            ("excludedAttributes", "members"),
            ("filter", &eq("displayName", &group_name)),
        ],
        None,
    )?;
    expect_list(&a, &[])?;
    let a = t.send(
        "Create group",
        "POST",
        "/Groups",
        &[],
        Some(&json!({
            "schemas": [GROUP, ADSCIM_GROUP],
            "externalId": format!("smoke-group-{run}"),
            "displayName": group_name,
            "meta": {"resourceType": "Group"}
        })),
    )?;
    expect_status(&a, &[201])?;
    let gid = id_of(&a)?;
    created.group = Some(gid.clone());
    let group_path = format!("/Groups/{gid}");

    let expect_members = |t: &mut Tenant, want: &[&str]| -> Check {
        let a = t.send("Get group (check members)", "GET", &group_path, &[], None)?;
        expect_status(&a, &[200])?;
        let got = member_ids(&a.body);
        if got.iter().map(String::as_str).eq(want.iter().copied()) {
            Ok(())
        } else {
            Err(format!("expected members {want:?}, got {got:?}"))
        }
    };

    let a = t.send(
        "Add member (default PATCH)",
        "PATCH",
        &group_path,
        &[],
        Some(&patch(
            json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": uid}]}]),
        )),
    )?;
    expect_status(&a, &[200, 204])?;
    expect_members(t, &[&uid])?;

    let a = t.send(
        "Match group (found, no members)",
        "GET",
        "/Groups",
        &[
            ("excludedAttributes", "members"),
            ("filter", &eq("displayName", &group_name)),
        ],
        None,
    )?;
    expect_list(&a, &[&gid])?;
    if a.body["Resources"][0].get("members").is_some() {
        return Err("excludedAttributes=members still returned members".into());
    }

    let a = t.send(
        "Remove member (default PATCH)",
        "PATCH",
        &group_path,
        &[],
        Some(&patch(
            json!([{"op": "Remove", "path": "members", "value": [{"value": uid}]}]),
        )),
    )?;
    expect_status(&a, &[200, 204])?;
    expect_members(t, &[])?;

    let a = t.send(
        "Add member (aadOptscim062020 PATCH)",
        "PATCH",
        &group_path,
        &[],
        Some(&patch(
            json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]),
        )),
    )?;
    expect_status(&a, &[200, 204])?;
    expect_members(t, &[&uid])?;
    let a = t.send(
        "Remove member (aadOptscim062020 PATCH)",
        "PATCH",
        &group_path,
        &[],
        Some(&patch(
            json!([{"op": "remove", "path": format!("members[value eq \"{uid}\"]")}]),
        )),
    )?;
    expect_status(&a, &[200, 204])?;
    expect_members(t, &[])?;

    // Hard delete, as Entra sends it when a user is deleted for good.
    let a = t.send("Delete group", "DELETE", &group_path, &[], None)?;
    expect_status(&a, &[204])?;
    created.group = None;
    let a = t.send("Get group (gone)", "GET", &group_path, &[], None)?;
    expect_traceable_error(&a, 404)?;
    let a = t.send("Delete user", "DELETE", &user_path, &[], None)?;
    expect_status(&a, &[204])?;
    created.user = None;
    let a = t.send("Get user (gone)", "GET", &user_path, &[], None)?;
    expect_traceable_error(&a, 404)?;
    Ok(())
}

/// Removes what a failed cycle left behind; reports, never fails.
fn clean_up(t: &mut Tenant, created: &Created) {
    for path in [
        created.group.as_ref().map(|id| format!("/Groups/{id}")),
        created.user.as_ref().map(|id| format!("/Users/{id}")),
    ]
    .into_iter()
    .flatten()
    {
        match t.send("Clean up", "DELETE", &path, &[], None) {
            Ok(a) if a.status == 204 || a.status == 404 => {}
            Ok(a) => println!(
                "     could not delete {path} (HTTP {}): remove it by hand",
                a.status
            ),
            Err(e) => println!("     could not delete {path} ({e}): remove it by hand"),
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let token = std::env::var("SCIM_SMOKE_TOKEN").unwrap_or_default();
    let url = match args.as_slice() {
        [url]
            if !token.is_empty() && (url.starts_with("http://") || url.starts_with("https://")) =>
        {
            url
        }
        _ => {
            eprintln!(
                "usage: SCIM_SMOKE_TOKEN=<token> scim_smoke <tenant URL>\n\
                 e.g.   SCIM_SMOKE_TOKEN=scim_… scim_smoke https://scim-edge.example.workers.dev/scim/v2/acme\n\
                 (or: make smoke URL=<tenant URL> TOKEN=<token>)"
            );
            return ExitCode::from(2);
        }
    };
    let mut tenant = Tenant::new(url, token);
    println!("Provisioning self-test of {url}");
    let mut created = Created::default();
    match cycle(&mut tenant, &mut created) {
        Ok(()) => {
            println!(
                "PASS: {} requests, every answer as Entra expects; nothing left behind.",
                tenant.step
            );
            ExitCode::SUCCESS
        }
        Err(why) => {
            println!("FAIL at step {}: {why}", tenant.step);
            clean_up(&mut tenant, &created);
            ExitCode::from(1)
        }
    }
}
