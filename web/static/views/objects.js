// The objects notifiers hang on, and each one's Notifications tab: a switch
// per notifier and trigger, as AWX's tab, plus what is inherited from above
// and why each notifier fires (effective_notifiers).
import { call, get, has, attachables } from "../api.js";
import { el, table, errorBox, pager, field, live, replace, add } from "../dom.js";

export const collections = attachables.map((a) => a.collection);
const PAGE_SIZE = 25;

export async function show(box, parts, query) {
  const a = attachables.find((x) => x.collection === parts[0]);
  if (!a) return index(box);
  if (parts[1] && /^\d+$/.test(parts[1])) return tab(box, a, parts[1], query);
  return list(box, a, query);
}

function tabs(current) {
  return el("nav", { class: "tabs", "aria-label": "Kinds of object" }, attachables.map((a) =>
    el("a", { href: "#/" + a.collection, "aria-current": a === current ? "page" : false }, a.label)));
}

async function index(box) {
  add(box, el("h2", {}, "Resources"), tabs(null),
    el("p", {}, "Choose a kind of object, then an object, to switch its notifiers on and off per trigger."));
}

function href(a, q, page) {
  const p = new URLSearchParams(q);
  if (page > 1) p.set("page", page); else p.delete("page");
  const s = p.toString();
  return `#/${a.collection}` + (s ? "?" + s : "");
}

async function list(box, a, query) {
  const page = Math.max(1, parseInt(query.get("page") || "1", 10) || 1);
  const api = new URLSearchParams({ page, page_size: PAGE_SIZE, order_by: "name" });
  if (query.get("search")) api.set("search", query.get("search"));
  const data = await get(`/${a.collection}/?` + api);
  const filters = el("form", { class: "filters", role: "search", "aria-label": "Search " + a.label },
    field("Search", el("input", { name: "search", type: "search", value: query.get("search") || "" })), el("button", { type: "submit" }, "Search"));
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(filters)) if (v) q.set(k, v);
    location.hash = href(a, q, 1);
  });
  add(box, el("h2", {}, a.label), tabs(a), filters,
    table(a.label, ["Name", "Description", "Organization", ""], data.results.map((o) => [
      el("a", { href: `#/${a.collection}/${o.id}/notifications` }, o.name), o.description || "—",
      ((o.summary_fields || {}).organization || {}).name || "—",
      el("a", { href: `#/${a.collection}/${o.id}/notifications` }, "Notifications"),
    ]), `No ${a.label.toLowerCase()} yet.`),
    pager(data, page, (p) => href(a, query, p)));
}

const labels = { started: "Start", success: "Success", error: "Failure", any: "Any end", changed: "Changed", approvals: "Approval" };

async function tab(box, a, id, query) {
  const base = `/${a.collection}/${id}`;
  const obj = await get(base + "/");
  const page = Math.max(1, parseInt(query.get("page") || "1", 10) || 1);
  const api = new URLSearchParams({ page, page_size: PAGE_SIZE, order_by: "name" });
  if (query.get("search")) api.set("search", query.get("search"));
  const optional = ["changed"].concat(a.approvals ? ["approvals"] : []);
  const [notifiers, ...present] = await Promise.all([get("/notifiers/?" + api), ...optional.map((t) => has(`${base}/notifiers_${t}/?page_size=1`))]);
  const lists = ["started", "success", "error", "any"].concat(optional.filter((_, i) => present[i]));
  const ids = notifiers.results.map((n) => n.id).join(",");
  const attached = {};
  await Promise.all(lists.map(async (t) => {
    attached[t] = new Set();
    if (!ids) return;
    const d = await get(`${base}/notifiers_${t}/?page_size=200&id__in=${ids}`);
    for (const n of d.results) attached[t].add(n.id);
  }));
  const whyTriggers = ["started", "success", "error"].concat(lists.includes("changed") ? ["changed"] : []);
  const effective = {};
  async function loadEffective() {
    await Promise.all(whyTriggers.map(async (t) => { effective[t] = (await get(`${base}/effective_notifiers/?trigger=${t}`)).results; }));
  }
  await loadEffective();
  const own = (l) => l.type === a.type && String(l.id) === String(id);
  // inherited: notifier id → trigger → the levels above that bring it.
  const inheritedFor = (nid, t) => {
    // The any list fires on success and error: it is inherited where an any list above has it.
    const src = t === "any" ? "success" : t;
    const out = [];
    for (const r of effective[src] || []) if (r.notifier.id === nid) for (const l of r.levels) if (!own(l) && (t !== "any" || l.list === "notifiers_any")) out.push(l);
    return out;
  };

  const out = live();
  const why = el("section", { class: "why", "aria-labelledby": "why-title" });
  const renderWhy = () => replace(why, el("h3", { id: "why-title" }, "What fires, and why"),
    whyTriggers.map((t) => {
      const rows = effective[t].map((r) => [r.notifier.name, r.notifier.notification_type,
        el("ul", { class: "levels" }, r.levels.map((l) => el("li", {}, `${l.type.replace(/_/g, " ")} “${l.name}”`, el("span", { class: "muted" }, ` (${l.list})`))))]);
      return [el("h4", {}, `On ${labels[t].toLowerCase()}`), table(`Notifiers on ${t}`, ["Notifier", "Type", "Because of"], rows, "None.")];
    }));
  renderWhy();

  const rows = notifiers.results.map((n) => [
    el("span", {}, el("a", { href: `#/notifiers/${n.id}/edit` }, n.name), el("span", { class: "muted" }, ` ${n.notification_type}`)),
    ...lists.map((t) => {
      const sw = el("input", { type: "checkbox", role: "switch", checked: attached[t].has(n.id), "data-notifier": n.id, "data-trigger": t,
        "aria-label": `${n.name}: notify on ${labels[t].toLowerCase()}` });
      sw.addEventListener("change", async () => {
        sw.disabled = true;
        try {
          await call("POST", `${base}/notifiers_${t}/`, sw.checked ? { id: n.id } : { id: n.id, disassociate: true });
          out.textContent = `${n.name} ${sw.checked ? "now notifies" : "no longer notifies"} on ${labels[t].toLowerCase()}.`;
          await loadEffective();
          renderWhy();
        } catch (e) { sw.checked = !sw.checked; out.textContent = e.message; }
        sw.disabled = false;
      });
      const from = inheritedFor(n.id, t);
      return el("span", { class: "switch-cell" }, el("label", { class: "switch" }, sw, el("span", { class: "track", "aria-hidden": "true" })),
        from.length ? el("span", { class: "inherited", title: from.map((l) => `${l.type} ${l.name} (${l.list})`).join(", ") },
          "also from ", from.map((l) => `${l.type.replace(/_/g, " ")} “${l.name}”`).join(", ")) : null);
    })]);
  const filters = el("form", { class: "filters", role: "search", "aria-label": "Search notifiers" },
    field("Search notifiers", el("input", { name: "search", type: "search", value: query.get("search") || "" })), el("button", { type: "submit" }, "Search"));
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const s = new FormData(filters).get("search");
    location.hash = `#/${a.collection}/${id}/notifications` + (s ? "?search=" + encodeURIComponent(s) : "");
  });
  add(box, 
    el("p", { class: "crumbs" }, el("a", { href: "#/" + a.collection }, a.label), " ›"),
    el("h2", {}, `${a.one} “${obj.name}”: notifications`),
    el("p", { class: "hint" }, "Each switch attaches the notifier to this object for that event. “Also from” shows where it is attached above, so it fires anyway."),
    filters, out,
    table("Notifier switches", ["Notifier"].concat(lists.map((t) => labels[t])), rows, "No notifier yet: create one first."),
    pager(notifiers, page, (p) => `#/${a.collection}/${id}/notifications?page=${p}`),
    why);
}
