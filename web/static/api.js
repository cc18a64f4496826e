// The API client: the token kept for this browser session, JSON calls, and
// what this server offers (parts of the contract may not be there yet, and
// the console hides what answers 404).
export const API = "/api/v1";

const store = sessionStorage;

export function session() {
  const token = store.getItem("herald-token");
  return token ? { token, id: store.getItem("herald-token-id"), user: store.getItem("herald-user") } : null;
}

// ApiError carries the status and the decoded body of a failed call.
export class ApiError extends Error {
  constructor(status, body) {
    super(describe(status, body));
    this.status = status;
    this.body = body;
  }
}

// describe words an error answer for people: the detail, or each field's problems.
export function describe(status, body) {
  if (body && typeof body === "object") {
    if (typeof body.detail === "string") return body.detail;
    const parts = [];
    for (const [k, v] of Object.entries(body)) {
      if (k === "template_errors") continue;
      const list = Array.isArray(v) ? v : [v];
      parts.push((k === "__all__" ? "" : k + ": ") + list.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" "));
    }
    if (parts.length) return parts.join("\n");
  }
  return `The server answered ${status}.`;
}

let onSignedOut = () => {};
export function whenSignedOut(fn) { onSignedOut = fn; }

// call sends one request; the path is below /api/v1 unless it starts with /api/.
export async function call(method, path, body) {
  const s = session();
  const headers = { "Accept": "application/json" };
  if (s) headers["Authorization"] = "Bearer " + s.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const url = path.startsWith("/api/") ? path : API + path;
  const resp = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text.slice(0, 200) }; }
  if (resp.status === 401 && s) { forget(); onSignedOut("Your session has ended; sign in again."); }
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}

export const get = (path) => call("GET", path);

// signIn makes a token with the password once; the password is not kept.
export async function signIn(username, password) {
  const resp = await fetch(API + "/tokens/", {
    method: "POST",
    headers: {
      "Authorization": "Basic " + btoa(unescape(encodeURIComponent(username + ":" + password))),
      "Content-Type": "application/json", "Accept": "application/json",
    },
    body: JSON.stringify({ description: "Herald console" }),
  });
  let data = null;
  try { data = await resp.json(); } catch { /* not JSON */ }
  if (resp.status === 401) throw new ApiError(401, { detail: "Wrong username or password." });
  if (resp.status === 429) throw new ApiError(429, { detail: "Too many failed sign-ins; wait a few minutes and try again." });
  if (!resp.ok) throw new ApiError(resp.status, data);
  store.setItem("herald-token", data.token);
  store.setItem("herald-token-id", String(data.id));
  store.setItem("herald-user", username);
  features.clear();
}

// signOut revokes the token on the server, then forgets it.
export async function signOut() {
  const s = session();
  if (s && s.id) {
    try { await call("DELETE", `/tokens/${s.id}/`); } catch { /* already gone */ }
  }
  forget();
}

function forget() {
  store.removeItem("herald-token");
  store.removeItem("herald-token-id");
  store.removeItem("herald-user");
  features.clear();
}

// features remembers, per session, whether a part of the API answers.
const features = new Map();

// has reports whether GET path answers (anything but 404 and 405).
export async function has(path) {
  if (!features.has(path)) {
    features.set(path, call("GET", path).then(() => true, (e) => !(e.status === 404 || e.status === 405)));
  }
  return features.get(path);
}

// hasAction reports whether a bulk POST endpoint exists, by sending a filter
// that can match nothing (successful notifications from before 1970 are
// neither retried nor canceled), so nothing changes whatever the server does.
const matchesNothing = { status: "successful", created__lt: "1970-01-02T00:00:00Z" };
export async function hasAction(path) {
  const key = "POST " + path;
  if (!features.has(key)) {
    features.set(key, call("POST", path, matchesNothing).then(() => true, (e) => !(e.status === 404 || e.status === 405)));
  }
  return features.get(key);
}

// The notifier types' schemas, fetched once.
let typesPromise = null;
export function notificationTypes() {
  if (!typesPromise) typesPromise = get("/notification_types/").then((d) => d.results, (e) => { typesPromise = null; throw e; });
  return typesPromise;
}

// Job kinds: the API's kind, its collection, and the console's (AWX's) path segment.
export const jobKinds = [
  { kind: "job", collection: "jobs", segment: "playbook", label: "Playbook run" },
  { kind: "project_update", collection: "project_updates", segment: "project", label: "Project update" },
  { kind: "inventory_update", collection: "inventory_updates", segment: "inventory", label: "Inventory update" },
  { kind: "ad_hoc_command", collection: "ad_hoc_commands", segment: "command", label: "Ad hoc command" },
  { kind: "workflow_job", collection: "workflow_jobs", segment: "workflow", label: "Workflow job" },
  { kind: "system_job", collection: "system_jobs", segment: "system", label: "System job" },
];
export const kindBy = (field, value) => jobKinds.find((k) => k[field] === value);
export const jobHref = (kind, id) => `#/jobs/${(kindBy("kind", kind) || { segment: kind }).segment}/${id}`;

// The objects notifiers attach to.
export const attachables = [
  { type: "organization", collection: "organizations", label: "Organizations", one: "Organization", approvals: true },
  { type: "project", collection: "projects", label: "Projects", one: "Project" },
  { type: "inventory_source", collection: "inventory_sources", label: "Inventory sources", one: "Inventory source" },
  { type: "job_template", collection: "job_templates", label: "Job templates", one: "Job template" },
  { type: "workflow_job_template", collection: "workflow_job_templates", label: "Workflow templates", one: "Workflow template", approvals: true },
  { type: "system_job_template", collection: "system_job_templates", label: "System templates", one: "System template" },
];
