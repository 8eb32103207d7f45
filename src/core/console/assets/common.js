// Shared by the console and the setup page. Every value is put into the page with
// textContent (via h()), never as HTML: names and emails come from identity providers.
"use strict";
var SE = (function () {
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") el.textContent = v;
        else if (k === "class") el.className = v;
        else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? "" : v);
      });
    }
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { add(el, c); });
    else el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

  // fetch wrapper: JSON in, {status, body} out. Never throws on HTTP errors.
  function api(method, path, body, headers) {
    var init = { method: method, credentials: "same-origin", headers: headers || {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (r) {
      return r.text().then(function (t) {
        var parsed = null;
        try { parsed = t ? JSON.parse(t) : null; } catch (e) { parsed = null; }
        return { status: r.status, body: parsed };
      });
    }, function () { return { status: 0, body: { detail: "The service could not be reached." } }; });
  }
  function detail(res) {
    return (res.body && res.body.detail) || ("Request failed (HTTP " + res.status + ").");
  }

  var uid = 0;
  function id(prefix) { uid += 1; return (prefix || "f") + uid; }

  function field(label, input) {
    if (!input.id) input.id = id("in");
    return h("div", { class: "grow" }, h("label", { for: input.id, text: label }), input);
  }

  function copyButton(getText, label) {
    var b = h("button", { type: "button", class: "secondary", text: "Copy" });
    b.setAttribute("aria-label", label || "Copy");
    b.addEventListener("click", function () {
      var done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 1800); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(getText()).then(done, function () { b.textContent = "Copy failed"; });
      } else { b.textContent = "Copy failed"; }
    });
    return b;
  }

  function copyField(label, value, name) {
    var out = h("output", { class: "value", text: value });
    if (name) out.setAttribute("data-value", name);
    out.id = id("out");
    return h("div", null, h("label", { for: out.id, text: label }),
      h("div", { class: "copy" }, out, copyButton(function () { return value; }, "Copy " + label.toLowerCase())));
  }

  // A just-issued secret (token, webhook secret, setup link): shown once with a warning.
  function secretBox(title, value, name, note) {
    return h("div", { class: "secret", role: "status" },
      h("strong", { text: title }),
      h("p", { text: note || "Copy it now: it is shown only once and cannot be shown again. Store it in your identity provider or password manager." }),
      copyField(title, value, name));
  }

  function ago(iso) {
    if (!iso) return "—";
    var s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (isNaN(s)) return iso;
    if (s < 60) return "just now";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    return Math.floor(s / 86400) + " d ago";
  }
  function when(iso) {
    if (!iso) return "—";
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString();
  }

  // Tabs: a row of buttons, one panel shown. Arrow keys move between tabs.
  function tabs(items, onSelect, selected) {
    var bar = h("div", { class: "tabs", role: "tablist" });
    var buttons = items.map(function (item) {
      var b = h("button", { type: "button", role: "tab", text: item.label, "data-tab": item.key });
      b.addEventListener("click", function () { pick(item.key); });
      b.addEventListener("keydown", function (e) {
        var i = buttons.indexOf(b);
        if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
          var n = buttons[(i + (e.key === "ArrowRight" ? 1 : buttons.length - 1)) % buttons.length];
          n.focus(); n.click();
        }
      });
      bar.appendChild(b);
      return b;
    });
    function pick(key) {
      buttons.forEach(function (b) {
        var on = b.getAttribute("data-tab") === key;
        b.setAttribute("aria-selected", on ? "true" : "false");
        b.tabIndex = on ? 0 : -1;
      });
      onSelect(key);
    }
    pick(selected || items[0].key);
    return bar;
  }

  // Step-by-step setup in each IdP with this org's tenant URL filled in.
  function guides(tenantUrl) {
    var steps = {
      entra: [
        "In the Microsoft Entra admin center open Entra ID → Enterprise apps → New application → Create your own application.",
        "Name it, choose “Integrate any other application you don't find in the gallery (Non-gallery)”, and create it.",
        "In the app open Provisioning (under Manage) and select New configuration.",
        ["Set Tenant URL to:", tenantUrl + "?aadOptscim062020"],
        "Set Secret token to this org's SCIM token (scim_…), select Test connection, and once it succeeds select Create.",
        "Check Attribute mapping (the defaults work), assign users and groups under Users and groups, try Provision on demand with one user, then select Start provisioning."
      ],
      okta: [
        "In the Okta Admin Console open Applications → Applications → Create App Integration and finish the wizard (SAML 2.0 or SWA).",
        "On the General tab, under App Settings, click Edit, tick Enable SCIM provisioning, and save.",
        ["On Provisioning → Integration → Edit, set SCIM connector base URL to:", tenantUrl],
        "Unique identifier field for users: userName.",
        "Supported provisioning actions: Push New Users, Push Profile Updates, Push Groups.",
        "Authentication Mode: HTTP Header; Authorization: this org's token (without the word Bearer).",
        "Click Test Connector Configuration, save, then under To App enable Create Users, Update User Attributes and Deactivate Users.",
        "Assign users and push groups."
      ],
      onelogin: [
        "In OneLogin open Applications → Applications → Add App and add “SCIM Provisioner with SAML (SCIM v2 Enterprise)”.",
        ["On the Configuration tab set SCIM Base URL to:", tenantUrl],
        "Set SCIM Bearer Token to this org's token (scim_…) and keep the default SCIM JSON Template.",
        "Click Enable under API Connection; the status changes to Enabled.",
        "On the Provisioning tab tick Enable provisioning; on deletion choose Delete, on suspension choose Suspend.",
        "On the Parameters tab open Groups and tick Include in User Provisioning, so groups and memberships are sent.",
        "Assign users (and map groups under Rules), then save."
      ]
    };
    var names = { entra: "Microsoft Entra ID", okta: "Okta", onelogin: "OneLogin" };
    var panel = h("div");
    var bar = tabs(Object.keys(steps).map(function (k) { return { key: k, label: names[k] }; }), function (k) {
      clear(panel).appendChild(h("ol", { class: "steps", "aria-label": names[k] + " steps" }, steps[k].map(function (s) {
        return Array.isArray(s) ? h("li", null, s[0], " ", h("code", { text: s[1] })) : h("li", { text: s });
      })));
    });
    return h("div", null, bar, panel);
  }

  // Provisioning activity from an Events API at `base` (GET base?after=&limit=&types=):
  // newest first, filter by type, polled for new events; a reader behind retention (410)
  // starts again from the oldest retained event.
  var TYPES = ["user.created", "user.updated", "user.deactivated", "user.reactivated", "user.deleted",
    "group.created", "group.updated", "group.deleted", "group.member_added", "group.member_removed",
    "org.token_created", "org.token_revoked"];
  function activity(base, get) {
    var select = h("select", null, h("option", { value: "", text: "All event types" }),
      TYPES.map(function (t) { return h("option", { value: t, text: t }); }));
    var status = h("p", { class: "muted", role: "status" });
    var tbody = h("tbody");
    var table = h("div", { class: "table" }, h("table", null,
      h("thead", null, h("tr", null, h("th", { text: "When" }), h("th", { text: "Event" }),
        h("th", { text: "Resource" }), h("th", { class: "opt", text: "Source" }), h("th", { class: "num opt", text: "Seq" }))), tbody));
    var root = h("div", { class: "activity" }, h("div", { class: "row" }, field("Filter by type", select)), status, table);
    var last = 0, timer = null, gen = 0;
    function row(e) {
      var r = e.resource || {};
      var d = e.data || {};
      var label = r.userName || r.displayName || (d.member && (d.member.display || d.member.value)) ||
        (d.last4 ? "token …" + d.last4 : "") || r.id || e.org || "—";
      return h("tr", { "data-seq": e.seq },
        h("td", { title: e.occurredAt, text: ago(e.occurredAt) }),
        h("td", null, h("span", { class: "pill", text: e.type })),
        h("td", { text: label }),
        h("td", { class: "opt", text: e.source || "" }),
        h("td", { class: "num opt", text: e.seq }));
    }
    function query(after, limit) {
      var q = base + "?limit=" + limit + (after !== null ? "&after=" + after : "");
      return select.value ? q + "&types=" + encodeURIComponent(select.value) : q;
    }
    function stop() { if (timer) clearTimeout(timer); timer = null; }
    function poll(g) {
      get(query(last, 100)).then(function (res) {
        if (g !== gen) return;
        if (res.status === 410) return load();
        if (res.status === 200 && res.body) {
          (res.body.events || []).forEach(function (e) {
            if (e.seq > last) { tbody.insertBefore(row(e), tbody.firstChild); last = e.seq; }
          });
          if (res.body.next) last = Math.max(last, res.body.next);
          status.textContent = tbody.firstChild ? "" : "No events yet. They appear here as the identity provider sends changes.";
        }
        timer = setTimeout(function () { poll(g); }, res.body && res.body.hasMore ? 0 : 3000);
      });
    }
    function load() {
      stop(); gen += 1; var g = gen;
      clear(tbody); last = 0; table.hidden = false; status.className = "muted"; status.textContent = "Loading…";
      get(query(null, 1)).then(function (res) {
        if (g !== gen) return;
        if (res.status !== 200 || !res.body) { status.textContent = detail(res); return; }
        var latest = res.body.latestSeq || 0, oldest = res.body.oldestSeq || 1;
        last = Math.max(latest - 200, oldest - 1, 0);
        poll(g);
      });
    }
    select.addEventListener("change", load);
    load();
    root.stop = function () { gen += 1; stop(); };
    return root;
  }

  return { h: h, clear: clear, api: api, detail: detail, field: field, copyButton: copyButton, copyField: copyField,
    secretBox: secretBox, ago: ago, when: when, tabs: tabs, guides: guides, activity: activity, id: id };
})();
