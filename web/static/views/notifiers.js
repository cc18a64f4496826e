// Notifiers: the list (search, filters, server paging, last outcomes), the
// form generated from each type's schema, the message editor with the
// server's preview, test with its live outcome, pause and resume, delete.
import { call, get, notificationTypes, describe, ApiError } from "../api.js";
import { el, table, status, time, errorBox, pager, field, confirm, live, sleep, replace, add } from "../dom.js";

const PAGE_SIZE = 25;
const ENCRYPTED = "$encrypted$";
const triggers = ["started", "success", "error"];

export async function show(box, parts, query) {
  if (parts[1] === "new") return form(box, null, "new");
  if (parts[1] && /^\d+$/.test(parts[1])) {
    const n = await get(`/notifiers/${parts[1]}/`);
    return form(box, n, parts[2] === "copy" ? "copy" : "edit");
  }
  return list(box, query);
}

// organizations fetches one page of organizations for choosing; with more
// than a page the choice is typed as an id instead.
async function organizations() {
  const d = await get("/organizations/?page_size=200&order_by=name");
  return { choices: d.results, complete: !d.next };
}

function listHref(q, page) {
  const p = new URLSearchParams(q);
  if (page > 1) p.set("page", page); else p.delete("page");
  const s = p.toString();
  return "#/notifiers" + (s ? "?" + s : "");
}

async function list(box, query) {
  const page = Math.max(1, parseInt(query.get("page") || "1", 10) || 1);
  const api = new URLSearchParams({ page, page_size: PAGE_SIZE, order_by: "name" });
  if (query.get("search")) api.set("search", query.get("search"));
  if (query.get("type")) api.set("notification_type", query.get("type"));
  if (query.get("organization")) api.set("organization", query.get("organization"));
  if (query.get("circuit")) api.set("circuit", query.get("circuit"));
  const [types, orgs] = await Promise.all([notificationTypes(), organizations()]);
  let data, problem;
  try { data = await get("/notifiers/?" + api); } catch (e) {
    if (!(e instanceof ApiError) || e.status >= 500 || e.status === 401) throw e;
    problem = e.status === 400 && query.get("circuit") ? "This server cannot filter on circuit state yet." : e.message;
    data = { count: 0, results: [], next: null, previous: null };
  }
  const hasDelivery = data.results.some((n) => n.summary_fields && n.summary_fields.delivery);
  const hasEnabled = data.results.some((n) => "enabled" in n);

  const filters = el("form", { class: "filters", role: "search", "aria-label": "Filter notifiers" },
    field("Search", el("input", { name: "search", type: "search", value: query.get("search") || "", placeholder: "name or description" })),
    field("Type", el("select", { name: "type" }, el("option", { value: "" }, "Any type"),
      types.map((t) => el("option", { value: t.notification_type, selected: query.get("type") === t.notification_type }, t.label)))),
    orgs.complete
      ? field("Organization", el("select", { name: "organization" }, el("option", { value: "" }, "Any organization"),
        orgs.choices.map((o) => el("option", { value: o.id, selected: query.get("organization") === String(o.id) }, o.name))))
      : field("Organization id", el("input", { name: "organization", type: "number", min: 1, value: query.get("organization") || "" })),
    field("Circuit", el("select", { name: "circuit" }, el("option", { value: "" }, "Any state"),
      ["closed", "open", "half_open"].map((c) => el("option", { value: c, selected: query.get("circuit") === c }, c.replace("_", "-"))))),
    el("button", { type: "submit" }, "Filter"));
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(filters)) if (v) q.set(k, v);
    location.hash = listHref(q, 1);
  });
  for (const s of filters.querySelectorAll("select")) s.addEventListener("change", () => filters.requestSubmit());

  const typeLabel = Object.fromEntries(types.map((t) => [t.notification_type, t.label]));
  const rows = data.results.map((n) => {
    const result = live("test-result");
    const delivery = n.summary_fields.delivery;
    const state = el("span", { class: "state" },
      "enabled" in n ? el("span", { class: "badge " + (n.enabled ? "on" : "paused") }, n.enabled ? "active" : "paused") : null,
      delivery ? el("span", { class: "badge circuit-" + delivery.circuit, title: `${delivery.consecutive_failures} failures in a row` + (delivery.since ? " since " + delivery.since : "") }, "circuit " + delivery.circuit.replace("_", "-")) : null);
    const actions = el("span", { class: "actions" },
      el("button", { type: "button", onclick: () => runTest(n, result) }, "Test"),
      "enabled" in n ? el("button", { type: "button", onclick: () => setEnabled(n, !n.enabled, result) }, n.enabled ? "Pause" : "Resume") : null,
      el("a", { class: "button", href: `#/notifiers/${n.id}/copy` }, "Copy"),
      el("button", { type: "button", class: "danger", onclick: () => remove(n, result) }, "Delete"));
    return [
      el("a", { href: `#/notifiers/${n.id}/edit` }, n.name),
      typeLabel[n.notification_type] || n.notification_type,
      (n.summary_fields.organization || {}).name || "—",
      recent(n.summary_fields.recent_notifications || []),
      hasDelivery || hasEnabled ? state : null,
      el("span", {}, actions, result),
    ].filter((c, i) => i !== 4 || hasDelivery || hasEnabled);
  });
  const headers = ["Name", "Type", "Organization", "Last outcomes"].concat(hasDelivery || hasEnabled ? ["State"] : [], ["Actions"]);
  add(box, 
    el("div", { class: "title" }, el("h2", {}, "Notifiers"), el("a", { class: "button primary", href: "#/notifiers/new" }, "New notifier")),
    filters,
    problem ? errorBox(problem) : null,
    table("Notifiers", headers, rows, "No notifier matches."),
    pager(data, page, (p) => listHref(query, p)));
}

function recent(list) {
  if (!list.length) return el("span", { class: "muted" }, "none yet");
  return el("span", { class: "recent" }, list.map((r) =>
    el("a", { href: `#/notifications/${r.id}`, title: (r.created || "") + (r.error ? " — " + r.error : ""), "aria-label": `notification ${r.id} ${r.status}` }, status(r.status))));
}

// runTest sends a test and follows its notification until it is settled.
export async function runTest(n, out) {
  out.className = "live test-result";
  out.replaceChildren(`Testing “${n.name}”… `, status("pending"));
  try {
    const r = await call("POST", `/notifiers/${n.id}/test/`);
    const id = r.notification;
    let note = r;
    for (let i = 0; i < 600 && note.status === "pending"; i++) {
      await sleep(i < 10 ? 300 : 1000);
      note = await get(`/notifications/${id}/`);
      if (note.status === "pending" && note.error) {
        out.replaceChildren(`Test of “${n.name}”: `, status("pending"), " ", el("span", { class: "muted" }, note.error), " ", el("a", { href: `#/notifications/${id}` }, "details"));
      }
    }
    out.replaceChildren(`Test of “${n.name}”: `, status(note.status), note.error ? el("span", { class: "error-text" }, " " + note.error) : "",
      " ", el("a", { href: `#/notifications/${id}` }, "details"));
  } catch (e) {
    out.replaceChildren(el("span", { class: "error-text" }, e.message));
  }
}

async function setEnabled(n, enabled, out) {
  try {
    await call("PATCH", `/notifiers/${n.id}/`, { enabled });
    window.dispatchEvent(new Event("herald:refresh"));
  } catch (e) { out.replaceChildren(el("span", { class: "error-text" }, e.message)); }
}

async function remove(n, out) {
  if (!await confirm(`Delete the notifier “${n.name}”? Its attachments go with it.`)) return;
  try {
    await call("DELETE", `/notifiers/${n.id}/`);
    window.dispatchEvent(new Event("herald:refresh"));
  } catch (e) { out.replaceChildren(el("span", { class: "error-text" }, e.message)); }
}

// --- the form ---

// control makes the input for one configuration key from its schema.
function control(f, value, mode) {
  const name = "cfg-" + f.key;
  const attrs = { name, "data-key": f.key, "data-type": f.type, required: f.required };
  if (f.secret) {
    const keep = mode === "edit" && value === ENCRYPTED;
    return { input: el("input", { ...attrs, type: "password", autocomplete: "new-password", value: keep ? ENCRYPTED : "", "data-secret": true }),
      hint: keep ? "Stored. Leave as is to keep it; clear it to remove it." : mode === "copy" ? "Secrets are not copied: enter it again." : null };
  }
  switch (f.type) {
    case "boolean": return { input: el("input", { ...attrs, required: false, type: "checkbox", checked: value === true }) };
    case "integer": return { input: el("input", { ...attrs, type: "number", inputmode: "numeric", value: value ?? "" }) };
    case "list": return { input: el("textarea", { ...attrs, rows: 3, value: (value || []).join("\n") }), hint: "One per line." };
    case "object": return {
      input: el("textarea", { ...attrs, rows: 3, value: Object.entries(value || {}).map(([k, v]) => `${k}: ${v}`).join("\n") }),
      hint: "One “Name: value” per line." + (mode === "edit" ? " A value shown as $encrypted$ is kept." : ""),
    };
    default: return { input: el("input", { ...attrs, type: /url$/i.test(f.key) ? "url" : "text", value: value ?? "" }) };
  }
}

// readConfig turns the controls back into the configuration object.
function readConfig(fieldset, mode) {
  const out = {};
  for (const c of fieldset.querySelectorAll("[data-key]")) {
    const key = c.dataset.key, type = c.dataset.type, req = c.required;
    if (c.dataset.secret !== undefined) {
      if (c.value !== "" || mode === "edit") out[key] = c.value;
      continue;
    }
    switch (type) {
      case "boolean": out[key] = c.checked; break;
      case "integer": if (c.value !== "" || req) { const n = Number(c.value); out[key] = c.value === "" || !Number.isInteger(n) ? c.value : n; } break;
      case "list": { const l = c.value.split("\n").map((s) => s.trim()).filter(Boolean); if (l.length || req) out[key] = l; break; }
      case "object": {
        const o = {};
        for (const line of c.value.split("\n")) {
          const i = line.indexOf(":");
          if (line.trim() && i > 0) o[line.slice(0, i).trim()] = line.slice(i + 1).trim();
        }
        if (Object.keys(o).length || req) out[key] = o;
        break;
      }
      default: if (c.value !== "" || req) out[key] = c.value;
    }
  }
  return out;
}

async function form(box, n, mode) {
  const [types, orgs] = await Promise.all([notificationTypes(), organizations()]);
  const title = mode === "new" ? "New notifier" : mode === "copy" ? `Copy of “${n.name}”` : `Notifier “${n.name}”`;
  const typeSel = el("select", { name: "notification_type", required: true },
    types.map((t) => el("option", { value: t.notification_type, selected: n && n.notification_type === t.notification_type }, t.label)));
  const org = orgs.complete
    ? el("select", { name: "organization" }, el("option", { value: "" }, "None (superusers only)"),
      orgs.choices.map((o) => el("option", { value: o.id, selected: n ? n.organization === o.id : orgs.choices.length === 1 }, o.name)))
    : el("input", { name: "organization", type: "number", min: 1, value: n ? n.organization : "" });
  const name = el("input", { name: "name", required: true, value: n ? (mode === "copy" ? n.name + " (copy)" : n.name) : "" });
  const description = el("input", { name: "description", value: n ? n.description : "" });
  const enabled = n && "enabled" in n ? el("input", { name: "enabled", type: "checkbox", checked: n.enabled }) : null;
  const cfgSet = el("fieldset", { class: "config" });
  const cfgErrors = el("ul", { class: "error", role: "alert" });
  let shownType = null;
  let carried = n ? n.notification_configuration : {};
  function renderConfig() {
    const t = types.find((x) => x.notification_type === typeSel.value);
    if (shownType) carried = { ...carried, ...readConfig(cfgSet, mode) };
    const sameType = n && t.notification_type === n.notification_type;
    replace(cfgSet, el("legend", {}, `${t.label} settings`),
      t.fields.map((f) => {
        let value = carried[f.key];
        if (value === undefined || (!sameType && f.secret)) value = f.default;
        const { input, hint } = control(f, value, sameType ? mode : "new");
        return field(f.label + (f.required ? " (required)" : ""), input, hint);
      }));
    shownType = t.notification_type;
  }
  renderConfig();

  const editor = messagesEditor(n && mode !== "new" ? n.messages : null, () => typeSel.value);
  typeSel.addEventListener("change", () => { renderConfig(); editor.preview(); });
  const formErr = el("p", { class: "error", role: "alert" });
  const f = el("form", { class: "notifier-form", novalidate: true },
    el("fieldset", {}, el("legend", {}, "General"),
      field("Name (required)", name), field("Description", description), field("Organization", org),
      field("Type", typeSel, "The settings below follow the type."),
      enabled ? field("Active (sends its notifications; paused ones are held, not dropped)", enabled) : null),
    cfgSet, cfgErrors, editor.node, formErr,
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary" }, mode === "edit" ? "Save" : "Create"),
      el("a", { class: "button", href: "#/notifiers" }, "Cancel")));
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    for (const e of f.querySelectorAll(".field-error")) e.textContent = "";
    for (const e of f.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
    cfgErrors.replaceChildren();
    formErr.textContent = "";
    const body = {
      name: name.value, description: description.value, notification_type: typeSel.value,
      organization: org.value ? Number(org.value) : null,
      notification_configuration: readConfig(cfgSet, mode), messages: editor.read(),
    };
    if (enabled) body.enabled = enabled.checked;
    try {
      const saved = mode === "edit" ? await call("PUT", `/notifiers/${n.id}/`, body) : await call("POST", "/notifiers/", body);
      if (mode === "edit") { formErr.className = "saved"; formErr.textContent = "Saved."; history.replaceState(null, "", `#/notifiers/${saved.id}/edit`); }
      location.hash = `#/notifiers?search=${encodeURIComponent(saved.name)}`;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 400 || !e.body) { formErr.textContent = e.message; return; }
      showErrors(f, e.body, cfgErrors, formErr, editor);
    }
  });

  add(box, el("div", { class: "title" }, el("h2", {}, title),
    n && mode === "edit" ? el("a", { class: "button", href: `#/notifications?notifier=${n.id}` }, "Its notifications") : null), f);
  if (n && mode === "edit") {
    const out = live("test-result");
    add(box, el("section", { class: "panel", "aria-label": "Test" }, el("h3", {}, "Test"),
      el("p", {}, "Sends a test message with the saved settings and shows how it went."),
      el("button", { type: "button", onclick: () => runTest(n, out) }, "Send a test"), out));
  }
}

function showErrors(f, body, cfgErrors, formErr, editor) {
  const rest = {};
  for (const [k, v] of Object.entries(body)) {
    const list = Array.isArray(v) ? v : [v];
    if (k === "notification_configuration") {
      for (const msg of list) {
        cfgErrors.append(el("li", {}, String(msg)));
        for (const c of f.querySelectorAll("[data-key]")) {
          if (new RegExp(`'${c.dataset.key}'|[:,] ${c.dataset.key}[,.]`).test(String(msg))) {
            c.setAttribute("aria-invalid", "true");
            const fe = document.getElementById(c.id + "-err");
            if (fe) fe.textContent = String(msg);
          }
        }
      }
    } else if (k === "messages" || k === "template_errors") {
      editor.showProblems(body);
    } else if (f.elements[k]) {
      f.elements[k].setAttribute("aria-invalid", "true");
      document.getElementById(f.elements[k].id + "-err").textContent = list.join(" ");
    } else rest[k] = v;
  }
  if (Object.keys(rest).length) formErr.textContent = describe(400, rest);
  const first = f.querySelector("[aria-invalid]") || cfgErrors.firstChild;
  if (first && first.focus) first.focus();
}

// --- messages ---

function messagesEditor(messages, typeOf) {
  const rows = {};
  const problems = el("div", { class: "problems", role: "alert" });
  const jobSel = el("select", { name: "preview-job" }, el("option", { value: "" }, "a sample job"));
  get("/unified_jobs/?order_by=-id&page_size=20").then((d) => {
    for (const j of d.results) jobSel.append(el("option", { value: `${j.type}:${j.id}` }, `${j.name} #${j.id} (${j.type.replace(/_/g, " ")}, ${j.status})`));
  }, () => {});
  let timer = null;
  const schedule = () => { clearTimeout(timer); timer = setTimeout(run, 600); };
  const sets = triggers.map((tr) => {
    const m = (messages || {})[tr];
    const on = el("input", { type: "checkbox", name: `msg-${tr}-on`, checked: Boolean(m) });
    const subject = el("input", { name: `msg-${tr}-message`, value: (m && m.message) || "", placeholder: "{{ job_friendly_name }} #{{ job.id }} {{ job.status }}: {{ url }}" });
    const body = el("textarea", { name: `msg-${tr}-body`, rows: 5, value: (m && m.body) || "", placeholder: "{{ job_metadata }}" });
    const where = el("div", { class: "where" });
    const out = el("div", { class: "rendered", "data-trigger": tr, "aria-live": "polite" });
    rows[tr] = { on, subject, body, where, out };
    for (const c of [on, subject, body]) c.addEventListener("input", () => { if (c !== on) on.checked = true; schedule(); });
    return el("fieldset", { class: "message" }, el("legend", {}, { started: "Started", success: "Success", error: "Error" }[tr]),
      el("div", { class: "editor" }, field("Use a custom message", on),
        field("Message (one line; the subject)", subject), field("Body", body), where), out);
  });
  async function run() {
    problems.replaceChildren();
    for (const r of Object.values(rows)) r.where.replaceChildren();
    const [kind, id] = jobSel.value.split(":");
    try {
      const out = await call("POST", "/notifiers/preview/", { notification_type: typeOf(), messages: read(), job: kind ? { kind, id: Number(id) } : null });
      for (const tr of triggers) {
        replace(rows[tr].out, el("h5", {}, "Preview", out[tr].custom ? "" : " (the default)"),
          el("p", { class: "subject" }, out[tr].subject), el("pre", { class: "body" }, out[tr].body));
      }
    } catch (e) {
      for (const r of Object.values(rows)) r.out.replaceChildren();
      if (e instanceof ApiError && e.status === 400 && e.body) showProblems(e.body);
      else problems.append(errorBox(e.status === 404 ? "This server cannot preview messages." : e.message));
    }
  }
  function showProblems(body) {
    problems.replaceChildren();
    const located = body.template_errors || [];
    for (const te of located) {
      const r = rows[te.trigger];
      const input = te.field === "message" ? r.subject : r.body;
      input.setAttribute("aria-invalid", "true");
      r.where.append(listing(input, te));
    }
    if (!located.length) for (const m of [].concat(body.messages || [])) problems.append(errorBox(m));
  }
  function read() {
    const out = {};
    for (const tr of triggers) {
      const r = rows[tr];
      out[tr] = r.on.checked ? { message: r.subject.value || null, body: r.body.value || null } : null;
    }
    return out;
  }
  const node = el("fieldset", { class: "messages" }, el("legend", {}, "Messages"),
    el("p", { class: "hint" }, "Jinja templates with job, job_friendly_name, url and job_metadata. Leave a trigger unticked for the default."),
    el("div", { class: "preview-bar" }, field("Preview against", jobSel),
      el("button", { type: "button", onclick: run }, "Preview")), problems, sets);
  jobSel.addEventListener("change", run);
  schedule(); // show what each trigger sends now
  return { node, read, showProblems, preview: schedule };
}

// listing shows the template with numbered lines and the problem at its line.
function listing(input, te) {
  const lines = input.value.split("\n");
  const bad = te.line || 0;
  const from = Math.max(1, bad - 2), to = Math.min(lines.length, Math.max(bad, 1) + 2);
  const items = [];
  for (let i = from; i <= to; i++) {
    items.push(el("li", { value: i, class: i === bad ? "bad" : null }, el("code", {}, lines[i - 1] || " ")));
  }
  const go = el("button", { type: "button", class: "link", onclick: () => selectLine(input, bad) }, bad ? `Go to line ${bad}` : "Go to the template");
  return el("div", { class: "template-error", "data-line": bad },
    el("p", { class: "error-text" }, `${te.field === "message" ? "Message" : "Body"}, ${bad ? "line " + bad : "somewhere"}: ${te.error}`),
    el("ol", { class: "source" }, items), go);
}

function selectLine(input, line) {
  const lines = input.value.split("\n");
  const start = lines.slice(0, Math.max(0, line - 1)).reduce((a, l) => a + l.length + 1, 0);
  input.focus();
  input.setSelectionRange(start, start + (lines[line - 1] || "").length);
}
