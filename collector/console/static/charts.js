// One chart of the collector's chart data, drawn by uPlot (uPlot.esm.js, vendored): a line per series, the alert
// rules' thresholds as dashed lines in their severity's colour, a forecast as the dashed continuation of its series,
// markers (a supply replaced) as vertical lines, and values written in the chart's unit on the axis and in the legend.

import uPlot from "./uPlot.esm.js";
import { h } from "./dom.js";
import { language, t } from "./i18n.js";
import { formatTime, zoneName } from "./time.js";
import { formatInUnit } from "./units.js";

const HEIGHT_PX = 220;
const DAY_MS = 86400000;
const FONT = "12px system-ui, sans-serif";
const COLOURS = ["#0b5cad", "#d86a00", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41", "#5c6bc0", "#9e9d24", "#ad1457"];
const SEVERITY_COLOURS = { P1: "#c62828", P2: "#d86a00", P3: "#a07800", P4: "#6b7680" };
const SHARE_UNITS = new Set(["ratio", "humidity_ratio", "state", "bool"]);
const LEVEL_UNITS = new Set(["celsius", "volts", "hertz", "amperes"]);

// Every chart on the page by id, so what was drawn can be read back (the browser tests compare plot.data with
// what the collector stored): id → uPlot instance.
const drawnCharts = (window.__itopsCharts ??= new Map());

const colourOf = (index) => COLOURS[index % COLOURS.length];

// A series read less often than the grid's step has empty steps between its readings: those are joined
// (undefined, which uPlot draws across), and only a silence longer than twice its usual interval stays a gap (null).
function joinReadings(values) {
  const present = values.flatMap((value, index) => (value === null ? [] : [index]));
  const intervals = present.slice(1).map((index, n) => index - present[n]).sort((a, b) => a - b);
  const usual = intervals[Math.floor(intervals.length / 2)] ?? 1;
  const joined = [...values];
  present.slice(1).forEach((index, n) => {
    if (index - present[n] <= 2 * usual) joined.fill(undefined, present[n] + 1, index);
  });
  return joined;
}

// uPlot's aligned data: one x array (ms) for the series' grid and the forecasts' points, one y array per line.
function plotData(chart) {
  const grid = chart.series[0]?.points.map(([at]) => at) ?? [];
  const lines = chart.series.map((series) => joinReadings(series.points.map(([, value]) => value)));
  const forecasts = chart.forecasts.map((forecast) => [forecast.points.map(([at]) => at), forecast.points.map(([, v]) => v)]);
  return uPlot.join([[grid, ...lines], ...forecasts]);
}

// A reading with no line to either side (its neighbours are gaps) is drawn as a dot, where uPlot draws only lines.
function loneReadings(plot, index, showingAll) {
  if (showingAll) return null;
  const values = plot.data[index];
  const gap = (at) => at < 0 || at >= values.length || values[at] === null;
  return values.flatMap((value, at) => (value !== null && value !== undefined && gap(at - 1) && gap(at + 1) ? [at] : []));
}

function seriesOptions(chart, lang) {
  const value = (_plot, v) => (v === null || v === undefined ? "—" : formatInUnit(chart.unit, v, lang));
  const paths = { state: uPlot.paths.stepped({ align: 1 }), bars: uPlot.paths.bars({ size: [0.6, 48] }) }[chart.style];
  const lines = chart.series.map((series, index) => ({
    label: series.name[lang], stroke: colourOf(index), width: 1.5, value, paths,
    points: chart.style === "bars" ? { show: false } : { filter: loneReadings },
    fill: chart.style === "bars" || (chart.style === "state" && chart.series.length === 1) ? `${colourOf(index)}40` : undefined,
    metric: series.metric, labels: series.labels, role: "data",
  }));
  const forecasts = chart.forecasts.map((forecast) => ({
    label: `${chart.series[forecast.series].name[lang]} · ${t("chart.forecast")}`, stroke: colourOf(forecast.series),
    width: 1.5, dash: [6, 4], value, points: { show: false }, role: "forecast",
  }));
  const time = { label: t("chart.time"), value: (_plot, at) => (at === null ? "—" : formatTime(new Date(at).toISOString(), lang)) };
  return [time, ...lines, ...forecasts];
}

// The range shown: the chart's period, widened to the forecasts (at most half a period ahead) and, for bars, by
// half a bar either side so the first and last bars are whole.
function xRange(chart, period, xs) {
  const span = period.end_ms - period.start_ms;
  const ahead = Math.max(period.end_ms, ...chart.forecasts.map((f) => f.points[f.points.length - 1][0]));
  let [low, high] = [Math.min(period.start_ms, xs[0] ?? period.start_ms), Math.min(ahead, period.end_ms + span / 2)];
  if (chart.style === "bars") {
    const half = (xs.length > 1 ? xs[1] - xs[0] : DAY_MS) / 2;
    [low, high] = [low - half, Math.max(high, xs[xs.length - 1] + half)];
  }
  return [low, high];
}

// The values' range, widened to the thresholds so a rule's line is always in sight: a share runs 0 to 100 % (and
// a state 0 to 1), a level (a temperature, a voltage) is read around where it is, anything else from zero.
function yRange(chart) {
  return (_plot, low, high) => {
    const values = [low, high, ...chart.thresholds.map((threshold) => threshold.value)].filter((v) => v !== null && Number.isFinite(v));
    if (SHARE_UNITS.has(chart.unit)) return [Math.min(0, ...values), Math.max(1, ...values)];
    if (!LEVEL_UNITS.has(chart.unit)) values.push(0);
    if (values.length === 0) return [0, 1];
    const [min, max] = [Math.min(...values), Math.max(...values)];
    const pad = (max - min) * 0.05 || 1;
    return [min === 0 ? 0 : min - pad, max + pad];
  };
}

const measure = document.createElement("canvas").getContext("2d");

function axisWidth(_plot, values) {
  measure.font = FONT;
  return Math.ceil(Math.max(24, ...(values ?? []).map((text) => measure.measureText(text).width))) + 14;
}

// Ticks in the collector's zone: hours and minutes, the day where a day starts or when ticks are days apart.
function timeTicks(lang) {
  const clock = new Intl.DateTimeFormat(lang, { timeZone: zoneName(), hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const day = new Intl.DateTimeFormat(lang, { timeZone: zoneName(), month: "2-digit", day: "2-digit" });
  return (_plot, splits, _axis, _space, increment) => splits.map((at) => {
    const time = clock.format(at);
    return increment >= DAY_MS || time === "00:00" ? day.format(at) : time;
  });
}

// A line on the plot (canvas pixels) with a short text by it; `dash` in CSS pixels, [] for a solid line.
function drawAnnotation(ctx, { colour, dash, from, to, text, at, textAlign, textBaseline }) {
  const ratio = devicePixelRatio;
  ctx.save();
  Object.assign(ctx, { strokeStyle: colour, fillStyle: colour, lineWidth: ratio, font: `${11 * ratio}px system-ui, sans-serif`,
    textAlign, textBaseline });
  ctx.setLineDash(dash.map((length) => length * ratio));  // a dashed forecast may have left its dash behind
  ctx.beginPath();
  ctx.moveTo(...from);
  ctx.lineTo(...to);
  ctx.stroke();
  ctx.fillText(text, ...at);
  ctx.restore();
}

function drawThresholds(plot, chart, lang) {
  const { bbox } = plot;
  const right = bbox.left + bbox.width;
  for (const threshold of chart.thresholds) {
    const y = Math.round(plot.valToPos(threshold.value, "y", true));
    if (y < bbox.top || y > bbox.top + bbox.height) continue;
    drawAnnotation(plot.ctx, {
      colour: SEVERITY_COLOURS[threshold.severity] ?? SEVERITY_COLOURS.P4, dash: [6, 4], from: [bbox.left, y], to: [right, y],
      text: `${threshold.rule} ${threshold.op} ${formatInUnit(chart.unit, threshold.value, lang)}`,
      at: [right - 4 * devicePixelRatio, y - 2 * devicePixelRatio], textAlign: "right", textBaseline: "bottom",
    });
  }
}

function drawMarkers(plot, chart, lang) {
  const { bbox } = plot;
  for (const marker of chart.markers) {
    const x = Math.round(plot.valToPos(marker.at_ms, "x", true));
    if (x < bbox.left || x > bbox.left + bbox.width) continue;
    drawAnnotation(plot.ctx, {
      colour: colourOf(marker.series), dash: [], from: [x, bbox.top], to: [x, bbox.top + bbox.height], text: marker.text[lang],
      at: [x + 3 * devicePixelRatio, bbox.top + 2 * devicePixelRatio], textAlign: "left", textBaseline: "top",
    });
  }
}

// What the lines cannot say: when a forecast gets there, when a supply was replaced.
function notes(chart, lang) {
  const name = (index) => chart.series[index].name[lang];
  const items = [
    ...chart.forecasts.map((f) => h("li", { "data-note": "forecast" }, `${name(f.series)}: ${f.text[lang]}`,
      f.reaches_at_ms ? ` (${formatTime(new Date(f.reaches_at_ms).toISOString(), lang)})` : "")),
    ...chart.markers.map((m) => h("li", { "data-note": "marker" },
      `${name(m.series)}: ${m.text[lang]} ${formatTime(new Date(m.at_ms).toISOString(), lang)}`)),
  ];
  return items.length ? h("ul", { class: "chart-notes" }, items) : null;
}

function plotOptions(chart, period, data, width) {
  const lang = language();
  return {
    width, height: HEIGHT_PX, ms: 1,
    tzDate: (at) => uPlot.tzDate(new Date(at), zoneName()),
    series: seriesOptions(chart, lang),
    scales: { x: { time: true, range: () => xRange(chart, period, data[0]) }, y: { range: yRange(chart) } },
    axes: [
      { font: FONT, values: timeTicks(lang), space: 60 },
      { font: FONT, values: (_plot, ticks) => ticks.map((v) => formatInUnit(chart.unit, v, lang)), size: axisWidth },
    ],
    hooks: { draw: [(plot) => drawThresholds(plot, chart, lang), (plot) => drawMarkers(plot, chart, lang)] },
  };
}

// A chart's panel, `data-chart` its id; destroy() when the page leaves. The plot follows its box's width (one
// chart per row on a phone, two on a wider screen: the page's grid decides).
export function chartPanel(chart, period, extra = null) {
  const box = h("div", { class: "chart-plot" });
  const data = plotData(chart);
  const plot = new uPlot(plotOptions(chart, period, data, 600), data, box);
  drawnCharts.set(chart.id, plot);
  const resize = new ResizeObserver(() => {
    if (box.clientWidth > 0) plot.setSize({ width: box.clientWidth, height: HEIGHT_PX });
  });
  resize.observe(box);
  const element = h("section", { class: "chart", "data-chart": chart.id, "data-style": chart.style },
    h("h3", {}, chart.title[language()], extra), box, notes(chart, language()));
  const destroy = () => {
    resize.disconnect();
    plot.destroy();
    if (drawnCharts.get(chart.id) === plot) drawnCharts.delete(chart.id);
  };
  return { element, destroy };
}
