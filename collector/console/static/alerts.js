// Active alerts (and why they are muted), one alert with its runbook, and silences: list, add, expire.

import { del, get, post } from "./api.js";
import { field, formValues, h, replaceChildren } from "./dom.js";
import { linkedTo } from "./entity_links.js";
import { language, t } from "./i18n.js";
import { alertRunbooks, breakable, runbookLink, runbookSection } from "./runbook.js";
import { formatTime } from "./time.js";
import { badge, dataTable, errorNotice, fieldRows, severityBadge } from "./widgets.js";

const REFRESH_MS = 5000;
const SILENCE_ALERTS = "silence_alerts";  // the permission to add and expire silences (see /api/v1/me)

// The rule's value as the collector writes it in its unit (check and offline rules have none).
function valueText(alert) {
  return alert.value_texts?.[language()] ?? (alert.value === null || alert.value === undefined ? "—" : String(alert.value));
}

function annotation(alert, key) {
  const localized = language() === "zh-CN" ? alert.annotations[`${key}_zh`] : null;
  return localized || alert.annotations[key] || alert.annotations[`${key}_zh`] || "";
}

// Why an alert is muted, in the reader's language; a reason without a key (an older collector) as sent.
function mutedText(reason) {
  if (!reason.key) return reason.text;
  const args = reason.key === "maintenance" ? { ...reason.args, until: formatTime(reason.args.until, language()) } : reason.args;
  return t(`muted.${reason.key}`, args);
}

function mutedReasons(alert) {
  const reasons = alert.muted ?? alert.muted_by.map((text) => ({ text }));
  return reasons.length ? reasons.map((reason) => h("div", { class: "muted" }, mutedText(reason))) : "—";
}

// The alert's labels; the value naming the host or device it is about (its `entity`) links to that one's page.
function labelList(alert) {
  const shown = Object.entries(alert.labels).filter(([name]) => name !== "alertname" && name !== "severity");
  const naming = alert.entity ? shown.find(([, value]) => value === alert.entity.name)?.[0] : undefined;
  return shown.length ? shown.flatMap(([name, value], index) =>
    [index ? " " : "", `${name}=`, name === naming ? linkedTo(alert.entity, value) : value]) : null;
}

const alertHref = (alert) => `#/alerts/${encodeURIComponent(alert.fingerprint)}`;

// The runbook shipped with the rule (a console page), else the rule's own runbook_url when it is a web address.
function runbookCell(alert) {
  if (alert.annotations.runbook) return runbookLink(alert.annotations.runbook);
  const url = alert.annotations.runbook_url;
  return /^https?:\/\//.test(url ?? "") ? h("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, url) : "—";
}

function alertColumns() {
  return [
    { label: t("incident.severity"), cell: (a) => severityBadge(a.severity) },
    { label: t("alert.state"), cell: (a) => badge("alert", a.state, t(`alert.${a.state}`)) },
    { label: t("alert.rule"), class: "title", cell: (a) => h("a", { href: alertHref(a) }, breakable(a.rule)) },
    { label: t("alert.value"), class: "reading-value", cell: valueText },
    { label: t("alert.summary"), cell: (a) => annotation(a, "summary") },
    { label: t("alert.description"), class: "description", cell: (a) => annotation(a, "description") },
    { label: t("alert.runbook"), class: "runbook-cell", cell: runbookCell },
    { label: t("alert.labels"), class: "labels token", cell: labelList },
    { label: t("alert.since"), cell: (a) => formatTime(a.firing_since ?? a.pending_since, language()) },
    { label: t("alert.muted_by"), cell: mutedReasons },
  ];
}

function refreshing(view, title, load, extra = null) {
  const notice = h("div", { class: "notices" });
  const list = h("div", {}, h("p", { class: "empty" }, t("loading")));
  async function refresh(actionError = null) {
    try {
      const content = await load(refresh);
      replaceChildren(notice, actionError ? errorNotice(actionError) : null);
      replaceChildren(list, content);
    } catch (error) {
      replaceChildren(notice, errorNotice(error));
    }
  }
  replaceChildren(view, h("h1", {}, title), notice, extra?.(refresh), list);
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => clearInterval(timer);
}

export function renderAlerts(view) {
  return refreshing(view, t("nav.alerts"), async () => {
    const { alerts } = await get("/api/v1/alerts");
    return dataTable(alertColumns(), alerts, t("alert.none"), (a) => `alert alert-row-${a.state}`);
  });
}

function alertFields(alert) {
  const rows = [
    ["incident.severity", severityBadge(alert.severity)], ["alert.state", badge("alert", alert.state, t(`alert.${alert.state}`))],
    ["alert.rule", alert.rule], ["alert.summary", annotation(alert, "summary")],
    ["alert.description", annotation(alert, "description")], ["alert.labels", labelList(alert)],
    ["alert.since", formatTime(alert.firing_since ?? alert.pending_since, language())], ["alert.runbook", runbookCell(alert)],
  ];
  return fieldRows(rows.map(([label, value]) => [label, value || "—"]));
}

// One alert, from a notification's link: what it says and its runbook. Not refreshed, so the runbook being
// read does not jump. A resolved alert is forgotten after a while: the page says so and still shows its runbook.
export function renderAlert(view, ctx) {
  const [fingerprint] = ctx.params;
  const body = h("div", { class: "alert-detail" }, h("p", { class: "empty" }, t("loading")));
  replaceChildren(view, h("p", {}, h("a", { href: "#/alerts" }, `← ${t("nav.alerts")}`)), body);
  get("/api/v1/alerts").then(({ alerts }) => {
    const alert = alerts.find((a) => a.fingerprint === fingerprint);
    if (!alert) return replaceChildren(body, h("p", { class: "notice" }, t("alert.gone")), alertRunbooks([fingerprint]));
    return replaceChildren(body, h("h1", {}, annotation(alert, "summary") || alert.rule), alertFields(alert),
      alert.annotations.runbook ? runbookSection(alert.annotations.runbook) : null);
  }, (error) => replaceChildren(body, errorNotice(error)));
}

function silenceColumns(ctx, refresh) {
  const expire = (silence) => h("button", { type: "button", "data-action": "expire", onclick: async () => {
    try {
      await del(`/api/v1/silences/${encodeURIComponent(silence.id)}`);
      await refresh();
    } catch (error) {
      await refresh(error);
    }
  } }, t("silence.expire"));
  return [
    { label: t("silence.matchers"), class: "title", cell: (s) => s.matchers.join(", ") },
    { label: t("silence.starts_at"), cell: (s) => formatTime(s.starts_at, language()) },
    { label: t("silence.ends_at"), cell: (s) => formatTime(s.ends_at, language()) },
    { label: t("silence.created_by"), cell: (s) => s.created_by },
    { label: t("silence.comment"), cell: (s) => s.comment },
    { label: "", class: "row-actions", cell: (s) => (ctx.may(SILENCE_ALERTS) ? expire(s) : null) },
  ];
}

function silenceForm(refresh) {
  const form = h("form", { class: "panel form silence-form" },
    h("h2", {}, t("silence.add")),
    field(t("silence.matchers"), h("textarea", { name: "matchers", rows: 2, required: true, placeholder: t("silence.matchers_help") })),
    field(t("silence.duration"), h("input", { name: "duration", value: "2h", required: true })),
    field(t("silence.comment"), h("input", { name: "comment", required: true })),
    h("div", { class: "form-buttons" }, h("button", { type: "submit", class: "primary" }, t("action.submit"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues(form);
    const matchers = values.matchers.split("\n").map((line) => line.trim()).filter(Boolean);
    try {
      await post("/api/v1/silences", { matchers, duration: values.duration, comment: values.comment });
      form.reset();
      await refresh();
    } catch (error) {
      await refresh(error);
    }
  });
  return form;
}

export function renderSilences(view, ctx) {
  return refreshing(view, t("nav.silences"), async (refresh) => {
    const { silences } = await get("/api/v1/silences");
    return dataTable(silenceColumns(ctx, refresh), silences, t("silence.none"));
  }, ctx.may(SILENCE_ALERTS) ? silenceForm : null);
}
