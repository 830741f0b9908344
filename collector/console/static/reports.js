// Reports: the stored monthly SLA reports and daily inspection reports (巡检日报) to download, a form that
// has the collector make any month's SLA report now, and one that fetches a day's inspection report (today's
// is made on demand; before the evening run it says it is interim).

import { get } from "./api.js";
import { field, h, replaceChildren, select } from "./dom.js";
import { LANGUAGES, LANGUAGE_NAMES, language, t } from "./i18n.js";
import { formatTime } from "./time.js";
import { dataTable, errorNotice } from "./widgets.js";

const MONTHLY_FORMATS = ["pdf", "html", "csv"];
const DAILY_FORMATS = ["html", "txt"];

const YEARS_SHOWN = 6;

function previousMonth() {
  const now = new Date();
  const first = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  return { year: first.getFullYear(), month: first.getMonth() + 1 };
}

// A year and a month select in the console's language (an <input type=month> speaks the browser's).
function monthChoice() {
  const shown = previousMonth();
  const thisYear = new Date().getFullYear();
  const years = Array.from({ length: YEARS_SHOWN }, (_, back) => String(thisYear - back));
  const monthName = new Intl.DateTimeFormat(language(), { month: "long", timeZone: "UTC" });
  const months = Array.from({ length: 12 }, (_, index) =>
    [String(index + 1).padStart(2, "0"), monthName.format(new Date(Date.UTC(2000, index, 1)))]);
  return h("div", { class: "month-choice" },
    select("year", years.map((year) => [year, year]), String(shown.year), { "aria-label": t("reports.year") }),
    select("month", months, String(shown.month).padStart(2, "0"), { "aria-label": t("reports.month") }));
}

// The report's period as the API takes it: the month from its two selects, the day from its input.
function periodValue(period, values) {
  return period === "month" ? `${values.get("year")}-${values.get("month")}` : values.get(period);
}

function reportUrl(kind, period, form) {
  const values = new FormData(form);
  const query = new URLSearchParams({ [period]: periodValue(period, values), lang: values.get("lang"), format: values.get("format") });
  return `/api/v1/reports/${kind}?${query}`;
}

// A form whose button is a link to the report it describes, kept up to date as the fields change.
function reportForm({ id, buttonId, kind, period, title, periodControl, formats, buttonText }) {
  const link = h("a", { class: "button primary", id: buttonId, download: "" }, buttonText);
  const form = h("form", { class: "panel form", id },
    h("h2", {}, title),
    field(t(`reports.${period}`), periodControl),
    field(t("reports.language"), select("lang", LANGUAGES.map((code) => [code, LANGUAGE_NAMES[code]]), language())),
    field(t("reports.format"), select("format", formats.map((f) => [f, f.toUpperCase()]), formats[0])),
    h("div", { class: "form-buttons" }, link));
  const update = () => { link.href = reportUrl(kind, period, form); };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
  return form;
}

function monthlyForm() {
  return reportForm({
    id: "monthly-form", buttonId: "make-report", kind: "monthly", period: "month", title: t("reports.monthly"),
    periodControl: monthChoice(),
    formats: MONTHLY_FORMATS, buttonText: t("reports.make"),
  });
}

// `today` is the collector's, in the reports' zone: the browser's clock and zone may differ.
function dailyForm(today) {
  return reportForm({
    id: "daily-form", buttonId: "make-daily-report", kind: "daily", period: "date", title: t("reports.daily"),
    periodControl: h("input", { name: "date", type: "date", value: today, max: today, required: true }),
    formats: DAILY_FORMATS, buttonText: t("reports.make_daily"),
  });
}

function storedColumns() {
  return [
    { label: t("reports.kind"), cell: (r) => t(`reports.kind.${r.kind}`) },
    { label: t("reports.period"), class: "title", cell: (r) => r.period },
    { label: t("reports.language"), cell: (r) => LANGUAGE_NAMES[r.language] ?? r.language },
    { label: t("reports.format"), cell: (r) => r.format.toUpperCase() },
    { label: t("reports.written"), cell: (r) => formatTime(r.written_at, language()) },
    { label: "", cell: (r) => h("a", { href: r.url, download: "", class: "button" }, t("reports.download")) },
  ];
}

export function renderReports(view) {
  const daily = h("div", {});
  const list = h("div", {}, h("p", { class: "empty" }, t("loading")));
  replaceChildren(view, h("h1", {}, t("nav.reports")), monthlyForm(), daily, h("h2", {}, t("reports.stored")), list);
  get("/api/v1/reports")
    .then(({ reports, today }) => {
      replaceChildren(daily, dailyForm(today));
      replaceChildren(list, dataTable(storedColumns(), reports, t("reports.none")));
    })
    .catch((error) => replaceChildren(list, errorNotice(error)));
  return () => {};
}
