// The self-serve setup page of one setup link: tenant URL, token (generate or rotate, shown
// once), setup steps per identity provider, recent provisioning activity. Everything it calls
// lives under this link's own path, so it can only ever reach the link's org.
"use strict";
(function () {
  var h = SE.h, clear = SE.clear;
  var base = location.pathname.replace(/\/+$/, "");
  var view = document.getElementById("view");

  function expired() {
    clear(view).appendChild(h("section", { class: "card narrow" }, h("h1", { text: "This setup link is no longer valid" }),
      h("p", { text: "It has expired or was revoked. Ask the person who sent it to you for a new link." })));
  }
  function call(method, path, body) {
    return SE.api(method, base + path, body, method === "GET" ? {} : { "X-Setup-Request": "1" }).then(function (res) {
      if (res.status === 404 && path === "/api/info" || res.status === 410) { expired(); throw new Error("link"); }
      return res;
    });
  }

  function render(info) {
    clear(view);
    view.appendChild(h("section", { class: "card" },
      h("h1", null, "Connect ", h("span", { text: info.org }), " to your identity provider"),
      h("p", { class: "muted", text: "This page is valid until " + SE.when(info.linkExpires) + ". It shows this organisation only." })));
    view.appendChild(h("section", { class: "card" }, h("h2", { text: "1. Tenant URL" }),
      h("p", { class: "muted", text: "Your identity provider sends users and groups to this address." }),
      SE.copyField("Tenant URL", info.tenantUrl, "tenant-url")));
    var tokenCard = h("section", { class: "card" });
    view.appendChild(tokenCard);
    function token(meta, issued) {
      clear(tokenCard).appendChild(h("h2", { text: "2. SCIM token" }));
      if (issued) tokenCard.appendChild(SE.secretBox("New SCIM token", issued.token, "token"));
      tokenCard.appendChild(meta
        ? h("p", null, "The current token ends in ", h("code", { text: "…" + meta.last4 }), " and was created " + SE.ago(meta.created) + ".")
        : h("p", { class: "muted", text: "No token yet. Generate one and paste it into your identity provider." }));
      if (issued && issued.graceExpires) tokenCard.appendChild(h("p", { class: "muted", text: "The previous token keeps working until " + SE.when(issued.graceExpires) + "." }));
      var b = h("button", { type: "button", text: meta ? "Rotate token" : "Generate token" });
      b.addEventListener("click", function () {
        if (meta && !issued && !confirm("Rotate the token? The current one keeps working for one hour, then stops.")) return;
        call("POST", "/api/token", { graceSeconds: meta ? 3600 : 0 }).then(function (res) {
          if (res.status === 201) token(res.body, res.body);
          else tokenCard.appendChild(h("p", { class: "error", text: SE.detail(res) }));
        }, function () {});
      });
      tokenCard.appendChild(b);
    }
    token(info.token, null);
    view.appendChild(h("section", { class: "card" }, h("h2", { text: "3. Set up provisioning" }), SE.guides(info.tenantUrl)));
    view.appendChild(h("section", { class: "card" }, h("h2", { text: "4. Watch the first users arrive" }),
      SE.activity(base + "/api/events", function (path) { return call("GET", path.slice(base.length)); })));
  }

  call("GET", "/api/info").then(function (res) {
    if (res.status === 200) render(res.body);
    else clear(view).appendChild(h("p", { class: "error", text: SE.detail(res) }));
  }, function () {});
})();
