// An entity's latest data, as Zabbix shows it: every series with its newest value in its unit and how old that is,
// searchable by name and by label, each opened as a chart (/api/v1/points over the page's range).

import { get } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { chartPanel } from "./charts.js";
import { language, t } from "./i18n.js";
import { formatInUnit } from "./units.js";
import { dataTable, errorNotice } from "./widgets.js";

const STATE_UNITS = new Set(["state", "bool"]);

const labelText = (labels) => Object.entries(labels).map(([name, value]) => `${name}=${value}`).join(" ");

// A row matches when every word of the search is in its name (either language, or the metric's own), or in a label.
function matches(row, words) {
  const haystack = [row.metric, row.name["zh-CN"], row.name.en, labelText(row.labels)].join(" ").toLowerCase();
  return words.every((word) => haystack.includes(word));
}

async function seriesChart(row, range) {
  const query = range.pointsQuery();
  query.set("name", row.metric);
  for (const [name, value] of Object.entries(row.labels)) query.append("label", `${name}=${value}`);
  const answer = await get(`/api/v1/points?${query}`);
  const chart = {
    id: "latest", title: { "zh-CN": `${row.name["zh-CN"]} ${labelText(row.labels)}`, en: `${row.name.en} ${labelText(row.labels)}` },
    unit: row.unit, style: STATE_UNITS.has(row.unit) ? "state" : "line",
    series: answer.series.map((series) => ({ name: row.name, metric: series.name, labels: series.labels, points: series.points })),
    thresholds: [], forecasts: [], markers: [],
  };
  return { chart, period: answer };
}

// The tab: { element, refresh(), leave() }; `range` is the page's range picker.
export function latestDataTab(path, range) {
  let rows = [];
  let openChart = null;
  let left = false;  // the page is gone: a chart still on its way is not drawn
  const search = h("input", { type: "search", class: "latest-search", placeholder: t("latest.search"), "aria-label": t("latest.search") });
  const notice = h("div", { class: "notices" });
  const chartSlot = h("div", { class: "latest-chart" });
  const table = h("div", {}, h("p", { class: "empty" }, t("loading")));

  function closeChart() {
    openChart?.destroy();
    openChart = null;
    replaceChildren(chartSlot);
  }

  async function showChart(row) {
    try {
      const { chart, period } = await seriesChart(row, range);
      if (left) return;
      closeChart();
      const close = h("button", { type: "button", class: "link-button chart-close", onclick: closeChart }, t("latest.close"));
      openChart = chartPanel(chart, period, close);
      replaceChildren(chartSlot, openChart.element);
    } catch (error) {
      replaceChildren(notice, errorNotice(error));
    }
  }

  const columns = () => [
    { label: t("latest.name"), class: "title", cell: (row) => row.name[language()] },
    { label: t("latest.labels"), class: "labels token", cell: (row) => labelText(row.labels) },
    { label: t("latest.value"), class: "reading-value", cell: (row) => row.text[language()] },
    { label: t("latest.age"), class: "nowrap", cell: (row) => formatInUnit("seconds", row.age_s, language()) },
    { label: "", class: "row-actions",
      cell: (row) => h("button", { type: "button", "data-action": "chart", onclick: () => showChart(row) }, t("latest.chart")) },
  ];

  function draw() {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = rows.filter((row) => matches(row, words));
    replaceChildren(table, dataTable(columns(), shown, rows.length ? t("latest.no_match") : t("latest.none"),
      () => "latest-row"));
  }

  search.addEventListener("input", draw);
  return {
    element: h("div", { class: "latest-data" }, search, notice, chartSlot, table),
    async refresh() {
      try {
        rows = (await get(`${path}/series`)).series;
        replaceChildren(notice);
        draw();
      } catch (error) {
        replaceChildren(notice, errorNotice(error));
      }
    },
    leave() {
      left = true;
      closeChart();
    },
  };
}
