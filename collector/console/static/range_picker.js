// The time range of an entity's charts: the last hour, 6 hours, day, week or 30 days, or a start and end typed in
// the collector's zone.

import { field, formValues, h } from "./dom.js";
import { t } from "./i18n.js";
import { zonedInputToIso, zonedInputValue, zoneName } from "./time.js";

const PRESETS_MS = { "1h": 3600000, "6h": 21600000, "24h": 86400000, "7d": 604800000, "30d": 2592000000 };

// `onChange` is called after every choice; the chosen range is read with chartsQuery() and pointsQuery().
export function rangePicker(initial, onChange) {
  let chosen = { range: initial };
  const form = h("form", { class: "custom-range", hidden: true },
    field(`${t("range.start")} · ${zoneName()}`, h("input", { type: "datetime-local", name: "start", required: true, step: 60 })),
    field(`${t("range.end")} · ${zoneName()}`, h("input", { type: "datetime-local", name: "end", required: true, step: 60 })),
    h("button", { type: "submit", class: "primary" }, t("range.show")));
  const buttons = [...Object.keys(PRESETS_MS), "custom"].map((range) => h("button", {
    type: "button", "data-range": range, onclick: () => (range === "custom" ? openForm() : choose({ range })),
  }, t(`range.${range}`)));

  function mark() {
    const shown = chosen.range ?? "custom";
    for (const button of buttons) button.setAttribute("aria-pressed", String(button.dataset.range === shown));
  }

  function choose(next) {
    chosen = next;
    form.hidden = !chosen.start;
    mark();
    onChange();
  }

  function openForm() {
    if (!form.hidden) return;  // open already: what is typed stays
    const end = Date.now();
    form.elements.start.value = zonedInputValue(end - (PRESETS_MS[chosen.range] ?? PRESETS_MS["24h"]));
    form.elements.end.value = zonedInputValue(end);
    form.hidden = false;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const { start, end } = formValues(form);
    choose({ start: zonedInputToIso(start), end: zonedInputToIso(end) });
  });
  mark();
  return {
    element: h("div", { class: "range-picker" },
      h("div", { class: "range-buttons", role: "group", "aria-label": t("range.label") }, buttons), form),
    live: () => Boolean(chosen.range),  // a range ending now moves on; a typed one does not
    chartsQuery: () => new URLSearchParams(chosen.range ? { range: chosen.range } : { start: chosen.start, end: chosen.end }),
    pointsQuery: () => new URLSearchParams(chosen.range ? { since: chosen.range } : { start: chosen.start, end: chosen.end }),
  };
}
