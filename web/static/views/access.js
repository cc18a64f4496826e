// Users, teams and the roles they hold (docs/api.md §9). The navigation shows
// these screens only when the server answers users/ and teams/.
import { call, get, has, attachables } from "../api.js";
import { el, table, time, pager, field, live, errorBox, confirm, add } from "../dom.js";

const PAGE_SIZE = 25;
const roleObjects = attachables.filter((a) => a.type !== "inventory_source").concat([{ type: "team", collection: "teams", one: "Team" }, { type: "inventory", collection: "inventories", one: "Inventory" }]);

export async function users(box, parts, query) {
  if (parts[1] && /^\d+$/.test(parts[1])) return holder(box, "users", parts[1]);
  const form = createForm("users", "New user", [
    ["username", "Username (required)", { required: true, autocomplete: "off" }],
    ["password", "Password (at least 8 characters)", { type: "password", required: true, autocomplete: "new-password" }],
    ["email", "E-mail", { type: "email" }], ["first_name", "First name"], ["last_name", "Last name"],
    ["is_superuser", "Superuser", { type: "checkbox" }], ["is_system_auditor", "System auditor", { type: "checkbox" }],
  ]);
  await listing(box, "users", "Users", query, ["Username", "Name", "E-mail", "Superuser", "Last sign-in"], (u) => [
    el("a", { href: `#/users/${u.id}` }, u.username), [u.first_name, u.last_name].filter(Boolean).join(" ") || "—",
    u.email || "—", u.is_superuser ? "yes" : "no", time(u.last_login)]);
  add(box, form);
}

export async function teams(box, parts, query) {
  if (parts[1] && /^\d+$/.test(parts[1])) return holder(box, "teams", parts[1]);
  const form = createForm("teams", "New team", [
    ["name", "Name (required)", { required: true }], ["organization", "Organization id (required)", { type: "number", min: 1, required: true }],
    ["description", "Description"],
  ]);
  await listing(box, "teams", "Teams", query, ["Name", "Organization", "Description"], (t) => [
    el("a", { href: `#/teams/${t.id}` }, t.name), ((t.summary_fields || {}).organization || {}).name || t.organization, t.description || "—"]);
  add(box, form);
}

async function listing(box, coll, title, query, headers, row) {
  const page = Math.max(1, parseInt(query.get("page") || "1", 10) || 1);
  const api = new URLSearchParams({ page, page_size: PAGE_SIZE });
  if (query.get("search")) api.set("search", query.get("search"));
  const data = await get(`/${coll}/?` + api);
  const filters = el("form", { class: "filters", role: "search", "aria-label": "Search " + title },
    field("Search", el("input", { name: "search", type: "search", value: query.get("search") || "" })), el("button", { type: "submit" }, "Search"));
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const s = new FormData(filters).get("search");
    location.hash = `#/${coll}` + (s ? "?search=" + encodeURIComponent(s) : "");
  });
  add(box, el("h2", {}, title), filters, table(title, headers, data.results.map(row)),
    pager(data, page, (p) => `#/${coll}?page=${p}` + (query.get("search") ? "&search=" + encodeURIComponent(query.get("search")) : "")));
}

function createForm(coll, title, fields) {
  const err = el("p", { class: "error", role: "alert" });
  const f = el("form", { class: "panel", novalidate: true }, el("h3", {}, title),
    fields.map(([name, label, attrs]) => field(label, el("input", { name, ...(attrs || {}) }))), err,
    el("button", { type: "submit", class: "primary" }, "Create"));
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const [name, , attrs] of fields) {
      const c = f.elements[name];
      if (attrs && attrs.type === "checkbox") body[name] = c.checked;
      else if (attrs && attrs.type === "number") { if (c.value) body[name] = Number(c.value); }
      else if (c.value) body[name] = c.value;
    }
    try { await call("POST", `/${coll}/`, body); window.dispatchEvent(new Event("herald:refresh")); }
    catch (e) { err.textContent = e.message; }
  });
  return f;
}

// holder shows a user's or team's roles, with a form to grant one.
async function holder(box, coll, id) {
  const who = await get(`/${coll}/${id}/`);
  const roles = await get(`/${coll}/${id}/roles/?page_size=200`).catch((e) => (e.status === 404 ? null : Promise.reject(e)));
  const out = live();
  const name = who.username || who.name;
  add(box, el("p", { class: "crumbs" }, el("a", { href: "#/" + coll }, coll === "users" ? "Users" : "Teams"), " ›"),
    el("h2", {}, `${coll === "users" ? "User" : "Team"} “${name}”`));
  if (!roles) { add(box, el("p", { class: "muted" }, "This server has no roles yet.")); return; }
  const verb = coll === "users" ? "users" : "teams";
  add(box, el("h3", {}, "Roles"), out, table("Roles", ["Role", "On", ""], roles.results.map((r) => [
    r.name, `${String(r.resource_type || "").replace(/_/g, " ")} ${(r.summary_fields && r.summary_fields.resource_name) || "#" + r.resource_id}`,
    el("button", { type: "button", class: "danger", onclick: async () => {
      if (!await confirm(`Take the role ${r.name} away from ${name}?`, "Remove")) return;
      try { await call("POST", `/roles/${r.id}/${verb}/`, { id: Number(id), disassociate: true }); window.dispatchEvent(new Event("herald:refresh")); }
      catch (e) { out.textContent = e.message; }
    } }, "Remove")]), "No role yet."));

  const kind = el("select", { name: "object_type" }, roleObjects.map((o) => el("option", { value: o.collection }, o.one)));
  const objectId = el("input", { name: "object_id", type: "number", min: 1 });
  const role = el("select", { name: "role" }, el("option", { value: "" }, "Choose the object first"));
  const err = el("p", { class: "error", role: "alert" });
  async function loadRoles() {
    role.replaceChildren(el("option", { value: "" }, "…"));
    err.textContent = "";
    if (!objectId.value) return;
    try {
      const d = await get(`/${kind.value}/${objectId.value}/object_roles/`);
      role.replaceChildren(...d.results.map((r) => el("option", { value: r.id }, r.name)));
    } catch (e) { role.replaceChildren(el("option", { value: "" }, "—")); err.textContent = e.message; }
  }
  kind.addEventListener("change", loadRoles);
  objectId.addEventListener("change", loadRoles);
  const grant = el("form", { class: "panel" }, el("h3", {}, "Grant a role"),
    field("Object kind", kind), field("Object id", objectId), field("Role", role), err,
    el("button", { type: "submit", class: "primary" }, "Grant"));
  grant.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!role.value) { err.textContent = "Choose a role."; return; }
    try { await call("POST", `/roles/${role.value}/${verb}/`, { id: Number(id) }); window.dispatchEvent(new Event("herald:refresh")); }
    catch (e) { err.textContent = e.message; }
  });
  add(box, grant);
  if (coll === "users" && await has(`/users/${id}/tokens/`)) {
    const tokens = await get(`/users/${id}/tokens/`);
    add(box, el("h3", {}, "Tokens"), table("Tokens", ["Description", "Scope", "Created", "Expires"], tokens.results.map((t) =>
      [t.description || "—", t.scope || "write", time(t.created), t.expires ? time(t.expires) : "never"]), "No token."));
  }
}

export { errorBox };
