//! `make deploy` (scripts/deploy.sh) without Cloudflare: the dry run's command list, and two
//! real runs against a stand-in `wrangler` that records its arguments and answers like the real
//! one (JSON lists, created resources appearing in them). Checks: what is missing is created
//! with the worker's binding names, ids land in the git-ignored deploy config and never in
//! wrangler.toml, migrations are applied remotely, and a second run creates nothing and keeps
//! the existing ADMIN_SECRET.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scim-deploy-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(envs: &[(&str, &Path)], dry: bool) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("scripts/deploy.sh"))
        .env_remove("D1_NAME")
        .env_remove("KV_TITLE")
        .env_remove("D1_LOCATION")
        .env("DRY_RUN", if dry { "1" } else { "" });
    for (name, value) in envs {
        cmd.env(name, value);
    }
    cmd.output().expect("bash runs")
}

fn commands(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("+ wrangler "))
        .map(str::to_owned)
        .collect()
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_dry_run_prints_a_first_deployment_and_runs_nothing() {
    let dir = scratch("dry");
    let config = dir.join("wrangler.deploy.toml");
    // A wrangler that cannot run: the dry run must not need it.
    let output = run(
        &[
            ("WRANGLER", &dir.join("no-such-wrangler")),
            ("DEPLOY_CONFIG", &config),
        ],
        true,
    );
    assert!(output.status.success(), "{}", text(&output));
    let c = config.display();
    assert_eq!(
        commands(&output),
        vec![
            "d1 list --json".to_owned(),
            "d1 create scim-edge --binding DB".into(),
            "d1 list --json".into(),
            "d1 list --json".into(),
            "d1 create scim-edge-s2 --binding DB_S2".into(),
            "d1 list --json".into(),
            "d1 list --json".into(),
            "d1 create scim-edge-eu1 --binding DB_EU1 --jurisdiction eu".into(),
            "d1 list --json".into(),
            "kv namespace list".into(),
            "kv namespace create scim-edge-tokens --binding TOKENS".into(),
            "kv namespace list".into(),
            "queues info scim-edge-webhooks".into(),
            "queues create scim-edge-webhooks".into(),
            format!("d1 migrations apply DB --remote --config {c}"),
            format!("d1 migrations list DB --remote --config {c}"),
            format!("d1 migrations apply DB_S2 --remote --config {c}"),
            format!("d1 migrations list DB_S2 --remote --config {c}"),
            format!("d1 migrations apply DB_EU1 --remote --config {c}"),
            format!("d1 migrations list DB_EU1 --remote --config {c}"),
            format!("deploy --config {c}"),
            format!("secret list --config {c}"),
            format!("secret put ADMIN_SECRET --config {c}"),
        ],
        "{}",
        text(&output)
    );
    assert!(!config.exists(), "a dry run wrote {c}");
}

/// A stand-in for wrangler: appends each command line to `calls`, keeps created resources as
/// files, and prints what wrangler 4 prints for the commands deploy.sh reads.
const FAKE_WRANGLER: &str = r#"#!/usr/bin/env bash
set -euo pipefail
state="$(dirname "$0")"
echo "$*" >> "$state/calls"
case "$*" in
  "d1 list --json")
    list='{"uuid":"0f0e-other","name":"something-else"}'
    [ -f "$state/d1" ] && list="$list"',{"uuid":"6c1f0d6e-2b8a-4f3e-9a51-2d3b0e7c9f10","name":"scim-edge"}'
    [ -f "$state/d1-s2" ] && list="$list"',{"uuid":"7d2a1e7f-3c9b-4a4f-8b62-3e4c1f8d0a21","name":"scim-edge-s2"}'
    [ -f "$state/d1-eu1" ] && list="$list"',{"uuid":"8e3b2f80-4dac-4b50-9c73-4f5d2a9e1b32","name":"scim-edge-eu1"}'
    echo "[$list]" ;;
  "d1 create scim-edge --binding DB") touch "$state/d1"; echo "Successfully created DB 'scim-edge'" ;;
  "d1 create scim-edge-s2 --binding DB_S2") touch "$state/d1-s2"; echo "Successfully created DB 'scim-edge-s2'" ;;
  "d1 create scim-edge-eu1 --binding DB_EU1 --jurisdiction eu") touch "$state/d1-eu1"; echo "Successfully created DB 'scim-edge-eu1'" ;;
  "kv namespace list")
    if [ -f "$state/kv" ]; then echo '[{"id":"5a1b2c3d4e5f60718293a4b5c6d7e8f9","title":"scim-edge-tokens"}]'; else echo '[]'; fi ;;
  "kv namespace create scim-edge-tokens --binding TOKENS") touch "$state/kv"; echo "Success!" ;;
  "queues info scim-edge-webhooks")
    if [ -f "$state/queue" ]; then echo "Queue Name: scim-edge-webhooks"; else echo "Queue not found" >&2; exit 1; fi ;;
  "queues create scim-edge-webhooks") touch "$state/queue"; echo "Created queue scim-edge-webhooks" ;;
  "d1 migrations apply DB"*" --remote --config "*) echo "Migrations applied" ;;
  "d1 migrations list DB"*" --remote --config "*) echo "No migrations to apply!" ;;
  "deploy --config "*)
    grep -q '^database_id = "6c1f0d6e-2b8a-4f3e-9a51-2d3b0e7c9f10"$' "${@: -1}"
    echo "Uploaded scim-edge"; echo "  https://scim-edge.acme-ops.workers.dev" ;;
  "secret list --config "*)
    if [ -f "$state/secret" ]; then echo '[{"name":"ADMIN_SECRET","type":"secret_text"}]'; else echo '[]'; fi ;;
  "secret put ADMIN_SECRET --config "*) [ -n "$(cat)" ] && touch "$state/secret" ;;
  *) echo "fake wrangler: unexpected command: $*" >&2; exit 9 ;;
esac
"#;

#[test]
fn a_first_deployment_creates_everything_and_a_second_creates_nothing() {
    let dir = scratch("fake");
    let wrangler = dir.join("wrangler");
    fs::write(&wrangler, FAKE_WRANGLER).unwrap();
    let chmod = Command::new("chmod").arg("+x").arg(&wrangler).status();
    assert!(chmod.unwrap().success());
    let config = dir.join("wrangler.deploy.toml");
    let committed = fs::read_to_string(repo().join("wrangler.toml")).unwrap();
    let env = [("WRANGLER", wrangler.as_path()), ("DEPLOY_CONFIG", &config)];

    let first = run(&env, false);
    assert!(first.status.success(), "{}", text(&first));
    let created: Vec<String> = commands(&first)
        .into_iter()
        .filter(|c| c.contains(" create ") || c.starts_with("secret put"))
        .collect();
    assert_eq!(
        created.len(),
        6,
        "d1 create (three shards), kv create, queue create, secret put: {created:?}"
    );
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        stdout.contains("deployed: https://scim-edge.acme-ops.workers.dev"),
        "{stdout}"
    );
    assert!(
        stdout.contains("make smoke URL=https://scim-edge.acme-ops.workers.dev/scim/v2/acme"),
        "{stdout}"
    );
    assert!(stdout.contains("ADMIN_SECRET (shown once"), "{stdout}");

    let deploy_config = fs::read_to_string(&config).unwrap();
    for line in [
        "binding = \"DB\"",
        "database_name = \"scim-edge\"",
        "database_id = \"6c1f0d6e-2b8a-4f3e-9a51-2d3b0e7c9f10\"",
        "database_id = \"7d2a1e7f-3c9b-4a4f-8b62-3e4c1f8d0a21\"",
        "database_id = \"8e3b2f80-4dac-4b50-9c73-4f5d2a9e1b32\"",
        "migrations_dir = \"migrations\"",
        "binding = \"TOKENS\"",
        "id = \"5a1b2c3d4e5f60718293a4b5c6d7e8f9\"",
    ] {
        assert!(
            deploy_config.lines().any(|l| l == line),
            "{line} missing from:\n{deploy_config}"
        );
    }
    assert!(!deploy_config.contains("00000000"), "{deploy_config}");
    assert_eq!(
        fs::read_to_string(repo().join("wrangler.toml")).unwrap(),
        committed,
        "deploy.sh edited the committed wrangler.toml"
    );

    let second = run(&env, false);
    assert!(second.status.success(), "{}", text(&second));
    let again = commands(&second);
    assert!(
        again
            .iter()
            .all(|c| !c.contains(" create ") && !c.starts_with("secret put")),
        "a second run created or replaced something: {again:?}"
    );
    assert!(again
        .iter()
        .any(|c| c.starts_with("d1 migrations apply DB --remote")));
    assert!(again.iter().any(|c| c.starts_with("deploy --config")));
    assert!(!String::from_utf8_lossy(&second.stdout).contains("ADMIN_SECRET (shown once"));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_failing_wrangler_stops_the_deployment_with_its_own_message() {
    let dir = scratch("fail");
    let wrangler = dir.join("wrangler");
    fs::write(
        &wrangler,
        "#!/usr/bin/env bash\necho 'You are not authenticated. Please run `wrangler login`.' >&2\nexit 1\n",
    )
    .unwrap();
    assert!(Command::new("chmod")
        .arg("+x")
        .arg(&wrangler)
        .status()
        .unwrap()
        .success());
    let config = dir.join("wrangler.deploy.toml");
    let output = run(
        &[("WRANGLER", wrangler.as_path()), ("DEPLOY_CONFIG", &config)],
        false,
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("You are not authenticated"), "{stderr}");
    assert_eq!(commands(&output), vec!["d1 list --json"], "{stderr}");
    assert!(!config.exists());
    let _ = fs::remove_dir_all(&dir);
}
