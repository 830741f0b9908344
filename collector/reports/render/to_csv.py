"""The monthly report as CSV for spreadsheets: one block per section, each with one header row, a blank line
between blocks. UTF-8 with a byte-order mark, which Excel needs to read Chinese correctly.

Numbers are unformatted (seconds, ratios 0–1, percent levels 0–100); times are ISO 8601 in the report's
zone with their offset. Every row starts with its section's title, so a filter on the first column picks one.
"""

from __future__ import annotations

import csv
import enum
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from itops.alerting.dispatch.messages import Language
from itops.collector.reports.figures.monthly_report import MonthlyReport
from itops.collector.reports.render.sections import Column, Section, Unit, report_sections
from itops.collector.reports.texts import label

__all__ = ["BOM", "render_csv"]

BOM = "\ufeff"


def render_csv(report: MonthlyReport, language: Language) -> str:
    zone = ZoneInfo(report.time_zone)
    out = io.StringIO()
    writer = csv.writer(out)
    for index, section in enumerate([_about(report, language), *report_sections(report, language)]):
        if index:
            writer.writerow([])
        writer.writerow([label("section", language), *(_header(column, language) for column in section.columns)])
        for row in section.rows:
            writer.writerow([section.title, *(_cell(value, column.unit, zone, language)
                                              for value, column in zip(row, section.columns, strict=True))])
    return BOM + out.getvalue()


def _about(report: MonthlyReport, language: Language) -> Section:
    rows = (("period", report.month.label), ("period_start", report.month.start),
            ("period_end", report.month.end), ("time_zone", report.time_zone), ("generated_at", report.generated_at))
    return Section("report", label("title", language),
                   (Column(label("figure", language), "text"), Column(label("value", language), "text")),
                   tuple((label(key, language), value) for key, value in rows))


def _header(column: Column, language: Language) -> str:
    """Raw numbers need their unit in the header: seconds, or a ratio from 0 to 1."""
    if column.unit == "seconds":
        return column.title + label("suffix_seconds", language)
    if column.unit in ("ratio", "availability"):
        return column.title + label("suffix_ratio", language)
    return column.title


def _cell(value: object, unit: Unit, zone: ZoneInfo, language: Language) -> object:
    if value is None:
        return label("all", language) if unit == "severity" else ""
    if isinstance(value, bool):
        return label("yes" if value else "no", language)
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value
