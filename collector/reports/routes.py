"""HTTP API of the reports, served by the collector (every call needs the viewer role).

GET /api/v1/reports                                          stored reports, monthly and daily, newest first;
                                                             and today's date in the reports' zone
GET /api/v1/reports/monthly?month=2026-10&lang=zh-CN&format=pdf|html|csv
                                                             the month's report; made on demand when not stored
GET /api/v1/reports/daily?date=2026-10-05&lang=zh-CN&format=html|txt
                                                             a day's inspection report (巡检日报): the stored one,
                                                             else today's made now (date: default today)

A daily report is the state of the fleet when it is made, so only today's can be made on demand; made before
the evening run (``reports.daily_at``) it says it is an interim report. A past day has only its stored report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web

from itops.collector.reports.figures.inputs import ReportMonth, report_month
from itops.collector.reports.texts import LANGUAGES
from itops.common.clock import Clock
from itops.collector.api.access import json_error, requires
from itops.collector.api.app import ApiError, query_choice
from itops.collector.api.openapi import Field, document
from itops.collector.api.roles import Permission
from itops.collector.reports.config import MONTHLY_FORMATS, ReportsConfig
from itops.collector.reports.files import daily_report_path, monthly_report_path, stored_reports
from itops.collector.reports.render.to_file import DAILY_FORMATS, MEDIA_TYPES, render_daily, render_monthly

if TYPE_CHECKING:
    from itops.collector.reports.figures.daily_inspection import DailyInspection
    from itops.collector.reports.figures.monthly_report import MonthlyReport

__all__ = ["add_report_routes"]


def _requested_month(request: web.Request, time_zone: str, now: datetime) -> ReportMonth:
    raw = request.query.get("month")
    if not raw:
        raise ApiError("month", "the month is required, e.g. month=2026-10")
    try:
        month = report_month(raw, time_zone)
    except ValueError as exc:
        raise ApiError("month", str(exc)) from None
    if month.start > now:
        raise ApiError("month", f"{month.label} has not begun yet")
    return month


def _requested_day(request: web.Request, today: date) -> date:
    raw = request.query.get("date")
    if not raw:
        return today
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ApiError("date", f"expected YYYY-MM-DD, e.g. 2026-10-05, got {raw!r}") from None
    if day > today:
        raise ApiError("date", f"{day.isoformat()} has not begun yet (today is {today.isoformat()})")
    return day


def _file_response(content: bytes, fmt: str, filename: str, source: str) -> web.Response:
    return web.Response(body=content, headers={
        "Content-Type": MEDIA_TYPES[fmt], "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Itops-Report-Source": source})  # "stored" (the scheduled run's file) or "generated" (made now)


def add_report_routes(app: web.Application, generate_monthly: Callable[[ReportMonth], Awaitable[MonthlyReport]],
                      reports_dir: str | Path, config: ReportsConfig, clock: Clock,
                      generate_daily: Callable[[date], Awaitable[DailyInspection]] | None = None) -> None:
    """``reports_dir``: the scheduler's ``<data_dir>/reports``; ``generate_daily``: today's inspection now
    (None: daily reports are served only as stored)."""
    reports_dir = Path(reports_dir)
    time_zone = config.time_zone

    def today() -> date:
        return clock().astimezone(ZoneInfo(time_zone)).date()

    @requires(Permission.VIEW)
    async def list_reports(_request: web.Request) -> web.Response:
        return web.json_response({"reports": await asyncio.to_thread(stored_reports, reports_dir),
                                  "today": today().isoformat(), "time_zone": time_zone})

    @requires(Permission.VIEW)
    async def monthly(request: web.Request) -> web.Response:
        month = _requested_month(request, time_zone, clock())
        language = query_choice(request, "lang", LANGUAGES, "zh-CN")
        fmt = query_choice(request, "format", MONTHLY_FORMATS, "pdf")
        filename = f"itops-monthly-report-{month.label}.{language}.{fmt}"
        stored = monthly_report_path(reports_dir, month.label, language, fmt)
        if stored.is_file():
            return _file_response(await asyncio.to_thread(stored.read_bytes), fmt, filename, "stored")
        report = await generate_monthly(month)
        content = await asyncio.to_thread(render_monthly, report, language, fmt)
        return _file_response(content, fmt, filename, "generated")

    @requires(Permission.VIEW)
    async def daily(request: web.Request) -> web.Response:
        current = today()
        day = _requested_day(request, current)
        language = query_choice(request, "lang", LANGUAGES, "zh-CN")
        fmt = query_choice(request, "format", DAILY_FORMATS, "html")
        filename = f"itops-daily-report-{day.isoformat()}.{language}.{fmt}"
        stored = daily_report_path(reports_dir, day, language, fmt)
        if stored.is_file():
            return _file_response(await asyncio.to_thread(stored.read_bytes), fmt, filename, "stored")
        if day != current or generate_daily is None:
            raise json_error(web.HTTPNotFound, f"no daily report for {day.isoformat()} in {language} ({fmt}); "
                                               f"a past day's report is the one made that evening ({config.daily_at}), "
                                               "kept for reports.keep_daily days; only today's is made on demand")
        report = await generate_daily(day)
        return _file_response(await asyncio.to_thread(render_daily, report, language, fmt), fmt, filename, "generated")

    app.router.add_get("/api/v1/reports", list_reports)
    app.router.add_get("/api/v1/reports/monthly", monthly)
    app.router.add_get("/api/v1/reports/daily", daily)


_LANG = Field("lang", "Report language: zh-CN (default) or en.", enum=LANGUAGES)
document("GET", "/api/v1/reports", "Stored reports, monthly and daily, newest first, with today's date in the reports' zone",
         tag="reports")
document("GET", "/api/v1/reports/monthly", "The monthly SLA report as a file; made on demand when not stored",
         tag="reports", query=(Field("month", "Report month in the reports' zone, YYYY-MM.", required=True), _LANG,
                               Field("format", "pdf (default), html or csv.", enum=MONTHLY_FORMATS)))
document("GET", "/api/v1/reports/daily", "A daily inspection report (巡检日报) as a file: the stored one, else today's "
         "made now (interim before the evening run)", tag="reports",
         query=(Field("date", "The day in the reports' zone, YYYY-MM-DD; default today."), _LANG,
                Field("format", "html (default) or txt.", enum=DAILY_FORMATS)),
         refusals=((404, "No daily report stored for a past day"),))
