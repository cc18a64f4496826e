// Jobs: every kind in one list, and a job's detail (host results, failures,
// its notifications). Messages link here as AWX's do: #/jobs/playbook/N,
// #/jobs/project/N, #/jobs/inventory/N, #/jobs/command/N, #/jobs/workflow/N,
// #/jobs/system/N.
import { get, jobHref, kindBy, jobKinds } from "../api.js";
import { el, table, status, time, pager, field, add } from "../dom.js";

const PAGE_SIZE = 25;

export async function show(box, parts, query) {
  if (parts[1] && parts[2]) {
    const k = kindBy("segment", parts[1]) || kindBy("kind", parts[1]);
    if (!k) throw new Error(`No such kind of job: ${parts[1]}.`);
    return detail(box, k, parts[2]);
  }
  return list(box, query);
}

function href(q, page) {
  const p = new URLSearchParams(q);
  if (page > 1) p.set("page", page); else p.delete("page");
  const s = p.toString();
  return "#/jobs" + (s ? "?" + s : "");
}

async function list(box, query) {
  const page = Math.max(1, parseInt(query.get("page") || "1", 10) || 1);
  const api = new URLSearchParams({ page, page_size: PAGE_SIZE, order_by: "-id" });
  if (query.get("status")) api.set("status", query.get("status"));
  if (query.get("search")) api.set("search", query.get("search"));
  const k = kindBy("kind", query.get("kind") || "");
  const data = await get(`/${k ? k.collection : "unified_jobs"}/?` + api);
  const filters = el("form", { class: "filters", role: "search", "aria-label": "Filter jobs" },
    field("Search", el("input", { name: "search", type: "search", value: query.get("search") || "" })),
    field("Kind", el("select", { name: "kind" }, el("option", { value: "" }, "Every kind"),
      jobKinds.map((x) => el("option", { value: x.kind, selected: k === x }, x.label)))),
    field("Status", el("select", { name: "status" }, el("option", { value: "" }, "Any status"),
      ["pending", "running", "successful", "failed", "error", "canceled"].map((s) => el("option", { value: s, selected: query.get("status") === s }, s)))),
    el("button", { type: "submit" }, "Filter"));
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [key, v] of new FormData(filters)) if (v) q.set(key, v);
    location.hash = href(q, 1);
  });
  for (const s of filters.querySelectorAll("select")) s.addEventListener("change", () => filters.requestSubmit());
  add(box, el("h2", {}, "Jobs"), filters,
    table("Jobs", ["Id", "Name", "Kind", "Status", "Started", "Finished", "By"], data.results.map((j) => [
      el("a", { href: jobHref(j.type, j.id) }, "#" + j.id), el("a", { href: jobHref(j.type, j.id) }, j.name),
      (kindBy("kind", j.type) || { label: j.type }).label, status(j.status), time(j.started), time(j.finished), j.created_by || "—",
    ]), "No job matches."),
    pager(data, page, (p) => href(query, p)));
}

const countKeys = ["ok", "changed", "failed", "dark", "skipped", "processed", "rescued", "ignored", "failures"];
// A host's result has no "failed" count: it is a flag (docs/api.md §3).
const hostKeys = ["ok", "changed", "failures", "dark", "skipped", "processed", "rescued", "ignored"];
const hostFailed = (h) => h.failed === true || h.failures > 0 || h.dark > 0;

async function detail(box, k, id) {
  const [j, notes] = await Promise.all([get(`/${k.collection}/${id}/`), get(`/${k.collection}/${id}/notifications/?order_by=-id&page_size=50`)]);
  const template = Object.entries(j.summary_fields || {}).find(([key]) => /template$|^project$|^inventory_source$|^inventory$/.test(key));
  const hosts = Object.entries(j.hosts || {});
  const failures = j.failures || [];
  add(box, 
    el("div", { class: "title" }, el("h2", {}, `${k.label} #${j.id} “${j.name}”`), status(j.status)),
    el("dl", { class: "facts" },
      template ? [el("dt", {}, template[0].replace(/_/g, " ")), el("dd", {}, template[1].name, ` (#${template[1].id})`)] : null,
      j.summary_fields && j.summary_fields.organization ? [el("dt", {}, "Organization"), el("dd", {}, j.summary_fields.organization.name)] : null,
      j.playbook ? [el("dt", {}, "Playbook"), el("dd", {}, j.playbook)] : null,
      el("dt", {}, "Launched by"), el("dd", {}, j.created_by || "—", j.launch_type ? ` (${j.launch_type})` : ""),
      el("dt", {}, "Started"), el("dd", {}, time(j.started)),
      el("dt", {}, "Finished"), el("dd", {}, time(j.finished)),
      el("dt", {}, "Elapsed"), el("dd", {}, j.elapsed ? `${Number(j.elapsed).toFixed(1)} s` : "—"),
      j.limit ? [el("dt", {}, "Limit"), el("dd", {}, j.limit)] : null,
      j.job_explanation ? [el("dt", {}, "Explanation"), el("dd", {}, j.job_explanation)] : null),
    j.host_status_counts ? el("section", { "aria-label": "Host totals" }, el("h3", {}, "Host totals"),
      el("ul", { class: "counts" }, countKeys.map((c) => el("li", { class: "count-" + c }, el("strong", {}, String(j.host_status_counts[c] ?? 0)), " ", c)))) : null,
    el("h3", {}, "Hosts"),
    table("Host results", ["Host", "Result"].concat(hostKeys), hosts.map(([name, h]) =>
      [name, status(hostFailed(h) ? "failed" : h.changed ? "changed" : "ok")].concat(hostKeys.map((c) => String(h[c] ?? 0)))), "No host results reported."),
    el("h3", {}, "Failures"),
    table("Failures", ["Host", "Task", "Action", "Message"], failures.map((f) => [f.host, f.task, f.action, el("pre", {}, f.msg)]), "No failures reported."),
    j.result_traceback ? [el("h3", {}, "Output"), el("pre", { class: "body" }, j.result_traceback)] : null,
    el("h3", {}, "Notifications"),
    table("Notifications of this job", ["Id", "Status", "Notifier", "Trigger", "Created", "Error"], notes.results.map((n) => [
      el("a", { href: `#/notifications/${n.id}` }, "#" + n.id), status(n.status), (n.summary_fields.notifier || {}).name || n.notifier,
      n.trigger || "—", time(n.created), n.error ? el("span", { class: "error-text" }, n.error) : ""]), "No notification for this job."));
}
