"""A report as the bytes of one of its files: the monthly report as PDF, HTML or CSV, the daily report as HTML
or text."""

from __future__ import annotations

from itops.collector.reports.config import MonthlyFormat
from itops.collector.reports.figures.daily_inspection import DailyInspection
from itops.collector.reports.figures.monthly_report import MonthlyReport
from itops.collector.reports.render.daily_to_html_and_text import render_daily_html, render_daily_text
from itops.collector.reports.render.to_csv import render_csv
from itops.collector.reports.render.to_html import render_html
from itops.collector.reports.render.to_pdf import render_pdf
from itops.common.units import Language

__all__ = ["DAILY_FORMATS", "MEDIA_TYPES", "render_daily", "render_monthly"]

DAILY_FORMATS = ("html", "txt")
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8",
               "txt": "text/plain; charset=utf-8"}


def render_monthly(report: MonthlyReport, language: Language, fmt: MonthlyFormat) -> bytes:
    if fmt == "pdf":
        return render_pdf(report, language)
    rendered = render_html(report, language) if fmt == "html" else render_csv(report, language)
    return rendered.encode("utf-8")


def render_daily(report: DailyInspection, language: Language, fmt: str) -> bytes:
    """``fmt``: html or txt."""
    rendered = render_daily_html(report, language) if fmt == "html" else render_daily_text(report, language)
    return rendered.encode("utf-8")
