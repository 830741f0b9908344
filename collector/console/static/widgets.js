// Pieces every page uses: tables that turn into cards on a phone, badges, error notices, the SLA clocks.

import { h } from "./dom.js";
import { language, t } from "./i18n.js";
import { formatDuration, formatTime } from "./time.js";

export function dataTable(columns, rows, emptyText, rowClass = () => "") {
  if (rows.length === 0) return h("p", { class: "empty" }, emptyText);
  return h("table", { class: "cards" },
    h("thead", {}, h("tr", {}, columns.map((column) => h("th", { scope: "col" }, column.label)))),
    h("tbody", {}, rows.map((row) => h("tr", { class: rowClass(row) },
      columns.map((column) => h("td", { "data-label": column.label, class: column.class }, cellContent(column.cell(row))))))));
}

// A cell's content sits in one box that may shrink below its longest word (a card's row is a flex line), so
// a word too long for a phone wraps inside the box instead of widening the page; an empty cell stays empty.
function cellContent(content) {
  const parts = [content].flat(Infinity).filter((part) => part !== null && part !== undefined && part !== false && part !== "");
  return parts.length ? h("div", { class: "cell" }, parts) : null;
}

// A record's fields as label/value rows: [[label key, value], …]; `data-field` is the key's last part.
export function fieldRows(rows) {
  return h("dl", { class: "fields" }, rows.map(([label, value]) =>
    h("div", { class: "field-row", "data-field": label.split(".")[1] }, h("dt", {}, t(label)), h("dd", {}, value))));
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

// A clock element keeps what the server said in data attributes; tickClocks() redraws them all every second.
// The time left is the server's, less the time since it said so while the clock is counting: a business-hours
// clock stands still out of hours and in maintenance, and the browser's own clock may be off.
export function slaClock(kind, clock, { withDeadline = false } = {}) {
  if (!clock) return null;
  return h("span", {
    class: "sla-clock",
    dataset: {
      kind, state: clock.state, remaining: clock.remaining_s, counting: String(Boolean(clock.counting)),
      fetched: Date.now(), deadline: withDeadline && clock.deadline ? clock.deadline : "",
    },
  });
}

export function tickClocks(root = document) {
  for (const element of root.querySelectorAll(".sla-clock")) drawClock(element);
}

function drawClock(element) {
  const { kind, state, counting, deadline } = element.dataset;
  const ticked = counting === "true" ? (Date.now() - Number(element.dataset.fetched)) / 1000 : 0;
  const remaining = Number(element.dataset.remaining) - ticked;
  const label = t(`sla.${kind}`);
  let text;
  let look;
  if (state === "met" || state === "breached") {
    [text, look] = [`${label} ${t(`sla.${state}`)}`, state];
  } else if (state === "paused") {
    [text, look] = [`${label} ${t("sla.paused")} · ${formatDuration(remaining, t("day"))}`, "paused"];
  } else {
    const [word, over] = remaining >= 0 ? ["sla.left", false] : ["sla.over", true];
    text = `${label} ${t(word)} ${formatDuration(remaining, t("day"))}`;
    if (counting !== "true") text += ` · ${t("sla.off_the_clock")}`;
    if (deadline) text += ` · ${t("sla.due")} ${formatTime(deadline, language())}`;
    look = over ? "over" : "running";
  }
  element.textContent = text;
  element.className = `sla-clock sla-${look}`;
}
