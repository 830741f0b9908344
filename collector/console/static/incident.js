// One incident: every field of the fault-handling form (故障处理单), its timeline and what can be done next.

import { get } from "./api.js";
import { field, formValues, h, replaceChildren, select } from "./dom.js";
import { entityOfAsset, knownEntities, linkedTo } from "./entity_links.js";
import { language, t } from "./i18n.js";
import { HANDLE_INCIDENTS, actionButton, availableActions } from "./incident_actions.js";
import { SEVERITIES } from "./incidents.js";
import { alertRunbooks } from "./runbook.js";
import { formatTime, zonedInputToIso, zoneName } from "./time.js";
import { errorNotice, fieldRows, severityBadge, slaClock, stateBadge, tickClocks } from "./widgets.js";

const REFRESH_MS = 5000;

// Every change may be entered after it happened ("acknowledged at 03:12 by phone"): a time in the collector's zone.
const AT_FIELD = ["at", "form.at", "datetime", false];

function control(name, kind, required, incident, ctx) {
  if (kind === "datetime") return h("input", { type: "datetime-local", name, required, step: 60 });
  if (kind === "severity") return select(name, SEVERITIES.map((s) => [s, t(`severity.${s}`)]), incident.severity);
  const defaults = { assignee: incident.assignee ?? ctx.me.user, sign_off: ctx.me.display_name || ctx.me.user,
    vendor_ticket: incident.vendor_ticket ?? "" };
  if (kind === "textarea") return h("textarea", { name, required, rows: 3 });
  return h("input", { name, required, value: defaults[name] ?? "" });
}

// Asked in the page when the incident's alert still fires: resolving anyway sends `force`.
function stillFiringDialog(error, onForce, onCancel) {
  return h("div", { class: "notice warning confirm-dialog", role: "alertdialog", "data-dialog": "still-firing" },
    h("p", {}, t("incident.still_firing", { alerts: (error.body.firing ?? []).join(", ") })),
    h("div", { class: "form-buttons" },
      h("button", { type: "button", class: "primary", "data-confirm": "force", onclick: onForce }, t("action.resolve_anyway")),
      h("button", { type: "button", onclick: onCancel }, t("action.cancel"))));
}

function actionForm(action, incident, ctx, done) {
  const fields = [...action.fields, [...AT_FIELD.slice(0, 3), action.atRequired ?? false]];
  const dialog = h("div", { class: "dialog-slot" });
  const form = h("form", { class: "panel form action-form", "data-form": action.key },
    h("h2", {}, t(`action.${action.key}`)),
    fields.map(([name, label, kind, required]) => field(kind === "datetime" ? `${t(label)} · ${zoneName()}` : t(label),
      control(name, kind, required, incident, ctx))),
    dialog,
    h("div", { class: "form-buttons" },
      h("button", { type: "submit", class: "primary" }, t("action.submit")),
      h("button", { type: "button", onclick: () => done(null, true) }, t("action.cancel"))));
  async function send(values) {
    try {
      await action.call(incident, values);
      done(null, true);
    } catch (error) {
      if (error.status === 409 && error.body?.firing && !values.force) {
        replaceChildren(dialog, stillFiringDialog(error, () => send({ ...values, force: true }), () => replaceChildren(dialog)));
        return;
      }
      done(error, false);
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = Object.fromEntries(Object.entries(formValues(form)).filter(([, value]) => value !== ""));
    if (values.at) values.at = zonedInputToIso(values.at);
    send(values);
  });
  return form;
}

function actionBar(incident, ctx, openForm, done) {
  if (!ctx.may(HANDLE_INCIDENTS)) return null;
  // A one-click action also has "…at an earlier time", a form with only the time.
  const earlier = (action) => (action.fields.length ? null : h("button", {
    type: "button", class: "secondary", "data-action": `${action.key}-at`,
    onclick: () => openForm({ ...action, atRequired: true }),
  }, t("action.at_earlier")));
  const sent = (error) => done(error, !error);
  return h("div", { class: "actions" }, availableActions(incident).map((action) =>
    [actionButton(action, incident, sent, openForm), earlier(action)]));
}

function fieldList(incident, entities) {
  const time = (iso) => formatTime(iso, language());
  const rows = [
    ["incident.severity", severityBadge(incident.severity)], ["incident.state", stateBadge(incident.state)],
    ["incident.category", incident.category_name?.[language()] ?? t(`category.${incident.category}`)],
    ["incident.assets", incident.assets.length ? incident.assets.map((a) =>
      h("div", {}, linkedTo(entityOfAsset(entities, a), a.name),
        a.asset_number ? ` (${t("incident.asset_number")} ${a.asset_number})` : "")) : "—"],
    ["incident.reporter", incident.reporter], ["incident.assignee", incident.assignee ?? "—"],
    ["incident.source", t(`source.${incident.source}`)],
    ["incident.occurred_at", time(incident.occurred_at)],
    ["incident.opened_at", time(incident.opened_at)], ["incident.acknowledged_at", time(incident.acknowledged_at)],
    ["incident.resolved_at", time(incident.resolved_at)], ["incident.closed_at", time(incident.closed_at)],
    ["incident.vendor_ticket", incident.vendor_ticket ?? "—"],
    ["incident.cause", incident.cause ?? "—"], ["incident.resolution", incident.resolution ?? "—"],
    ["incident.signed_off_by", incident.signed_off_by ?? "—"], ["incident.signed_off_at", time(incident.signed_off_at)],
    ["incident.breach_reason", incident.breach_reason ?? "—"],
    ["incident.related_incident", incident.related_incident
      ? h("a", { href: `#/incidents/${encodeURIComponent(incident.related_incident)}` }, incident.related_incident) : "—"],
    ["incident.fingerprints", incident.fingerprints?.length ? incident.fingerprints.join(", ") : "—"],
  ];
  return fieldRows(rows);
}

function timelineText(entry) {
  const translate = (value) => (["transition", "opened"].includes(entry.kind) ? t(`state.${value}`) : value);
  const change = entry.from || entry.to ? `${entry.from ? translate(entry.from) : ""} → ${entry.to ? translate(entry.to) : ""}` : "";
  return [change, entry.text].filter(Boolean).join(" · ");
}

function timeline(entries) {
  return h("ol", { class: "timeline" }, (entries ?? []).map((entry) => h("li", { "data-kind": entry.kind },
    h("time", {}, formatTime(entry.at, language())), " ",
    h("strong", {}, t(`timeline.${entry.kind}`)), " ", h("span", { class: "actor" }, entry.who), " ",
    h("span", {}, timelineText(entry)),
    entry.entered_at && entry.entered_at !== entry.at ? h("span", { class: "entered" }, ` (${t("incident.entered",
      { who: entry.entered_by, at: formatTime(entry.entered_at, language()) })})`) : null)));
}

export function renderIncident(view, ctx) {
  const id = ctx.params[0];
  const notice = h("div", { class: "notices" });
  const body = h("div", { class: "incident-detail" }, h("p", { class: "empty" }, t("loading")));
  let openAction = null;
  let incident = null;
  let entities = [];  // to link the affected assets to their pages
  let runbooks = null;

  function draw() {
    const clocks = h("div", { class: "sla" }, slaClock("response", incident.sla?.response, { withDeadline: true }),
      slaClock("resolution", incident.sla?.resolution, { withDeadline: true }));
    replaceChildren(body,
      h("div", { class: "page-header" }, h("h1", {}, h("span", { class: "incident-id" }, incident.id), " ", incident.title)),
      clocks,
      openAction ? actionForm(openAction, incident, ctx, done) : actionBar(incident, ctx, (action) => {
        openAction = action;
        draw();
      }, done),
      fieldList(incident, entities),
      (runbooks ??= alertRunbooks(incident.fingerprints ?? [])),  // once: redraws keep a chosen language
      h("h2", {}, t("incident.timeline")), timeline(incident.timeline));
    tickClocks(body);
  }

  async function refresh() {
    if (openAction) return;  // never redraw under someone typing
    try {
      [incident, entities] = await Promise.all([get(`/api/v1/incidents/${encodeURIComponent(id)}`), knownEntities()]);
      draw();
    } catch (error) {
      replaceChildren(notice, errorNotice(error));
    }
  }

  async function done(error, closeForm) {
    replaceChildren(notice, error ? errorNotice(error) : null);
    if (closeForm) openAction = null;
    await refresh();
  }

  replaceChildren(view, h("p", {}, h("a", { href: "#/incidents" }, `← ${t("nav.incidents")}`)), notice, body);
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => clearInterval(timer);
}
