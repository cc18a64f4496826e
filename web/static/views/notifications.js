// Notifications: the list with filters and bulk retry and cancel, and the
// detail with what was sent, to whom, and every attempt.
import { call, get, has, hasAction, jobHref, ApiError } from "../api.js";
import { el, table, status, time, errorBox, pager, field, live, confirm, add } from "../dom.js";

const PAGE_SIZE = 25;

export async function show(box, parts, query) {
  if (parts[1] && /^\d+$/.test(parts[1])) return detail(box, parts[1]);
  return list(box, query);
}

function href(q, page) {
  const p = new URLSearchParams(q);
  if (page > 1) p.set("page", page); else p.delete("page");
  const s = p.toString();
  return "#/notifications" + (s ? "?" + s : "");
}

function jobLink(job) {
  return job ? el("a", { href: jobHref(job.kind, job.id) }, `${job.kind.replace(/_/g, " ")} #${job.id}`) : el("span", { class: "muted" }, "test");
}

async function list(box, query) {
  const page = Math.max(1, parseInt(query.get("page") || "1", 10) || 1);
  const api = new URLSearchParams({ page, page_size: PAGE_SIZE, order_by: "-id" });
  for (const k of ["status", "notifier", "notification_type", "search"]) if (query.get(k)) api.set(k, query.get(k));
  const [data, canRetry, canCancel] = await Promise.all([get("/notifications/?" + api), hasAction("/notifications/retry/"), hasAction("/notifications/cancel/")]);

  const filters = el("form", { class: "filters", role: "search", "aria-label": "Filter notifications" },
    field("Search", el("input", { name: "search", type: "search", value: query.get("search") || "", placeholder: "subject, type or body" })),
    field("Status", el("select", { name: "status" }, el("option", { value: "" }, "Any status"),
      ["pending", "successful", "failed", "canceled"].map((s) => el("option", { value: s, selected: query.get("status") === s }, s)))),
    field("Notifier id", el("input", { name: "notifier", type: "number", min: 1, value: query.get("notifier") || "" })),
    el("button", { type: "submit" }, "Filter"));
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(filters)) if (v) q.set(k, v);
    location.hash = href(q, 1);
  });
  filters.querySelector("select").addEventListener("change", () => filters.requestSubmit());

  const out = live();
  const boxes = [];
  const rows = data.results.map((n) => {
    const cb = el("input", { type: "checkbox", value: n.id, "aria-label": `Select notification ${n.id}` });
    boxes.push(cb);
    return [cb, el("a", { href: `#/notifications/${n.id}` }, "#" + n.id), status(n.status),
      el("a", { href: `#/notifiers/${n.notifier}/edit` }, (n.summary_fields.notifier || {}).name || "notifier " + n.notifier),
      jobLink(n.job), time(n.created), time(n.last_attempt_at), el("span", { class: "subject" }, n.subject), n.error ? el("span", { class: "error-text" }, n.error) : ""];
  });
  const selected = () => boxes.filter((b) => b.checked).map((b) => Number(b.value));
  async function each(verb) {
    const ids = selected();
    if (!ids.length) { out.textContent = "Select notifications first."; return; }
    let ok = 0; const failed = [];
    for (const id of ids) {
      try { await call("POST", `/notifications/${id}/${verb}/`); ok++; } catch (e) { failed.push(`#${id}: ${e.message}`); }
    }
    out.textContent = `${verb === "retry" ? "Retried" : "Canceled"} ${ok} of ${ids.length}.` + (failed.length ? " " + failed.join("; ") : "");
    window.dispatchEvent(new Event("herald:refresh"));
  }
  async function matching(verb) {
    const filter = {};
    for (const k of ["status", "notifier"]) if (query.get(k)) filter[k] = k === "notifier" ? Number(query.get(k)) : query.get(k);
    if (!Object.keys(filter).length) filter.status = verb === "retry" ? "failed" : "pending";
    if (!await confirm(`${verb === "retry" ? "Retry" : "Cancel"} every notification with ${Object.entries(filter).map(([k, v]) => `${k} ${v}`).join(" and ")}?`, verb === "retry" ? "Retry" : "Cancel them")) return;
    try {
      const r = await call("POST", `/notifications/${verb}/`, filter);
      out.textContent = `${r.count} ${verb === "retry" ? "put back to pending" : "canceled"}.`;
      window.dispatchEvent(new Event("herald:refresh"));
    } catch (e) { out.textContent = e.message; }
  }
  const all = el("input", { type: "checkbox", "aria-label": "Select all on this page", onchange: (ev) => boxes.forEach((b) => { b.checked = ev.target.checked; }) });
  const bulk = canRetry || canCancel ? el("div", { class: "bulk", role: "group", "aria-label": "With the selected" },
    field("All on this page", all),
    canRetry ? el("button", { type: "button", onclick: () => each("retry") }, "Retry selected") : null,
    canCancel ? el("button", { type: "button", onclick: () => each("cancel") }, "Cancel selected") : null,
    canRetry ? el("button", { type: "button", onclick: () => matching("retry") }, "Retry all matching") : null,
    canCancel ? el("button", { type: "button", onclick: () => matching("cancel") }, "Cancel all matching") : null, out) : null;

  const headers = (bulk ? [""] : []).concat(["Id", "Status", "Notifier", "Job", "Created", "Last attempt", "Subject", "Error"]);
  add(box, el("h2", {}, "Notifications"), filters, bulk,
    table("Notifications", headers, rows.map((r) => (bulk ? r : r.slice(1))), "No notification matches."),
    pager(data, page, (p) => href(query, p)));
}

async function detail(box, id) {
  const n = await get(`/notifications/${id}/`);
  const [canRetry, canCancel] = await Promise.all([hasAction("/notifications/retry/"), hasAction("/notifications/cancel/")]);
  let attempts = null, attemptsProblem = null;
  try { attempts = await get(`/notifications/${id}/attempts/?page_size=200`); } catch (e) {
    if (e.status !== 404) attemptsProblem = e;
  }
  const out = live();
  const act = async (verb) => {
    try { await call("POST", `/notifications/${id}/${verb}/`); out.textContent = verb === "retry" ? "Put back to pending." : "Canceled."; window.dispatchEvent(new Event("herald:refresh")); }
    catch (e) { out.textContent = e.message; }
  };
  const body = typeof n.body === "string" ? n.body : JSON.stringify(n.body, null, 2);
  add(box, 
    el("div", { class: "title" }, el("h2", {}, `Notification #${n.id}`), status(n.status)),
    el("dl", { class: "facts" },
      el("dt", {}, "Notifier"), el("dd", {}, el("a", { href: `#/notifiers/${n.notifier}/edit` }, (n.summary_fields.notifier || {}).name || n.notifier), ` (${n.notification_type})`),
      el("dt", {}, "Job"), el("dd", {}, jobLink(n.job), n.trigger ? ` on ${n.trigger}` : ""),
      el("dt", {}, "Recipients"), el("dd", {}, n.recipients || "—"),
      el("dt", {}, "Created"), el("dd", {}, time(n.created)),
      el("dt", {}, "Attempts"), el("dd", {}, String(n.attempts), " · sent to ", String(n.notifications_sent)),
      el("dt", {}, "Last attempt"), el("dd", {}, time(n.last_attempt_at)),
      el("dt", {}, "Next attempt"), el("dd", {}, time(n.next_attempt_at)),
      n.error ? [el("dt", {}, "Error"), el("dd", { class: "error-text" }, n.error)] : null),
    el("div", { class: "actions" },
      canRetry && (n.status === "failed" || n.status === "canceled") ? el("button", { type: "button", class: "primary", onclick: () => act("retry") }, "Retry") : null,
      canCancel && n.status === "pending" ? el("button", { type: "button", onclick: () => act("cancel") }, "Cancel") : null, out),
    el("h3", {}, "Subject"), el("p", { class: "subject" }, n.subject),
    el("h3", {}, "Body"), el("pre", { class: "body" }, body));
  if (attempts) {
    add(box, el("h3", {}, "Attempts"), el("ol", { class: "timeline" }, attempts.results.map((a) => el("li", { class: "outcome-" + a.outcome },
      el("p", {}, el("strong", {}, `#${a.number} ${a.outcome}`), " ", time(a.started), ` · ${Number(a.duration).toFixed(2)} s`,
        a.status_code != null ? ` · code ${a.status_code}` : "", a.instance ? ` · ${a.instance}` : ""),
      a.error ? el("p", { class: "error-text" }, a.error) : null,
      a.destinations && a.destinations.length ? el("p", {}, "Reached: ", a.destinations.join(", ")) : null,
      a.response ? el("details", {}, el("summary", {}, "Response"), el("pre", {}, a.response)) : null))));
    if (!attempts.results.length) add(box, el("p", { class: "muted" }, "No attempt yet."));
  } else if (attemptsProblem) add(box, errorBox(attemptsProblem));
}
