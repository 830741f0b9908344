// One host's or device's page (#/entities/<kind>/<key>): who and what it is, its state, what is wrong with it now,
// and tabs with its charts over a chosen range, its latest data and, for a host, its hardware.

import { ApiError, get } from "./api.js";
import { chartPanel } from "./charts.js";
import { h, replaceChildren } from "./dom.js";
import { metricText } from "./hosts.js";
import { language, t } from "./i18n.js";
import { hardwareSection } from "./inventory.js";
import { latestDataTab } from "./latest_data.js";
import { rangePicker } from "./range_picker.js";
import { formatTime } from "./time.js";
import { formatInUnit } from "./units.js";
import { dataTable, errorNotice, fieldRows, severityBadge, stateBadge, statusBadge } from "./widgets.js";

const REFRESH_MS = 30000;
// Where a page opens: a host's hour shows what it does now, a printer's toner and a backup's age move over days.
const FIRST_RANGE = { printer: "7d", backup: "7d" };

const time = (iso) => formatTime(iso, language());

function identity(page) {
  const { entity, agent } = page;
  const asset = entity.asset ?? {};
  const rows = [
    ["entity.kind", t(`kind.${entity.kind}`)], ["entity.status", statusBadge(entity.status)],
    ["entity.agent", h("span", { class: "token" }, entity.agent || "—")],
  ];
  if (entity.kind === "host" && agent) {
    rows.push(["entity.agent_version", agent.agent_version || "—"], ["entity.os", agent.os || "—"],
      ["entity.ip_addresses", h("span", { class: "token" }, agent.ip_addresses.join(", ") || "—")],
      ["entity.boot_time", agent.boot_time_ms ? time(new Date(agent.boot_time_ms).toISOString()) : "—"]);
  }
  rows.push(["entity.asset_number", asset.asset_number || "—"], ["entity.department", asset.department || "—"],
    ["entity.location", asset.location || "—"], ["entity.responsible_person", asset.responsible_person || "—"],
    ["entity.last_seen", time(entity.last_seen)]);
  return fieldRows(rows);
}

function alertsTable(alerts) {
  return dataTable([
    { label: t("incident.severity"), cell: (a) => severityBadge(a.severity) },
    { label: t("alert.summary"), class: "title",
      cell: (a) => h("a", { href: `#/alerts/${encodeURIComponent(a.fingerprint)}` }, a.summary[language()] || a.rule) },
    { label: t("alert.value"), class: "reading-value", cell: (a) => a.value_text?.[language()] ?? "—" },
    { label: t("alert.since"), cell: (a) => time(a.firing_since) },
  ], alerts, t("entity.no_alerts"), () => "entity-alert");
}

function incidentsTable(incidents) {
  return dataTable([
    { label: t("incident.id"), class: "id", cell: (i) => h("a", { href: `#/incidents/${encodeURIComponent(i.id)}` }, i.id) },
    { label: t("incident.title"), class: "title", cell: (i) => i.title },
    { label: t("incident.severity"), cell: (i) => severityBadge(i.severity) },
    { label: t("incident.state"), cell: (i) => stateBadge(i.state) },
    { label: t("incident.opened_at"), cell: (i) => time(i.opened_at) },
  ], incidents, t("entity.no_incidents"), () => "entity-incident");
}

function checksTable(checks) {
  return dataTable([
    { label: t("entity.status"), cell: (c) => statusBadge(c.status) },
    { label: t("entity.check"), class: "title", cell: (c) => c.check },
    { label: t("entity.target"), class: "token", cell: (c) => c.target || "—" },
    { label: t("entity.message"), cell: (c) => c.messages?.[language()] || c.message || "—" },
    { label: t("entity.checked_at"), cell: (c) => time(c.at) },
  ], checks, t("entity.no_checks"), (c) => `entity-check status-row-${c.status}`);
}

function overview(page) {
  const readings = page.entity.metrics ?? [];
  return [
    identity(page),
    h("h2", {}, t("entity.readings")),
    readings.length ? h("div", { class: "panel readings" }, readings.map(metricText)) : h("p", { class: "empty" }, "—"),
    h("h2", {}, t("entity.alerts")), alertsTable(page.alerts),
    h("h2", {}, t("entity.incidents")), incidentsTable(page.incidents),
    h("h2", {}, t("entity.checks")), checksTable(page.entity.checks ?? []),
  ];
}

// The charts tab: the range picker and a grid of the charts the collector has data for in that range.
function chartsTab(path, range) {
  const grid = h("div", { class: "charts" });
  const notice = h("div", { class: "notices" });
  const stamp = h("p", { class: "stamp chart-step" });
  let shown = [];
  let asked = 0;  // a slower answer to an earlier range, or one coming after the page left, is dropped

  function clear() {
    shown.forEach((chart) => chart.destroy());
    shown = [];
  }

  async function refresh() {
    const ask = ++asked;
    try {
      const answer = await get(`${path}/charts?${range.chartsQuery()}`);
      if (ask !== asked) return;
      clear();
      shown = answer.charts.map((chart) => chartPanel(chart, answer));
      replaceChildren(notice);
      stamp.textContent = t("chart.step", { step: formatInUnit("seconds", answer.step_ms / 1000, language()) });
      replaceChildren(grid, shown.length ? shown.map((chart) => chart.element) : h("p", { class: "empty" }, t("chart.none")));
    } catch (error) {
      if (ask === asked) replaceChildren(notice, errorNotice(error));
    }
  }
  function leave() {
    asked += 1;
    clear();
  }
  return { element: h("div", {}, range.element, stamp, notice, grid), refresh, leave };
}

function tabBar(names, show) {
  return h("div", { class: "tabs", role: "tablist" }, names.map((name) =>
    h("button", { type: "button", role: "tab", "data-tab": name, onclick: () => show(name) }, t(`entity.tab.${name}`))));
}

export function renderEntity(view, ctx) {
  const [kind, key] = ctx.params;
  const path = `/api/v1/entities/${encodeURIComponent(kind)}/${encodeURIComponent(key)}`;
  const notice = h("div", { class: "notices" });
  const title = h("h1", {}, key);
  const head = h("div", { class: "entity-overview" }, h("p", { class: "empty" }, t("loading")));
  const hardware = h("div", {});
  const range = rangePicker(FIRST_RANGE[kind] ?? "1h", () => charts.refresh());
  const charts = chartsTab(path, range);
  const latest = latestDataTab(path, range);
  const tabs = { charts, latest, ...(kind === "host" ? { hardware: { element: hardware, refresh() {} } } : {}) };
  const panels = Object.fromEntries(Object.entries(tabs).map(([name, tab]) =>
    [name, h("section", { role: "tabpanel", "data-panel": name }, tab.element)]));
  let current = "charts";

  function show(name) {
    current = name;
    for (const button of bar.querySelectorAll("[role=tab]")) button.setAttribute("aria-selected", String(button.dataset.tab === name));
    for (const [panelName, panel] of Object.entries(panels)) panel.hidden = panelName !== name;
    tabs[name].refresh();
  }
  const bar = tabBar(Object.keys(tabs), show);

  async function refreshPage() {
    try {
      const page = await get(path);
      title.textContent = page.entity.name;
      replaceChildren(head, overview(page));
      if (kind === "host") replaceChildren(hardware, hardwareSection(page.inventory));
      replaceChildren(notice);
    } catch (error) {
      replaceChildren(notice, error instanceof ApiError && error.status === 404
        ? h("p", { class: "notice error" }, t("entity.not_found")) : errorNotice(error));
    }
  }

  replaceChildren(view, h("p", {}, h("a", { href: "#/hosts" }, `← ${t("nav.hosts")}`)),
    h("div", { class: "page-header" }, title), notice, head, bar, Object.values(panels));
  refreshPage();
  show(current);
  const timer = setInterval(() => {
    refreshPage();
    if (current !== "charts" || range.live()) tabs[current].refresh();
  }, REFRESH_MS);
  return () => {
    clearInterval(timer);
    charts.leave();
    latest.leave();
  };
}
