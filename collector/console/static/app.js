// The console's entry point: who is logged in, the top bar, and a router on location.hash.

import { renderAlert, renderAlerts, renderSilences } from "./alerts.js";
import { ApiError, clearSession, currentSession, get, post, saveSession } from "./api.js";
import { field, formValues, h, replaceChildren } from "./dom.js";
import { renderEntity } from "./entity.js";
import { renderHosts } from "./hosts.js";
import { LANGUAGES, LANGUAGE_NAMES, chooseLanguage, language, switchLanguage, t } from "./i18n.js";
import { renderIncident } from "./incident.js";
import { renderIncidentList, renderReportForm } from "./incidents.js";
import { renderReports } from "./reports.js";
import { renderRunbook } from "./runbook.js";
import { setZone } from "./time.js";
import { tickClocks } from "./widgets.js";

const NAV = [["#/incidents", "nav.incidents"], ["#/hosts", "nav.hosts"], ["#/alerts", "nav.alerts"], ["#/silences", "nav.silences"],
  ["#/reports", "nav.reports"]];
const ROUTES = [
  [/^#\/incidents\/([^/?]+)$/, renderIncident],
  [/^#\/incidents(\?.*)?$/, renderIncidentList],
  [/^#\/report$/, renderReportForm],
  [/^#\/hosts$/, renderHosts],
  [/^#\/entities\/([^/?]+)\/([^/?]+)$/, renderEntity],
  [/^#\/alerts$/, renderAlerts],
  [/^#\/alerts\/([^/?]+)$/, renderAlert],
  [/^#\/runbooks\/([^/?]+)(?:\?language=([\w-]+))?$/, renderRunbook],
  [/^#\/silences$/, renderSilences],
  [/^#\/reports$/, renderReports],
];

const view = document.getElementById("view");
let leavePage = () => {};

function languageChoice() {
  return h("select", { id: "language", class: "language", "aria-label": "Language / 语言", onchange: (event) => {
    switchLanguage(event.target.value);
    route();
  } }, LANGUAGES.map((code) => h("option", { value: code, selected: code === language() }, LANGUAGE_NAMES[code])));
}

function renderLogin() {
  const message = h("p", { class: "notice error login-error", role: "alert", hidden: true });
  const form = h("form", { class: "panel form login" },
    h("h1", {}, t("login.title")), message,
    field(t("login.username"), h("input", { name: "username", autocomplete: "username", required: true, autofocus: true })),
    field(t("login.password"), h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    h("div", { class: "form-buttons" }, h("button", { type: "submit", class: "primary" }, t("login.submit")),
      languageChoice()));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const me = await post("/api/v1/login", formValues(form));
      saveSession(me);
      chooseLanguage(me.language);
      location.hash = "#/incidents";
    } catch (error) {
      message.textContent = error instanceof ApiError && error.status === 401 ? t("login.failed") : `${t("error.generic")}: ${error.message}`;
      message.hidden = false;
    }
  });
  replaceChildren(view, form);
  return () => {};
}

function drawTopBar(me) {
  const bar = document.getElementById("topbar");
  bar.hidden = !me;
  replaceChildren(document.getElementById("language-slot"), me ? languageChoice() : null);  // one #language at a time
  if (!me) return;
  const here = location.hash.split("/").slice(0, 2).join("/");
  replaceChildren(document.getElementById("nav"), NAV.map(([href, key]) =>
    h("a", { href, class: here === href ? "active" : "" }, t(key))));
  document.getElementById("who-name").textContent = me.display_name || me.user;
  const role = document.getElementById("who-role");
  role.textContent = t(`role.${me.role}`);
  role.dataset.role = me.role;
  document.getElementById("logout").textContent = t("logout");
}

function route() {
  leavePage();
  leavePage = () => {};
  const me = currentSession();
  const hash = location.hash || "#/incidents";
  if (!me && hash !== "#/login") {
    location.hash = "#/login";
    return;
  }
  if (me && hash === "#/login") {
    location.hash = "#/incidents";
    return;
  }
  drawTopBar(me);
  if (!me) {
    leavePage = renderLogin();
    return;
  }
  const match = ROUTES.map(([pattern, render]) => [hash.match(pattern), render]).find(([found]) => found);
  if (!match) {
    location.hash = "#/incidents";
    return;
  }
  const [found, render] = match;
  const params = found.slice(1).map((part) => part && decodeURIComponent(part));
  // What the user may do is the server's word (the permissions of its role), never worked out here.
  const ctx = { me, may: (permission) => me.permissions.includes(permission), params };
  leavePage = render(view, ctx) ?? (() => {});
}

async function loadCollectorZone() {
  try {
    setZone((await get("/api/v1/health")).time_zone);
  } catch {
    // an older collector does not say; Asia/Shanghai stays
  }
}

async function loadSession() {
  try {
    saveSession(await get("/api/v1/me"));
  } catch {
    clearSession();
  }
}

function wireTopBar() {
  document.getElementById("logout").addEventListener("click", async () => {
    await post("/api/v1/logout").catch(() => {});
    clearSession();
    location.hash = "#/login";
  });
}

async function start() {
  chooseLanguage(currentSession()?.language);
  wireTopBar();
  await Promise.all([loadCollectorZone(), loadSession()]);
  chooseLanguage(currentSession()?.language);
  window.addEventListener("hashchange", route);
  window.addEventListener("itops:logged-out", () => {
    location.hash = "#/login";
  });
  setInterval(() => tickClocks(view), 1000);
  route();
}

start();
