// Pieces every page uses: tables that turn into cards on a phone, badges, error notices, the SLA clocks.

import { h } from "./dom.js";
import { t } from "./i18n.js";
import { formatDuration } from "./time.js";

export function dataTable(columns, rows, emptyText, rowClass = () => "") {
  if (rows.length === 0) return h("p", { class: "empty" }, emptyText);
  return h("table", { class: "cards" },
    h("thead", {}, h("tr", {}, columns.map((column) => h("th", { scope: "col" }, column.label)))),
    h("tbody", {}, rows.map((row) => h("tr", { class: rowClass(row) },
      columns.map((column) => h("td", { "data-label": column.label, class: column.class }, column.cell(row)))))));
}

export function badge(kind, value, text) {
  return h("span", { class: `badge ${kind}-${value}` }, text);
}

export const severityBadge = (severity) => badge("severity", severity, t(`severity.${severity}`));
export const stateBadge = (state) => badge("state", state, t(`state.${state}`));
export const statusBadge = (status) => badge("status", status, t(`status.${status}`));

export function errorNotice(error) {
  const text = error.status === 403 ? `${t("error.forbidden")}: ${error.message}` : `${t("error.generic")}: ${error.message}`;
  return h("p", { class: "notice error", role: "alert" }, text);
}

// A clock element keeps what the server said in data attributes; tickClocks() redraws them all every second
// from the deadline, so the countdown moves between refreshes without asking the server.
export function slaClock(kind, clock) {
  if (!clock) return null;
  return h("span", {
    class: "sla-clock",
    dataset: { kind, state: clock.state, deadline: clock.deadline ?? "", remaining: clock.remaining_s },
  });
}

export function tickClocks(root = document) {
  for (const element of root.querySelectorAll(".sla-clock")) drawClock(element);
}

function drawClock(element) {
  const { kind, state, deadline } = element.dataset;
  const remaining = state === "running" && deadline
    ? (Date.parse(deadline) - Date.now()) / 1000 : Number(element.dataset.remaining);
  const label = t(`sla.${kind}`);
  let text;
  let look;
  if (state === "met" || state === "breached") {
    [text, look] = [`${label} ${t(`sla.${state}`)}`, state];
  } else if (state === "paused") {
    [text, look] = [`${label} ${t("sla.paused")} · ${formatDuration(remaining, t("day"))}`, "paused"];
  } else if (remaining >= 0) {
    [text, look] = [`${label} ${t("sla.left")} ${formatDuration(remaining, t("day"))}`, "running"];
  } else {
    [text, look] = [`${label} ${t("sla.over")} ${formatDuration(remaining, t("day"))}`, "over"];
  }
  element.textContent = text;
  element.className = `sla-clock sla-${look}`;
}
