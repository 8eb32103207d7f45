// The operator console: sign in, orgs, one org (token, setup guides, directory, activity,
// webhooks, setup links, deletion). Talks only to this worker's /admin API with the session
// cookie and the X-Console-CSRF header.
"use strict";
(function () {
  var h = SE.h, clear = SE.clear, field = SE.field;
  var csrf = "";
  var view = document.getElementById("view");
  var signIn = document.getElementById("sign-in");
  var signOut = document.getElementById("sign-out");
  var current = null; // the active activity view (stopped when leaving)

  function call(method, path, body) {
    var headers = {};
    if (method !== "GET") headers["X-Console-CSRF"] = csrf;
    return SE.api(method, path, body, headers).then(function (res) {
      if (res.status === 401) { showSignIn("Your session has ended. Sign in again."); throw new Error("signed out"); }
      return res;
    });
  }
  function orgPath(org, rest) { return "/admin/orgs/" + encodeURIComponent(org) + (rest || ""); }

  function showSignIn(message) {
    csrf = "";
    if (current) current.stop();
    clear(view);
    signOut.hidden = true;
    signIn.hidden = false;
    var err = document.getElementById("sign-in-error");
    err.hidden = !message;
    err.textContent = message || "";
    document.getElementById("secret").focus();
  }

  document.getElementById("sign-in-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = document.getElementById("secret");
    SE.api("POST", "/admin/session", { secret: input.value }).then(function (res) {
      if (res.status === 200) {
        input.value = "";
        csrf = res.body.csrf;
        started();
      } else {
        showSignIn(res.status === 401 ? "That is not the admin secret of this deployment." : SE.detail(res));
      }
    });
  });

  signOut.addEventListener("click", function () {
    call("DELETE", "/admin/session").then(function () { showSignIn("You are signed out."); }, function () {});
  });

  function started() {
    signIn.hidden = true;
    signOut.hidden = false;
    backfill(null, 0).then(route);
  }

  // Registers orgs that exist only in KV (made with `make token`), a bounded pass at a time.
  function backfill(cursor, n) {
    return call("POST", "/admin/backfill", cursor ? { cursor: cursor } : undefined).then(function (res) {
      if (res.status === 200 && !res.body.complete && n < 20) return backfill(res.body.cursor, n + 1);
    }, function () {});
  }

  function route() {
    if (!csrf) return;
    if (current) { current.stop(); current = null; }
    var m = location.hash.match(/^#org\/(.+)$/);
    if (m) orgPage(decodeURIComponent(m[1]), null);
    else orgList();
  }
  window.addEventListener("hashchange", route);

  // ---- Org list ----------------------------------------------------------------------
  function orgList() {
    clear(view);
    var search = h("input", { type: "search", placeholder: "Name contains…", autocomplete: "off" });
    var name = h("input", { type: "text", placeholder: "e.g. acme", pattern: "[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}", required: true, autocomplete: "off" });
    var msg = h("p", { class: "error", role: "alert", hidden: true });
    var create = h("form", { class: "row" }, field("New org name", name), h("button", { type: "submit", text: "Create org" }));
    var tbody = h("tbody");
    var more = h("button", { type: "button", class: "secondary", text: "Load more", hidden: true });
    var empty = h("p", { class: "empty", hidden: true });
    view.appendChild(h("section", { class: "card" },
      h("div", { class: "spread" }, h("h1", { text: "Organisations" })),
      h("p", { class: "muted", text: "Each org has its own tenant URL and SCIM token. Create one per customer directory." }),
      create, msg));
    view.appendChild(h("section", { class: "card" },
      h("div", { class: "row" }, field("Search orgs", search)),
      h("div", { class: "table" }, h("table", { id: "orgs" },
        h("thead", null, h("tr", null, h("th", { text: "Org" }), h("th", { class: "num", text: "Users" }), h("th", { class: "num", text: "Groups" }),
          h("th", { class: "opt", text: "Token" }), h("th", { class: "opt", text: "Last activity" }))), tbody)),
      empty, more));
    var next = null;
    function load(reset) {
      var q = "?q=" + encodeURIComponent(search.value.trim()) + (reset || !next ? "" : "&after=" + encodeURIComponent(next));
      call("GET", "/admin/orgs" + q).then(function (res) {
        if (reset) clear(tbody);
        if (res.status !== 200) { empty.hidden = false; empty.textContent = SE.detail(res); return; }
        res.body.orgs.forEach(function (o) {
          tbody.appendChild(h("tr", { "data-org": o.org },
            h("td", null, h("a", { href: "#org/" + encodeURIComponent(o.org), text: o.org })),
            h("td", { class: "num", text: o.users }), h("td", { class: "num", text: o.groups }),
            h("td", { class: "opt" }, o.token ? [h("code", { text: "…" + o.token.last4 }), " ", h("span", { class: "muted", text: SE.ago(o.token.created) })] : h("span", { class: "pill off", text: "no token" })),
            h("td", { class: "opt", text: SE.ago(o.lastActivity) })));
        });
        next = res.body.next;
        more.hidden = !next;
        empty.hidden = tbody.firstChild !== null;
        empty.textContent = search.value ? "No org matches." : "No orgs yet. Create the first one above.";
      }, function () {});
    }
    var t = null;
    search.addEventListener("input", function () { clearTimeout(t); t = setTimeout(function () { next = null; load(true); }, 200); });
    more.addEventListener("click", function () { load(false); });
    create.addEventListener("submit", function (e) {
      e.preventDefault();
      var org = name.value.trim();
      call("POST", orgPath(org)).then(function (res) {
        if (res.status === 201) { orgPage(org, res.body); history.replaceState(null, "", "#org/" + encodeURIComponent(org)); }
        else { msg.hidden = false; msg.textContent = SE.detail(res); }
      }, function () {});
    });
    load(true);
  }

  // ---- One org -----------------------------------------------------------------------
  function orgPage(org, fresh) {
    if (current) { current.stop(); current = null; }
    clear(view);
    var tenant = location.origin + "/scim/v2/" + org;
    var panel = h("div");
    view.appendChild(h("p", null, h("a", { href: "#", text: "← All orgs" })));
    view.appendChild(h("h1", { text: org }));
    var tabBar = SE.tabs([
      { key: "setup", label: "Token & setup" }, { key: "directory", label: "Directory" },
      { key: "activity", label: "Activity" }, { key: "webhooks", label: "Webhooks" },
      { key: "links", label: "Setup links" }, { key: "delete", label: "Delete" }
    ], function (key) {
      if (current) { current.stop(); current = null; }
      clear(panel);
      ({ setup: setupTab, directory: directoryTab, activity: activityTab, webhooks: webhooksTab, links: linksTab, delete: deleteTab })[key](panel, org, tenant, fresh);
      fresh = null;
    });
    view.appendChild(tabBar);
    view.appendChild(panel);
  }

  function setupTab(panel, org, tenant, fresh) {
    var tokenCard = h("section", { class: "card" });
    panel.appendChild(h("section", { class: "card" }, h("h2", { text: "Tenant URL" }),
      h("p", { class: "muted", text: "The identity provider sends SCIM requests here." }),
      SE.copyField("Tenant URL", tenant, "tenant-url")));
    panel.appendChild(tokenCard);
    panel.appendChild(h("section", { class: "card" }, h("h2", { text: "Connect an identity provider" }), SE.guides(tenant)));
    function render(meta, issued) {
      clear(tokenCard).appendChild(h("h2", { text: "SCIM token" }));
      if (issued) tokenCard.appendChild(SE.secretBox("New SCIM token", issued.token, "token"));
      if (issued && issued.graceExpires) tokenCard.appendChild(h("p", { class: "muted", text: "The previous token keeps working until " + SE.when(issued.graceExpires) + "." }));
      if (meta) {
        tokenCard.appendChild(h("dl", { class: "kv" },
          h("dt", { text: "Ends in" }), h("dd", null, h("code", { text: "…" + meta.last4 })),
          h("dt", { text: "Created" }), h("dd", { text: SE.when(meta.created) + " (" + SE.ago(meta.created) + ")" }),
          meta.graceExpires ? [h("dt", { text: "Old token until" }), h("dd", { text: SE.when(meta.graceExpires) })] : null,
          meta.shard ? [h("dt", { text: "Shard" }), h("dd", null, h("code", { text: meta.shard }))] : null));
      } else {
        tokenCard.appendChild(h("p", { class: "muted", text: "This org has no token: identity providers are refused until you create one." }));
      }
      var grace = h("select", null, h("option", { value: "0", text: "Old token stops at once" }),
        h("option", { value: "3600", text: "Keep old token 1 hour" }), h("option", { value: "86400", text: "Keep old token 24 hours" }));
      var rotate = h("button", { type: "button", text: meta ? "Rotate token" : "Create token" });
      rotate.addEventListener("click", function () {
        call("POST", orgPath(org, "/token"), { graceSeconds: Number(grace.value) }).then(function (res) {
          if (res.status === 201) render(res.body, res.body); else tokenCard.appendChild(h("p", { class: "error", text: SE.detail(res) }));
        }, function () {});
      });
      var revoke = h("button", { type: "button", class: "ghost", text: "Revoke token", disabled: !meta });
      revoke.addEventListener("click", function () {
        if (!confirm("Revoke the token of " + org + "? Provisioning stops until a new token is created.")) return;
        call("DELETE", orgPath(org, "/token")).then(function () { render(null, null); }, function () {});
      });
      tokenCard.appendChild(h("div", { class: "row" }, meta ? field("Grace period", grace) : null, rotate, revoke));
    }
    if (fresh) render(fresh, fresh);
    else call("GET", orgPath(org, "/token")).then(function (res) { render(res.status === 200 ? res.body : null, null); }, function () {});
  }

  function directoryTab(panel, org) {
    var kind = "users";
    var search = h("input", { type: "search", placeholder: "userName, displayName or email starts with…", autocomplete: "off" });
    var list = h("div");
    var detailBox = h("div");
    var kindBar = SE.tabs([{ key: "users", label: "Users" }, { key: "groups", label: "Groups" }], function (k) {
      kind = k; search.value = ""; search.placeholder = k === "users" ? "userName, displayName or email starts with…" : "displayName starts with…";
      clear(detailBox); load();
    });
    panel.appendChild(h("div", { class: "split" },
      h("section", { class: "card" }, kindBar, h("div", { class: "row" }, field("Search", search)), list),
      h("section", { class: "card", "aria-live": "polite" }, detailBox)));
    function load() {
      clear(list);
      var tbody = h("tbody"), more = h("button", { type: "button", class: "secondary", text: "Load more", hidden: true });
      var head = kind === "users" ? ["userName", "Display name", "Status"] : ["Group"];
      list.appendChild(h("div", { class: "table" }, h("table", { id: "directory-" + kind },
        h("thead", null, h("tr", null, head.map(function (c, i) { return h("th", { class: i === 1 ? "opt" : null, text: c }); }))), tbody)));
      list.appendChild(more);
      var next = null;
      function page() {
        var q = "?q=" + encodeURIComponent(search.value.trim()) + (next ? "&after=" + encodeURIComponent(next) : "");
        call("GET", orgPath(org, "/" + kind + q)).then(function (res) {
          if (res.status !== 200) { list.appendChild(h("p", { class: "error", text: SE.detail(res) })); return; }
          var items = res.body[kind];
          items.forEach(function (it) {
            var open = h("button", { type: "button", class: "link", text: kind === "users" ? it.userName : it.displayName });
            open.addEventListener("click", function () { kind === "users" ? showUser(it) : showGroup(it); });
            tbody.appendChild(kind === "users"
              ? h("tr", null, h("td", null, open, it.email ? h("div", { class: "muted", text: it.email }) : null), h("td", { class: "opt", text: it.displayName || "" }),
                h("td", null, h("span", { class: "pill " + (it.active ? "on" : "off"), text: it.active ? "active" : "inactive" })))
              : h("tr", null, h("td", null, open)));
          });
          if (!tbody.firstChild) tbody.appendChild(h("tr", null, h("td", { colspan: head.length, class: "muted", text: search.value ? "Nothing matches." : "None yet." })));
          next = res.body.next; more.hidden = !next;
        }, function () {});
      }
      more.addEventListener("click", page);
      page();
    }
    var t = null;
    search.addEventListener("input", function () { clearTimeout(t); t = setTimeout(load, 200); });
    function pagedList(title, path, key, label) {
      var ul = h("ul"), more = h("button", { type: "button", class: "secondary", text: "Load more", hidden: true }), next = null;
      function page() {
        call("GET", path + (next ? "?after=" + encodeURIComponent(next) : "")).then(function (res) {
          if (res.status !== 200) { ul.appendChild(h("li", { class: "error", text: SE.detail(res) })); return; }
          res.body[key].forEach(function (it) { ul.appendChild(h("li", null, label(it))); });
          if (!ul.firstChild) ul.appendChild(h("li", { class: "muted", text: "None." }));
          next = res.body.next; more.hidden = !next;
        }, function () {});
      }
      more.addEventListener("click", page);
      page();
      return h("div", null, h("h3", { text: title }), ul, more);
    }
    function showUser(u) {
      clear(detailBox).appendChild(h("h2", { text: u.userName }));
      detailBox.appendChild(h("dl", { class: "kv" }, h("dt", { text: "Display name" }), h("dd", { text: u.displayName || "—" }),
        h("dt", { text: "Email" }), h("dd", { text: u.email || "—" }), h("dt", { text: "id" }), h("dd", null, h("code", { text: u.id }))));
      detailBox.appendChild(pagedList("Groups", orgPath(org, "/users/" + encodeURIComponent(u.id) + "/groups"), "groups", function (g) { return g.displayName; }));
    }
    function showGroup(g) {
      clear(detailBox).appendChild(h("h2", { text: g.displayName }));
      detailBox.appendChild(h("p", null, h("code", { text: g.id })));
      detailBox.appendChild(pagedList("Members", orgPath(org, "/groups/" + encodeURIComponent(g.id) + "/members"), "members", function (m) {
        return [m.display || m.value, " ", h("span", { class: "pill", text: m.type })];
      }));
    }
  }

  function activityTab(panel, org) {
    current = SE.activity(orgPath(org, "/events"), function (path) { return call("GET", path); });
    panel.appendChild(h("section", { class: "card" }, h("h2", { text: "Provisioning activity" }),
      h("p", { class: "muted", text: "Newest first; new events appear as they happen." }), current));
  }

  function webhooksTab(panel, org) {
    var card = h("section", { class: "card" }, h("h2", { text: "Webhook" }));
    var deliveries = h("section", { class: "card" }, h("h2", { text: "Recent deliveries" }));
    panel.appendChild(card);
    panel.appendChild(deliveries);
    function render(res, secret) {
      clear(card).appendChild(h("h2", { text: "Webhook" }));
      var hook = res.status === 200 ? res.body : null;
      if (secret) card.appendChild(SE.secretBox("Signing secret", secret, "webhook-secret"));
      var url = h("input", { type: "url", placeholder: "Your endpoint's https address", required: true, value: hook && hook.url ? hook.url : null });
      var form = h("form", { class: "row" }, field("Endpoint URL", url), h("button", { type: "submit", text: hook ? "Save and rotate secret" : "Add webhook" }));
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        call("PUT", orgPath(org, "/webhook"), { url: url.value.trim() }).then(function (r) {
          var secret = r.body && Object.keys(r.body).map(function (k) { return r.body[k]; })
            .filter(function (v) { return typeof v === "string" && v.indexOf("whsec_") === 0; })[0];
          if (r.status === 200) render(r, secret); else card.appendChild(h("p", { class: "error", text: SE.detail(r) }));
        }, function () {});
      });
      card.appendChild(hook ? h("p", { class: "muted", text: "Events of this org are signed (Standard Webhooks) and sent to the endpoint below." })
        : h("p", { class: "muted", text: "No webhook for this org yet." }));
      card.appendChild(form);
      if (hook) {
        var del = h("button", { type: "button", class: "ghost", text: "Remove webhook" });
        del.addEventListener("click", function () { call("DELETE", orgPath(org, "/webhook")).then(load, function () {}); });
        card.appendChild(h("div", { class: "row" }, del));
      }
    }
    function loadDeliveries() {
      call("GET", orgPath(org, "/deliveries")).then(function (res) {
        clear(deliveries).appendChild(h("h2", { text: "Recent deliveries" }));
        if (res.status !== 200) return deliveries.appendChild(h("p", { class: "error", text: SE.detail(res) }));
        var list = (res.body && res.body.deliveries) || [];
        var from = h("input", { type: "number", min: "1", value: "1" });
        var again = h("button", { type: "button", class: "secondary", text: "Redeliver" });
        again.addEventListener("click", function () {
          call("POST", orgPath(org, "/webhook/redeliver?from=" + encodeURIComponent(from.value))).then(loadDeliveries, function () {});
        });
        deliveries.appendChild(h("div", { class: "row" }, field("Redeliver from seq", from), again));
        deliveries.appendChild(list.length ? h("div", { class: "table" }, h("table", null,
          h("thead", null, h("tr", null, ["Seq", "Status", "HTTP", "ms", "Next retry"].map(function (c) { return h("th", { text: c }); }))),
          h("tbody", null, list.map(function (d) {
            return h("tr", null, h("td", { text: d.seq }), h("td", { text: d.status }), h("td", { text: d.httpStatus || d.code || "" }),
              h("td", { text: d.durationMs || d.duration || "" }), h("td", { text: d.nextRetryAt || d.nextRetry ? SE.when(d.nextRetryAt || d.nextRetry) : "" }));
          })))) : h("p", { class: "muted", text: "No deliveries yet." }));
      }, function () {});
    }
    function load() { call("GET", orgPath(org, "/webhook")).then(function (res) { render(res, null); }, function () {}); loadDeliveries(); }
    load();
  }

  function linksTab(panel, org) {
    var hours = h("input", { type: "number", min: "1", max: "168", value: "72", required: true });
    var out = h("div");
    var form = h("form", { class: "row" }, field("Valid for (hours, 1–168)", hours), h("button", { type: "submit", text: "Create setup link" }));
    var tbody = h("tbody");
    panel.appendChild(h("section", { class: "card" }, h("h2", { text: "Setup links" }),
      h("p", { class: "muted", text: "A setup link lets the customer's IT admin see the tenant URL, generate this org's token and follow the setup steps — for this org only, until it expires or you revoke it." }),
      form, out,
      h("div", { class: "table" }, h("table", { id: "links" }, h("thead", null, h("tr", null, h("th", { text: "Link id" }), h("th", { text: "Expires" }), h("th", { text: "" }))), tbody))));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      call("POST", orgPath(org, "/setup-link"), { hours: Number(hours.value) }).then(function (res) {
        clear(out);
        if (res.status === 201) out.appendChild(SE.secretBox("Setup link", res.body.url, "setup-link", "Send this link to the customer's IT admin. It is shown only once; revoke it below if it leaks."));
        else out.appendChild(h("p", { class: "error", text: SE.detail(res) }));
        load();
      }, function () {});
    });
    function load() {
      call("GET", orgPath(org, "/setup-links")).then(function (res) {
        clear(tbody);
        ((res.body && res.body.links) || []).forEach(function (l) {
          var revoke = h("button", { type: "button", class: "ghost", text: "Revoke", disabled: l.revoked });
          revoke.setAttribute("aria-label", "Revoke setup link " + l.id);
          revoke.addEventListener("click", function () { call("DELETE", orgPath(org, "/setup-links/" + l.id)).then(load, function () {}); });
          tbody.appendChild(h("tr", null, h("td", null, h("code", { text: l.id })), h("td", { text: l.revoked ? "revoked" : SE.when(l.expires) }), h("td", null, revoke)));
        });
        if (!tbody.firstChild) tbody.appendChild(h("tr", null, h("td", { colspan: 3, class: "muted", text: "No active setup links." })));
      }, function () {});
    }
    load();
  }

  function deleteTab(panel, org) {
    var confirmInput = h("input", { type: "text", autocomplete: "off" });
    var go = h("button", { type: "submit", class: "danger", text: "Delete org", disabled: true });
    var msg = h("p", { role: "status" });
    var form = h("form", null, field("Type the org name (" + org + ") to confirm", confirmInput), go, msg);
    confirmInput.addEventListener("input", function () { go.disabled = confirmInput.value !== org; });
    panel.appendChild(h("section", { class: "card" }, h("h2", { text: "Delete this org" }),
      h("p", { text: "Revokes the token and deletes every user, group and membership of " + org + ". Turn provisioning off in the identity provider first. This cannot be undone." }), form));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (confirmInput.value !== org) return;
      go.disabled = true; msg.textContent = "Deleting…";
      (function again(n) {
        call("DELETE", orgPath(org)).then(function (res) {
          if (res.status === 200 && !res.body.complete && n < 50) return again(n + 1);
          if (res.status === 200) location.hash = "";
          else { msg.className = "error"; msg.textContent = SE.detail(res); }
        }, function () {});
      })(0);
    });
  }

  // Boot: an open session (the cookie is HttpOnly, so ask the server) or the sign-in form.
  SE.api("GET", "/admin/session").then(function (res) {
    if (res.status === 200) { csrf = res.body.csrf; started(); } else showSignIn(null);
  });
})();
