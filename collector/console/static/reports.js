// Reports: the stored monthly SLA reports and daily inspection reports (巡检日报) to download, and a form
// that has the collector make any month's SLA report now.

import { get } from "./api.js";
import { field, h, replaceChildren, select } from "./dom.js";
import { LANGUAGES, LANGUAGE_NAMES, language, t } from "./i18n.js";
import { formatTime } from "./time.js";
import { dataTable, errorNotice } from "./widgets.js";

const MONTHLY_FORMATS = ["pdf", "html", "csv"];

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

function monthlyUrl(form) {
  const values = new FormData(form);
  const month = `${values.get("year")}-${values.get("month")}`;
  const query = new URLSearchParams({ month, lang: values.get("lang"), format: values.get("format") });
  return `/api/v1/reports/monthly?${query}`;
}

function makeForm() {
  const link = h("a", { class: "button primary", id: "make-report", download: "" }, t("reports.make"));
  const form = h("form", { class: "panel form", id: "monthly-form" },
    h("h2", {}, t("reports.monthly")),
    field(t("reports.month"), monthChoice()),
    field(t("reports.language"), select("lang", LANGUAGES.map((code) => [code, LANGUAGE_NAMES[code]]), language())),
    field(t("reports.format"), select("format", MONTHLY_FORMATS.map((f) => [f, f.toUpperCase()]), "pdf")),
    h("div", { class: "form-buttons" }, link));
  const update = () => { link.href = monthlyUrl(form); };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
  return form;
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
  const list = h("div", {}, h("p", { class: "empty" }, t("loading")));
  replaceChildren(view, h("h1", {}, t("nav.reports")), makeForm(), h("h2", {}, t("reports.stored")), list);
  get("/api/v1/reports")
    .then(({ reports }) => replaceChildren(list, dataTable(storedColumns(), reports, t("reports.none"))))
    .catch((error) => replaceChildren(list, errorNotice(error)));
  return () => {};
}
