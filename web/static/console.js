// Herald's console: a thin client of the same API everyone uses. It signs in
// by making a token (POST /api/v1/tokens/ with the password once), keeps it
// for the browser session only, and revokes it on sign-out.
import { session, signIn, signOut, whenSignedOut, has } from "./api.js";
import { el, errorBox } from "./dom.js";
import * as notifiers from "./views/notifiers.js";
import * as notifications from "./views/notifications.js";
import * as jobs from "./views/jobs.js";
import * as objects from "./views/objects.js";
import * as access from "./views/access.js";

const $ = (sel) => document.querySelector(sel);

// route reads the hash: "#/notifiers/3/edit?x=1" → ["notifiers", "3", "edit"] and its query.
// "#notifiers" (the old console's links) is read the same.
export function route() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query] = raw.split("?");
  return { parts: path.split("/").filter(Boolean), query: new URLSearchParams(query || "") };
}

const sections = [
  { name: "notifiers", label: "Notifiers", view: notifiers.show },
  { name: "notifications", label: "Notifications", view: notifications.show },
  { name: "jobs", label: "Jobs", view: jobs.show },
  { name: "resources", label: "Resources", view: objects.show, also: objects.collections },
  { name: "users", label: "Users", view: access.users, feature: "/users/?page_size=1" },
  { name: "teams", label: "Teams", view: access.teams, feature: "/teams/?page_size=1" },
];

async function buildNav() {
  const nav = $("#nav-links");
  nav.replaceChildren();
  for (const s of sections) {
    const a = el("a", { href: "#/" + s.name, "data-section": s.name }, s.label);
    if (s.feature) {
      a.hidden = true;
      has(s.feature).then((ok) => { a.hidden = !ok; });
    }
    nav.append(a);
  }
  $("#whoami").textContent = session() ? session().user : "";
}

let rendering = 0;

async function render() {
  const signedIn = Boolean(session());
  $("#login").hidden = signedIn;
  $("#nav").hidden = !signedIn;
  const view = $("#view");
  view.hidden = !signedIn;
  if (!signedIn) {
    document.title = "Sign in · Herald";
    $("#login-form [name=username]").focus();
    return;
  }
  const { parts, query } = route();
  const name = parts[0] || "notifiers";
  const section = sections.find((s) => s.name === name || (s.also && s.also.includes(name))) || sections[0];
  for (const a of document.querySelectorAll("#nav-links a")) {
    if (a.dataset.section === section.name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  const mine = ++rendering;
  const hash = location.hash;
  delete view.dataset.rendered;
  const box = el("div", { class: "page" });
  try {
    await section.view(box, parts, query, () => mine !== rendering);
  } catch (e) {
    box.append(errorBox(e));
  }
  if (mine !== rendering) return; // a newer route is being shown
  view.replaceChildren(box);
  view.dataset.rendered = hash; // which route the page shows (tests wait for it)
  const h = box.querySelector("h2");
  if (h) {
    document.title = h.textContent + " · Herald";
    h.setAttribute("tabindex", "-1");
    if (focusOnRender) h.focus({ preventScroll: true });
  }
  focusOnRender = true;
}

let focusOnRender = false;

// refresh shows the current route again (after a change), keeping focus where it is.
export function refresh() { focusOnRender = false; return render(); }
window.addEventListener("herald:refresh", () => refresh());

whenSignedOut((why) => {
  $("#login-error").textContent = why;
  render();
});

$("#login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  const f = new FormData(form);
  const err = $("#login-error");
  err.textContent = "";
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    await signIn(String(f.get("username")), String(f.get("password")));
    form.reset();
    await buildNav();
    focusOnRender = true;
    await render();
  } catch (e) {
    err.textContent = e.message;
    form.querySelector("[name=password]").select();
  } finally {
    button.disabled = false;
  }
});

$("#logout").addEventListener("click", async () => {
  await signOut();
  $("#login-error").textContent = "";
  render();
});

window.addEventListener("hashchange", () => { focusOnRender = true; render(); });
if (session()) buildNav();
render();
