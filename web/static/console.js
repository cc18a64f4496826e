// Herald's console: a thin client of the same API everyone uses. It signs in
// by making a token (POST /api/v1/tokens/ with the password once) and keeps
// it for the browser session only.
"use strict";

const API = "/api/v1";
const $ = (sel) => document.querySelector(sel);

function token() { return sessionStorage.getItem("herald-token"); }

async function call(method, path, body) {
  const headers = { "Authorization": "Bearer " + token() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (resp.status === 401) { signOut(); throw new Error("Signed out."); }
  const text = await resp.text();
  const data = text ? JSON.parse(text) : null;
  if (!resp.ok) throw new Error(JSON.stringify(data, null, 1));
  return data;
}

// el builds an element; children may be strings or elements.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return e;
}

function table(headers, rows) {
  return el("table", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h))),
    ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c)))));
}

function status(s) { return el("span", { class: "status-" + s }, s); }

const views = {
  async notifiers(view) {
    const list = await call("GET", "/notifiers/?page_size=200");
    // The types Herald offers, from its registry: a new type needs nothing here.
    const types = (await call("GET", "/openapi.json")).info["x-herald-notifier-types"];
    const out = el("p", { class: "error" });
    view.append(el("h2", {}, "Notifiers"),
      table(["id", "name", "type", "organization", "recent", ""], list.results.map((n) => [
        n.id, n.name, n.notification_type, (n.summary_fields.organization || {}).name || "",
        el("span", {}, ...n.summary_fields.recent_notifications.map((r) => status(r.status)).flatMap((s) => [s, " "])),
        el("button", { type: "button", onclick: async () => {
          try { const r = await call("POST", `/notifiers/${n.id}/test/`); out.textContent = `Test notification ${r.notification} queued.`; }
          catch (e) { out.textContent = e.message; }
        } }, "Send test"),
      ])), out);
    const form = el("form", {},
      el("h3", {}, "New notifier"),
      el("label", {}, "Name", el("input", { name: "name", required: "" })),
      el("label", {}, "Organization id", el("input", { name: "organization", type: "number", min: "1" })),
      el("label", {}, "Type", el("select", { name: "type" }, ...types.map((t) => el("option", {}, t)))),
      el("label", {}, "Configuration (JSON)", el("textarea", { name: "config" }, '{"url": "https://example.com/hook"}')),
      el("button", { type: "submit" }, "Create"), el("p", { class: "error" }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      try {
        await call("POST", "/notifiers/", {
          name: f.get("name"), organization: f.get("organization") ? Number(f.get("organization")) : null,
          notification_type: f.get("type"), notification_configuration: JSON.parse(f.get("config")),
        });
        show();
      } catch (e) { form.querySelector(".error").textContent = e.message; }
    });
    view.append(form);
  },

  async notifications(view) {
    const list = await call("GET", "/notifications/?order_by=-id&page_size=100");
    view.append(el("h2", {}, "Notifications"),
      table(["id", "status", "type", "subject", "attempts", "sent", "error", "job"], list.results.map((n) => [
        n.id, status(n.status), n.notification_type, n.subject, n.attempts, n.notifications_sent,
        el("pre", {}, n.error), n.job ? `${n.job.kind} #${n.job.id}` : "test",
      ])));
  },

  async jobs(view) {
    const list = await call("GET", "/unified_jobs/?order_by=-id&page_size=100");
    view.append(el("h2", {}, "Jobs"),
      table(["id", "kind", "name", "status", "started", "finished", "notifications"], list.results.map((j) => [
        j.id, j.type, j.name, status(j.status), j.started || "", j.finished || "",
        el("a", { href: `#job/${j.type}/${j.id}` }, "show"),
      ])));
  },

  async templates(view) {
    const list = await call("GET", "/job_templates/?page_size=200");
    view.append(el("h2", {}, "Job templates"));
    for (const t of list.results) {
      const rows = [];
      for (const trigger of ["started", "success", "error"]) {
        const eff = await call("GET", `/job_templates/${t.id}/effective_notifiers/?trigger=${trigger}`);
        for (const r of eff.results) {
          rows.push([trigger, r.notifier.name, r.notifier.notification_type,
            r.levels.map((l) => `${l.type} '${l.name}' (${l.list})`).join(", ")]);
        }
      }
      view.append(el("h3", {}, `${t.name} (project ${(t.summary_fields.project || {}).name || t.project})`),
        rows.length ? table(["trigger", "notifier", "type", "why"], rows) : el("p", {}, "No notifiers apply."));
    }
  },
};

async function jobView(view, kind, id) {
  const collections = { job: "jobs", project_update: "project_updates", inventory_update: "inventory_updates",
    ad_hoc_command: "ad_hoc_commands", workflow_job: "workflow_jobs", system_job: "system_jobs" };
  const list = await call("GET", `/${collections[kind]}/${id}/notifications/`);
  view.append(el("h2", {}, `${kind} #${id}: notifications`),
    table(["id", "status", "type", "subject", "recipients", "error"], list.results.map((n) => [
      n.id, status(n.status), n.notification_type, n.subject, n.recipients, el("pre", {}, n.error)])));
}

async function show() {
  if (!token()) { $("#login").hidden = false; $("#view").hidden = true; $("#nav").hidden = true; return; }
  $("#login").hidden = true; $("#nav").hidden = false;
  const view = $("#view");
  view.hidden = false;
  view.replaceChildren();
  const route = (location.hash || "#notifiers").slice(1).split("/");
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.hash === "#" + route[0]));
  try {
    if (route[0] === "job") await jobView(view, route[1], route[2]);
    else await (views[route[0]] || views.notifiers)(view);
  } catch (e) { view.append(el("p", { class: "error" }, e.message)); }
}

function signOut() { sessionStorage.removeItem("herald-token"); show(); }

$("#login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const resp = await fetch(API + "/tokens/", {
    method: "POST",
    headers: { "Authorization": "Basic " + btoa(f.get("username") + ":" + f.get("password")), "Content-Type": "application/json" },
    body: JSON.stringify({ description: "console" }),
  });
  const data = await resp.json();
  if (!resp.ok) { $("#login-error").textContent = data.detail || "Sign-in failed."; return; }
  sessionStorage.setItem("herald-token", data.token);
  show();
});
$("#logout").addEventListener("click", signOut);
window.addEventListener("hashchange", show);
show();
