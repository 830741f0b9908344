// The incident list (filters, live SLA countdowns, refreshed every 5 s) and the "Report an incident" form.

import { get, post } from "./api.js";
import { field, formValues, h, replaceChildren, select } from "./dom.js";
import { language, t } from "./i18n.js";
import { ACKNOWLEDGE, HANDLE_INCIDENTS, actionButton, availableActions } from "./incident_actions.js";
import { formatTime, zonedInputToIso, zoneName } from "./time.js";
import { dataTable, errorNotice, severityBadge, slaClock, stateBadge, tickClocks } from "./widgets.js";

export const STATES = ["open", "acknowledged", "in_progress", "waiting_for_vendor", "resolved", "closed"];
export const SEVERITIES = ["P1", "P2", "P3", "P4"];
export const CATEGORIES = ["environment", "hardware", "network", "base_software", "application"];
const REFRESH_MS = 5000;
const FILTER_KEY = "itops.incident-filter";

function loadFilter() {
  try {
    return JSON.parse(sessionStorage.getItem(FILTER_KEY)) ?? { open: "1" };
  } catch {
    return { open: "1" };
  }
}

function choices(prefix, values) {
  return [["", t("filter.any")], ...values.map((value) => [value, t(`${prefix}.${value}`)])];
}

function filterForm(filter, onChange) {
  const form = h("form", { class: "filters" },
    field(t("filter.state"), select("state", choices("state", STATES), filter.state ?? "")),
    field(t("filter.severity"), select("severity", choices("severity", SEVERITIES), filter.severity ?? "")),
    field(t("filter.category"), select("category", choices("category", CATEGORIES), filter.category ?? "")),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "open", value: "1", checked: filter.open === "1" }),
      t("filter.open")));
  form.addEventListener("change", () => onChange(formValues(form)));
  form.addEventListener("submit", (event) => event.preventDefault());
  return form;
}

function incidentColumns(ctx, refresh) {
  const acknowledge = (i) => (ctx.may(HANDLE_INCIDENTS) && availableActions(i).includes(ACKNOWLEDGE)
    ? actionButton(ACKNOWLEDGE, i, refresh) : null);
  return [
    { label: t("incident.id"), class: "id token", cell: (i) => h("a", { href: `#/incidents/${encodeURIComponent(i.id)}` }, i.id) },
    { label: t("incident.title"), class: "title", cell: (i) => i.title },
    { label: t("incident.severity"), cell: (i) => severityBadge(i.severity) },
    { label: t("incident.state"), cell: (i) => stateBadge(i.state) },
    { label: t("incident.category"), class: "nowrap", cell: (i) => i.category_name?.[language()] ?? t(`category.${i.category}`) },
    { label: t("incident.assignee"), class: "nowrap", cell: (i) => i.assignee ?? "—" },
    { label: t("incident.opened_at"), cell: (i) => formatTime(i.opened_at, language()) },
    { label: "SLA", class: "sla", cell: (i) => h("div", { class: "sla" }, slaClock("response", i.sla?.response), slaClock("resolution", i.sla?.resolution)) },
    { label: "", class: "row-actions", cell: acknowledge },
  ];
}

export function renderIncidentList(view, ctx) {
  let filter = loadFilter();
  const notice = h("div", { class: "notices" });
  const list = h("div", { class: "incident-list" }, h("p", { class: "empty" }, t("loading")));
  const stamp = h("p", { class: "stamp" });

  async function refresh(actionError = null) {
    const query = new URLSearchParams(Object.entries(filter).filter(([, value]) => value));
    try {
      const { incidents, total } = await get(`/api/v1/incidents?${query}`);
      replaceChildren(notice, actionError ? errorNotice(actionError) : null);
      const table = dataTable(incidentColumns(ctx, refresh), incidents, t("incident.none"),
        (i) => `incident state-row-${i.state}`);
      const count = new Intl.NumberFormat(language());
      const shown = total > incidents.length
        ? h("p", { class: "notice shown-count" }, t("incident.shown", { shown: count.format(incidents.length), total: count.format(total) }))
        : null;
      replaceChildren(list, shown, table);
      stamp.textContent = `${t("updated")} ${formatTime(new Date().toISOString(), language())}`;
      tickClocks(list);
    } catch (error) {
      replaceChildren(notice, errorNotice(error));
    }
  }

  const form = filterForm(filter, (values) => {
    filter = values;
    sessionStorage.setItem(FILTER_KEY, JSON.stringify(filter));
    refresh();
  });
  const header = h("div", { class: "page-header" }, h("h1", {}, t("nav.incidents")),
    ctx.may(HANDLE_INCIDENTS) ? h("a", { class: "button", href: "#/report" }, t("nav.report")) : null);
  replaceChildren(view, header, form, notice, list, stamp);
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => clearInterval(timer);
}

function parseAssets(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const [name, assetNumber] = line.split("/").map((part) => part.trim());
    return { name, asset_number: assetNumber || null };
  });
}

export function renderReportForm(view, ctx) {
  const notice = h("div", { class: "notices" });
  const form = h("form", { class: "panel form report-form" },
    field(t("incident.title"), h("input", { name: "title", required: true, maxlength: 500 })),
    field(t("incident.severity"), select("severity", SEVERITIES.map((s) => [s, t(`severity.${s}`)]), "P3")),
    field(t("incident.category"), select("category", CATEGORIES.map((c) => [c, t(`category.${c}`)]), "hardware")),
    field(t("incident.assets"), h("textarea", { name: "assets", rows: 3, placeholder: t("form.assets_help") })),
    field(t("incident.assignee"), h("input", { name: "assignee", value: ctx.me.user })),
    field(t("incident.description"), h("textarea", { name: "description", rows: 4 })),
    field(`${t("incident.opened_at")} · ${zoneName()}`, h("input", { type: "datetime-local", name: "reported_at", step: 60 })),
    field(`${t("incident.occurred_at")} · ${zoneName()}`, h("input", { type: "datetime-local", name: "occurred_at", step: 60 })),
    h("div", { class: "form-buttons" }, h("button", { type: "submit", class: "primary" }, t("action.create"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues(form);
    const body = { title: values.title, severity: values.severity, category: values.category,
      assets: parseAssets(values.assets), assignee: values.assignee || null, description: values.description || null,
      reported_at: values.reported_at ? zonedInputToIso(values.reported_at) : null,
      occurred_at: values.occurred_at ? zonedInputToIso(values.occurred_at) : null };
    try {
      const created = await post("/api/v1/incidents", body);
      location.hash = `#/incidents/${encodeURIComponent(created.id)}`;
    } catch (error) {
      replaceChildren(notice, errorNotice(error));
    }
  });
  replaceChildren(view, h("h1", {}, t("nav.report")), notice, form);
  return () => {};
}
