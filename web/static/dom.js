// Small DOM helpers: elements, responsive tables, paging, status badges.
// Nothing here writes HTML from strings, so no API text is ever markup.

// el builds an element. attrs: "on…" are listeners, false/null are left out,
// true is an empty attribute; children are nodes or text.
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v == null) continue;
    if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v);
    else if (k === "value" && "value" in e) e.value = v;
    else if (k === "checked") e.checked = Boolean(v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  append(e, children);
  return e;
}

function append(e, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// table renders rows as a table that becomes cards on a narrow screen: each
// cell carries its column's name for the card layout.
export function table(caption, headers, rows, empty = "Nothing here yet.") {
  if (!rows.length) return el("p", { class: "empty" }, empty);
  return el("table", { class: "cards" },
    el("caption", { class: "visually-hidden" }, caption),
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c, i) => el("td", { "data-label": headers[i] || "" }, c))))));
}

export function status(s) {
  return el("span", { class: "badge status-" + String(s || "none").replace(/[^a-z_]/g, "") }, s || "—");
}

export function time(t) {
  if (!t) return "—";
  const d = new Date(t);
  return el("time", { datetime: t, title: t }, isNaN(d) ? t : d.toLocaleString());
}

export function errorBox(e) {
  return el("p", { class: "error", role: "alert" }, e instanceof Error ? e.message : String(e));
}

// pager links to the previous and next pages of a list answer.
export function pager(data, page, hrefFor) {
  const size = data.results.length;
  if (!data.next && !data.previous) return el("p", { class: "count" }, `${data.count} in all`);
  return el("nav", { class: "pager", "aria-label": "Pages" },
    data.previous ? el("a", { href: hrefFor(page - 1), rel: "prev" }, "‹ Previous") : el("span", {}, ""),
    el("span", { class: "count" }, `Page ${page} · ${size} of ${data.count}`),
    data.next ? el("a", { href: hrefFor(page + 1), rel: "next" }, "Next ›") : el("span", {}, ""));
}

// field is a labelled control with a place for its own errors.
export function field(label, control, hint) {
  const id = control.id || ("f-" + Math.random().toString(36).slice(2));
  control.id = id;
  const err = el("span", { class: "field-error", id: id + "-err", "aria-live": "polite" });
  control.setAttribute("aria-describedby", id + "-err" + (hint ? " " + id + "-hint" : ""));
  return el("div", { class: "field" + (control.type === "checkbox" ? " check" : "") },
    el("label", { for: id }, label), control,
    hint ? el("span", { class: "hint", id: id + "-hint" }, hint) : null, err);
}

// confirm asks in the page's own dialog, never the browser's.
export function confirm(question, action = "Delete") {
  return new Promise((resolve) => {
    const dlg = el("dialog", { class: "confirm", "aria-labelledby": "confirm-q" },
      el("p", { id: "confirm-q" }, question),
      el("div", { class: "actions" },
        el("button", { type: "button", class: "danger", onclick: () => { dlg.close(); resolve(true); } }, action),
        el("button", { type: "button", onclick: () => { dlg.close(); resolve(false); } }, "Cancel")));
    dlg.addEventListener("close", () => { dlg.remove(); resolve(false); });
    document.body.append(dlg);
    dlg.showModal();
  });
}

// live is a region screen readers announce.
export function live(cls = "") { return el("p", { class: "live " + cls, role: "status", "aria-live": "polite" }); }

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// replace swaps a node's children for new ones (lists flattened, as el does).
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// add appends children (lists flattened, null and false left out, as el does).
export function add(node, ...children) {
  append(node, children);
  return node;
}
