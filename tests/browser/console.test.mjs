// Browser tests of the operator console (/admin/) and the setup page (/setup/{link}) in the
// system's headless Chromium (Debian package, /usr/bin/chromium), driven by playwright-core.
// scripts/e2e.sh runs this after the Rust e2e suite, against the same `wrangler dev`:
//   SCIM_E2E_BASE_URL, SCIM_E2E_ADMIN_SECRET, SCIM_E2E_PERSIST (the local state, used to
//   expire a setup link in D1), SCREENSHOTS (where to write PNGs; e2e.sh passes a temporary
//   folder unless SCREENSHOTS=docs/images is set, which refreshes the documentation's images).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BASE = process.env.SCIM_E2E_BASE_URL;
const SECRET = process.env.SCIM_E2E_ADMIN_SECRET;
const PERSIST = process.env.SCIM_E2E_PERSIST;
const SHOTS = path.resolve(repo, process.env.SCREENSHOTS || "docs/images");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
assert.ok(BASE && SECRET && PERSIST, "SCIM_E2E_BASE_URL, SCIM_E2E_ADMIN_SECRET and SCIM_E2E_PERSIST must be set");
assert.match(BASE, /^http:\/\/127\.0\.0\.1:\d+$/, "tests talk to loopback only");

// e2e.sh gives every run a fresh local state, so fixed names are safe.
const ORG = "acme-corp";
const MARKUP = `<img src=x onerror="window.__xss=1">Mallory`;
const MARKUP_USER = `<script>window.__xss=2</script>mallory@acme.example`;

let browser, admin, page;
const state = {};

// A screenshot of the page down to the end of its content (no empty viewport below it).
async function shot(p, name) {
  mkdirSync(SHOTS, { recursive: true });
  await p.evaluate(() => document.activeElement && document.activeElement.blur());
  const { width, height } = await p.evaluate(() => ({
    width: document.documentElement.clientWidth,
    height: Math.ceil(document.querySelector("main").getBoundingClientRect().bottom + window.scrollY) - 24,
  }));
  await p.screenshot({ path: path.join(SHOTS, name), fullPage: true, clip: { x: 0, y: 0, width, height } });
}

async function scim(method, org, token, rest, body) {
  const r = await fetch(`${BASE}/scim/v2/${org}${rest}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.text() };
}

async function adminApi(method, rest, body) {
  const r = await fetch(`${BASE}/admin/orgs/${rest}`, {
    method, headers: { authorization: `Bearer ${SECRET}` }, body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.text() };
}

// Every form control on the page has a label (a <label for>, a wrapping label, or aria-label).
async function assertLabelled(p) {
  const unlabelled = await p.evaluate(() => [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.offsetParent !== null && el.labels.length === 0 && !el.getAttribute("aria-label"))
    .map((el) => el.outerHTML));
  assert.deepEqual(unlabelled, []);
}

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  admin = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  await admin.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
  page = await admin.newPage();
  page.on("pageerror", (e) => { state.pageError = String(e); });
  // The pages must run under their own CSP without a single violation.
  page.on("console", (m) => { if (/Content[ -]Security[ -]Policy/i.test(m.text())) state.csp = m.text(); });
});

after(async () => { await browser?.close(); });

test("first load of the console is at most 60 KB compressed, setup page too", async () => {
  const total = async (paths) => {
    let sum = 0;
    for (const p of paths) {
      const r = await fetch(BASE + p);
      const bytes = Buffer.from(await r.arrayBuffer());
      sum += gzipSync(bytes, { level: 6 }).length;
    }
    return sum;
  };
  const consoleBytes = await total(["/admin/", "/assets/console.css", "/assets/common.js", "/assets/console.js"]);
  const setupBytes = await total(["/assets/console.css", "/assets/common.js", "/assets/setup.js"]);
  console.log(`# page weight (gzip): console first load ${consoleBytes} B, setup page assets ${setupBytes} B`);
  assert.ok(consoleBytes <= 60 * 1024, `${consoleBytes} bytes`);
});

test("the console answers 401 with the sign-in page and strict headers", async () => {
  const response = await page.goto(`${BASE}/admin/`);
  assert.equal(response.status(), 401);
  const csp = response.headers()["content-security-policy"];
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe/);
  assert.equal(response.headers()["referrer-policy"], "no-referrer");
  await page.getByLabel("Admin secret").waitFor();
  await assertLabelled(page);
  await shot(page, "console-sign-in.png");
});

test("a wrong secret is refused; the right one opens an HttpOnly Secure SameSite=Strict session (keyboard only)", async () => {
  await page.getByLabel("Admin secret").focus();
  await page.keyboard.type("not-the-secret");
  await page.keyboard.press("Enter");
  await page.getByText("That is not the admin secret of this deployment.").waitFor();
  assert.equal((await admin.cookies()).length, 0);
  await page.getByLabel("Admin secret").fill("");
  await page.keyboard.type(SECRET);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Organisations" }).waitFor();
  const [cookie] = await admin.cookies();
  assert.equal(cookie.name, "scim_console");
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.secure, true, "a Secure cookie is kept on http://127.0.0.1 (a secure context)");
  assert.equal(cookie.sameSite, "Strict");
  assert.equal(await page.evaluate(() => document.cookie), "", "page script cannot read the session");
  // A reload keeps the session: the console asks the server, not page storage.
  const reloaded = await page.reload();
  assert.equal(reloaded.status(), 200);
  await page.getByRole("heading", { name: "Organisations" }).waitFor();
});

test("create an org, copy its token, and the token works on the SCIM API", async () => {
  await page.getByLabel("New org name").fill(ORG);
  await page.getByRole("button", { name: "Create org" }).click();
  const box = page.locator("[data-value=token]");
  await box.waitFor();
  await page.getByText("shown only once").first().waitFor();
  const token = (await box.textContent()).trim();
  assert.match(token, /^scim_[A-Za-z0-9_-]{43}$/);
  await page.getByRole("button", { name: "Copy new scim token" }).click();
  await page.getByRole("button", { name: "Copy new scim token" }).filter({ hasText: "Copied" }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
  state.token = token;
  assert.equal((await scim("GET", ORG, token, "/Users")).status, 200);
  const tenant = (await page.locator("[data-value=tenant-url]").textContent()).trim();
  assert.equal(tenant, `${BASE}/scim/v2/${ORG}`);
  // The setup steps carry this org's URL.
  await page.getByRole("tab", { name: "Okta" }).click();
  await page.getByText(tenant, { exact: true }).first().waitFor();
  await page.getByRole("tab", { name: "Microsoft Entra ID" }).click();
  await assertLabelled(page);
  await shot(page, "console-org-token.png");
});

test("rotate with a grace period: both tokens work, the new one is shown once", async () => {
  await page.reload();
  await page.getByText("Ends in").waitFor();
  assert.equal(await page.locator("[data-value=token]").count(), 0, "a token is never shown again");
  await page.getByLabel("Grace period").selectOption("3600");
  await page.getByRole("button", { name: "Rotate token" }).click();
  const box = page.locator("[data-value=token]");
  await box.waitFor();
  const rotated = (await box.textContent()).trim();
  assert.notEqual(rotated, state.token);
  await page.getByText("The previous token keeps working until").waitFor();
  assert.equal((await scim("GET", ORG, rotated, "/Users")).status, 200);
  assert.equal((await scim("GET", ORG, state.token, "/Users")).status, 200, "old token in grace");
  state.token = rotated;
});

test("users whose names are markup show as text and run nothing; the directory pages and searches", async () => {
  const created = await scim("POST", ORG, state.token, "/Users", {
    userName: MARKUP_USER, displayName: MARKUP, emails: [{ value: "mallory@acme.example", primary: true }],
  });
  assert.equal(created.status, 201, created.body);
  const ids = [JSON.parse(created.body).id];
  for (const [given, family] of [["Ada", "Lovelace"], ["Grace", "Hopper"], ["Alan", "Turing"], ["Katherine", "Johnson"], ["Edsger", "Dijkstra"]]) {
    const r = await scim("POST", ORG, state.token, "/Users", {
      userName: `${given.toLowerCase()}.${family.toLowerCase()}@acme.example`, displayName: `${given} ${family}`,
      name: { givenName: given, familyName: family }, emails: [{ value: `${given.toLowerCase()}@acme.example`, primary: true }],
    });
    assert.equal(r.status, 201, r.body);
    ids.push(JSON.parse(r.body).id);
  }
  const group = await scim("POST", ORG, state.token, "/Groups", { displayName: "Engineering", members: ids.map((value) => ({ value })) });
  assert.equal(group.status, 201, group.body);
  await scim("POST", ORG, state.token, "/Groups", { displayName: "Finance", members: [{ value: ids[1] }] });

  await page.getByRole("tab", { name: "Directory" }).click();
  const table = page.locator("#directory-users");
  await table.getByText(MARKUP_USER, { exact: true }).waitFor();
  await table.getByText(MARKUP, { exact: true }).waitFor();
  assert.equal(await page.locator("#directory-users img, #directory-users script").count(), 0);
  await page.getByRole("button", { name: MARKUP_USER }).click();
  await page.locator("h2", { hasText: MARKUP_USER }).waitFor();
  await page.getByRole("listitem").filter({ hasText: "Engineering" }).waitFor();
  assert.equal(await page.evaluate(() => window.__xss), undefined, "no injected script ran");
  assert.equal(state.pageError, undefined, state.pageError);
  assert.equal(state.csp, undefined, state.csp);
  // Search by email prefix, then a group's members.
  await page.getByLabel("Search").fill("grace@");
  await table.getByText("grace.hopper@acme.example").waitFor();
  await page.waitForFunction(() => document.querySelectorAll("#directory-users tbody tr").length === 1);
  await page.getByLabel("Search").fill("");
  await page.getByRole("button", { name: "ada.lovelace@acme.example" }).click();
  await page.getByRole("listitem").filter({ hasText: "Finance" }).waitFor();
  await shot(page, "console-directory.png");
  await page.getByRole("tab", { name: "Groups" }).click();
  await page.getByRole("button", { name: "Engineering" }).click();
  await page.getByRole("listitem").filter({ hasText: "katherine.johnson@acme.example" }).waitFor();
  await assertLabelled(page);
});

test("a SCIM POST appears in the activity view without a reload", async () => {
  const events = await adminApi("GET", `${ORG}/events?limit=1`);
  await page.getByRole("tab", { name: "Activity" }).click();
  assert.equal(events.status, 200, events.body);
  await page.locator(".activity tbody tr").first().waitFor();
  const r = await scim("POST", ORG, state.token, "/Users", { userName: "late.arrival@acme.example" });
  assert.equal(r.status, 201);
  const row = page.locator(".activity tbody tr").filter({ hasText: "late.arrival@acme.example" });
  await row.filter({ hasText: "user.created" }).waitFor({ timeout: 15000 });
  assert.equal(await page.locator(".activity tbody tr").first().textContent().then((t) => t.includes("late.arrival")), true, "newest first");
  await page.getByLabel("Filter by type").selectOption("group.created");
  await page.locator(".activity tbody tr").filter({ hasText: "Engineering" }).waitFor();
  assert.equal(await page.locator(".activity tbody tr").filter({ hasText: "user.created" }).count(), 0);
  await page.getByLabel("Filter by type").selectOption("");
  await row.waitFor();
  await shot(page, "console-activity.png");
});

test("a setup link opens one org in a fresh browser, generates a token there, then expires", async () => {
  await page.getByRole("tab", { name: "Setup links" }).click();
  await page.getByLabel("Valid for (hours, 1–168)").fill("24");
  await page.getByRole("button", { name: "Create setup link" }).click();
  const url = (await page.locator("[data-value=setup-link]").textContent()).trim();
  assert.ok(url.startsWith(`${BASE}/setup/`), url);
  await page.locator("#links code").first().waitFor();
  await shot(page, "console-setup-links.png");

  const customer = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const setup = await customer.newPage();
  const opened = await setup.goto(url);
  assert.equal(opened.status(), 200);
  assert.equal(opened.headers()["referrer-policy"], "no-referrer");
  await setup.getByRole("heading", { name: `Connect ${ORG} to your identity provider` }).waitFor();
  assert.equal((await setup.locator("[data-value=tenant-url]").textContent()).trim(), `${BASE}/scim/v2/${ORG}`);
  await setup.getByText("4. Watch the first users arrive").waitFor();
  setup.once("dialog", (d) => d.accept());
  await setup.getByRole("button", { name: "Rotate token" }).click();
  const box = setup.locator("[data-value=token]");
  await box.waitFor();
  const token = (await box.textContent()).trim();
  assert.match(token, /^scim_/);
  assert.equal((await scim("GET", ORG, token, "/Users")).status, 200);
  assert.equal((await scim("GET", "e2e-1", token, "/Users")).status, 401, "the token is this org's only");
  state.token = token;
  const width = await setup.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no horizontal scrolling at 390 px (${width})`);
  await assertLabelled(setup);
  await shot(setup, "setup-page.png");
  // The setup page's context has no console session.
  const consoleThere = await setup.goto(`${BASE}/admin/`);
  assert.equal(consoleThere.status(), 401);

  // Expire the link in D1 (the server compares with its clock), then open it again.
  const id = (await page.locator("#links code").first().textContent()).trim();
  execFileSync(path.join(repo, "node_modules/.bin/wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", PERSIST,
    "--command", `UPDATE setup_links SET expires_ms = 1 WHERE substr(link_hash, 1, 16) = '${id}'`], { cwd: repo, stdio: "ignore" });
  const expired = await setup.goto(url);
  assert.equal(expired.status(), 410);
  await setup.getByRole("heading", { name: "This setup link is no longer valid" }).waitFor();
  const api = await fetch(`${url}/api/token`, { method: "POST", headers: { "x-setup-request": "1" } });
  assert.equal(api.status, 410, "an expired link generates nothing");
  await shot(setup, "setup-link-expired.png");
  await customer.close();
});

test("the org list shows counts and token; mobile width works; sign-out ends the session", async () => {
  for (const name of ["globex-corp", "initech-corp"]) assert.equal((await adminApi("POST", name)).status, 201);
  // An org made outside the console (`make token` writes only KV) is listed once the console's
  // backfill, run on every load, has registered it.
  execFileSync("bash", [path.join(repo, "scripts/token.sh"), "--new", "hooli-corp", "--persist", PERSIST],
    { cwd: repo, stdio: "ignore" });
  await page.goto(`${BASE}/admin/#`);
  await page.reload(); // a hash change alone would not load the page again
  // The list renders once the backfill is done; the e2e suite's 400 orgs fill its first page.
  await page.locator("#orgs tbody tr").first().waitFor();
  await page.getByLabel("Search orgs").fill("corp");
  await page.waitForFunction(() => document.querySelectorAll("#orgs tbody tr").length === 4);
  assert.deepEqual(await page.locator("#orgs tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.org)),
    ["acme-corp", "globex-corp", "hooli-corp", "initech-corp"]);
  const row = page.locator(`tr[data-org="${ORG}"]`);
  assert.equal((await row.locator("td").nth(1).textContent()).trim(), "7");
  assert.equal((await row.locator("td").nth(2).textContent()).trim(), "2");
  assert.match(await row.textContent(), new RegExp("…" + state.token.slice(-4).replace(/[-]/g, "\\-")));
  await shot(page, "console-orgs.png");
  await page.setViewportSize({ width: 390, height: 844 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no horizontal scrolling at 390 px (${width})`);
  await page.setViewportSize({ width: 1280, height: 860 });
  const [session] = await admin.cookies();
  const cookie = `${session.name}=${session.value}`;
  assert.equal((await fetch(`${BASE}/admin/orgs`, { headers: { cookie } })).status, 200);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByText("You are signed out.").waitFor();
  assert.equal((await fetch(`${BASE}/admin/orgs`, { headers: { cookie } })).status, 401, "the session ended on the server");
  const reopened = await page.goto(`${BASE}/admin/`);
  assert.equal(reopened.status(), 401);
  // Delete with typed confirmation (after signing in again).
  await page.getByLabel("Admin secret").fill(SECRET);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Organisations" }).waitFor();
  await page.goto(`${BASE}/admin/#org/${ORG}`);
  await page.getByRole("tab", { name: "Delete" }).click();
  const del = page.getByRole("button", { name: "Delete org" });
  assert.equal(await del.isDisabled(), true);
  await page.getByLabel(`Type the org name (${ORG}) to confirm`).fill(ORG);
  await del.click();
  await page.getByRole("heading", { name: "Organisations" }).waitFor();
  assert.equal((await scim("GET", ORG, state.token, "/Users")).status, 401);
});
