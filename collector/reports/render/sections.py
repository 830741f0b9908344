"""The monthly report laid out as titled tables of raw values, in the order every renderer shows them.

A renderer only decides how a value of each ``Unit`` looks: the CSV writes it unformatted (seconds, ratios
0–1, ISO times), HTML and PDF format it for people. So the three cannot disagree about what a table holds.
The CSV has every row; HTML and PDF ask for ``shortened`` tables: the longest ones cut to their most telling
rows, with a note saying how many there are in all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from itops.alerting.dispatch.messages import Language
from itops.alerting.rules.model import Severity
from itops.collector.reports.figures.monthly_report import (
    AvailabilitySummary,
    Breach,
    ClockName,
    Compliance,
    IncidentFigures,
    MonthlyReport,
    TimingRow,
)
from itops.collector.reports.texts import (
    MISSING,
    category_name,
    definitions,
    format_duration,
    format_local_time,
    format_percent,
    label,
    severity_name,
    state_name,
)

__all__ = ["AVAILABILITY_ROWS_SHOWN", "BREACH_ROWS_SHOWN", "Column", "Section", "Unit", "format_value", "report_sections"]

# text: shown as is; severity: a Severity (None = all); count, seconds, ratio (0–1), level (percent 0–100);
# availability: a ratio shown finer; time: an aware datetime; flag: a bool; number: a headline figure whose
# unit (count, seconds or ratio) is the row's "unit" cell
Unit = Literal["text", "severity", "count", "seconds", "ratio", "availability", "level", "time", "flag", "number"]


def format_value(value: object, unit: Unit, language: Language, time_zone: str) -> str:
    """How a section cell reads for people (not escaped)."""
    if unit == "severity":
        return severity_name(value, language)  # type: ignore[arg-type]
    if value is None:
        return MISSING
    if unit == "seconds":
        return format_duration(value, language)  # type: ignore[arg-type]
    if unit == "ratio":
        return format_percent(value)  # type: ignore[arg-type]
    if unit == "availability":
        return format_percent(value, digits=3)  # type: ignore[arg-type]
    if unit == "level":
        return f"{value:g}%"
    if unit == "time":
        return format_local_time(value, time_zone)  # type: ignore[arg-type]
    if unit == "flag":
        return label("yes" if value else "no", language)
    return str(value)


AVAILABILITY_ROWS_SHOWN = 20  # per kind, worst first, in shortened tables
BREACH_ROWS_SHOWN = 200  # most severe and furthest over first, in shortened tables (a page holds about 40)


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    unit: Unit


@dataclass(frozen=True, slots=True)
class Section:
    key: str  # stable across languages, e.g. "breaches" or "availability_host"
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[object, ...], ...]
    note: str | None = None


def report_sections(report: MonthlyReport, language: Language, shortened: bool = False) -> list[Section]:
    """Every section in order; ``shortened``: the breaches and the per-kind availability tables cut to
    BREACH_ROWS_SHOWN / AVAILABILITY_ROWS_SHOWN rows, each saying so in its note."""

    def col(key: str, unit: Unit) -> Column:
        return Column(label(key, language), unit)

    def section(key: str, columns: Sequence[Column], rows, title: str | None = None, note: str | None = None):
        return Section(key, title or label(key, language), tuple(columns), tuple(tuple(r) for r in rows), note)

    current, previous = report.current, report.previous
    breaches, breaches_note = current.breaches, None
    if shortened and len(breaches) > BREACH_ROWS_SHOWN:
        breaches = _worst_breaches(breaches, BREACH_ROWS_SHOWN)
        breaches_note = label("breaches_shown", language).format(count=BREACH_ROWS_SHOWN, total=len(current.breaches))
    months = [col("this_month", "count"), col("previous_month", "count")]
    sections = [
        section("headlines", [col("figure", "text"), col("unit", "text"), col("this_month", "number"),
                              col("previous_month", "number"), col("change", "number")],
                [(label(h.key, language), h.unit, h.current, h.previous, h.change) for h in report.headlines]),
        section("incidents_by_severity", [col("severity", "severity"), *months],
                [(s, current.by_severity[s], previous.by_severity[s]) for s in Severity]
                + [(None, current.total, previous.total)]),
        section("incidents_by_category", [col("category", "text"), *months],
                [(category_name(c, language), n, previous.by_category[c]) for c, n in current.by_category.items()]),
        section("timings", [col(key, unit) for key, unit in _TIMING_COLUMNS],
                [_timing_cells(row) for row in current.timings], note=label("timings_note", language)),
        section("compliance", [col("severity", "severity"), col("clock", "text"), col("met", "count"),
                               col("breached", "count"), col("pending", "count"), col("within_this_month", "ratio"),
                               col("within_previous_month", "ratio")], _compliance_rows(current, previous, language)),
        section("breaches", [col("incident", "text"), col("incident_title", "text"), col("severity", "severity"),
                             col("opened_at", "time"), col("clock", "text"), col("target", "seconds"),
                             col("actual", "seconds"), col("over_by", "seconds"), col("still_open", "flag"),
                             col("reason", "text")],
                [(b.incident_id, b.title, b.severity, b.opened_at, label(b.clock, language), b.target_s,
                  b.actual_s, b.over_s, b.still_open, b.reason) for b in breaches],
                note=breaches_note),
        section("open_at_month_end", [col("incident", "text"), col("incident_title", "text"),
                                      col("severity", "severity"), col("opened_at", "time"), col("state", "text"),
                                      col("assignee", "text"), col("sla_at_month_end", "text"),
                                      col("resolution_remaining", "seconds")],
                [(o.incident_id, o.title, o.severity, o.opened_at, state_name(o.state, language), o.assignee,
                  label("already_breached" if o.breached else "not_yet_breached", language),
                  o.resolution.remaining_s) for o in current.open_at_end]),
        section("availability", [col("kind", "text"), col("mean_availability", "availability"),
                                 col("previous_availability", "availability"),
                                 col("mean_completeness", "ratio"), col("planned_downtime", "seconds"),
                                 col("unplanned_downtime", "seconds")],
                [_summary_cells(summary, language) for summary in report.availability]),
    ]
    sections += [_availability_lines(summary, language, shortened) for summary in report.availability if summary.kind]
    sections += [
        section("noisy", [col("kind", "text"), col("name", "text"), col("alerts", "count")],
                [(label(e.kind, language), e.name, e.alerts) for e in report.noisy]),
        section("consumables", [col("device", "text"), col("supply", "text"), col("replaced_at", "time"),
                                col("level_before", "level"), col("level_after", "level")],
                [(c.device, c.supply, c.at, c.level_before, c.level_after) for c in report.consumables]),
        section("definitions", [col("figure", "text"), col("definitions", "text")],
                definitions(language)),
    ]
    return sections


_TIMING_COLUMNS: tuple[tuple[str, Unit], ...] = (
    ("severity", "severity"), ("acknowledged_count", "count"), ("mtta_sla_mean", "seconds"),
    ("mtta_sla_median", "seconds"), ("mtta_wall_mean", "seconds"), ("mtta_wall_median", "seconds"),
    ("resolved_count", "count"), ("mttr_sla_mean", "seconds"), ("mttr_sla_median", "seconds"),
    ("mttr_wall_mean", "seconds"), ("mttr_wall_median", "seconds"),
)


def _worst_breaches(breaches: Sequence[Breach], count: int) -> list[Breach]:
    ranks = {severity: rank for rank, severity in enumerate(Severity)}
    return sorted(breaches, key=lambda b: (ranks[b.severity], -b.over_s, b.incident_id, b.clock))[:count]


def _timing_cells(row: TimingRow) -> tuple[object, ...]:
    return (row.severity, row.mtta_sla.count, row.mtta_sla.mean_s, row.mtta_sla.median_s, row.mtta_wall.mean_s,
            row.mtta_wall.median_s, row.mttr_sla.count, row.mttr_sla.mean_s, row.mttr_sla.median_s,
            row.mttr_wall.mean_s, row.mttr_wall.median_s)


def _compliance_rows(current: IncidentFigures, previous: IncidentFigures, language: Language) -> list[tuple]:
    rows = []
    for now, then in zip(current.compliance, previous.compliance, strict=True):
        clocks: tuple[tuple[ClockName, Compliance, Compliance], ...] = (
            ("response", now.response, then.response), ("resolution", now.resolution, then.resolution))
        for clock, this_month, last_month in clocks:
            rows.append((now.severity, label(clock, language), this_month.met, this_month.breached,
                         this_month.pending, this_month.within_ratio, last_month.within_ratio))
    return rows


def _summary_cells(summary: AvailabilitySummary, language: Language) -> tuple[object, ...]:
    kind = label(summary.kind, language) if summary.kind else label("all", language)
    return (kind, summary.mean_availability, summary.previous_mean_availability, summary.mean_completeness,
            summary.planned_s, summary.unplanned_s)


def _availability_lines(summary: AvailabilitySummary, language: Language, shortened: bool) -> Section:
    columns = (Column(label("name", language), "text"), Column(label("asset_number", language), "text"),
               Column(label("availability", language), "availability"),
               Column(label("previous_availability", language), "availability"),
               Column(label("planned_downtime", language), "seconds"),
               Column(label("unplanned_downtime", language), "seconds"),
               Column(label("maintenance_time", language), "seconds"),
               Column(label("completeness", language), "ratio"), Column(label("period_length", language), "seconds"))
    lines, note = summary.lines, None
    if shortened and len(lines) > AVAILABILITY_ROWS_SHOWN:  # the lines are worst first
        lines, note = lines[:AVAILABILITY_ROWS_SHOWN], label("availability_worst", language).format(count=AVAILABILITY_ROWS_SHOWN)
    rows = tuple((line.row.name, line.row.asset_number, line.row.availability, line.previous, line.row.planned_s,
                  line.row.unplanned_s, line.row.maintenance_s, line.row.completeness, line.row.period_s)
                 for line in lines)
    key = f"availability_{summary.kind}"
    return Section(key, label(key, language), columns, rows, note)
