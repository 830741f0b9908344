"""Producing reports on a schedule: the monthly SLA report on the 1st, the daily inspection report each evening.

The scheduler writes the monthly report in every configured language and format and mails it; the daily
generator writes its own files, and the scheduler deletes those older than ``keep_daily`` (where the files are:
``files``). A run the collector missed (it was down at the time) is made up at start-up: the files of the
latest month due, and of the latest evening due, are looked for and made when absent.

The run times are APScheduler cron triggers, but the jobs are timed by the clock the scheduler is given
(APScheduler's own scheduler reads the real clock): with a fake clock the runs happen at its times.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from itops.alerting.incidents.sla_calendar import time_of_day
from itops.collector.reports.config import ReportsConfig
from itops.collector.reports.figures.inputs import ReportMonth, report_month
from itops.collector.reports.files import (
    daily_report_path, monthly_report_path, prune_daily_reports, write_atomically,
)
from itops.collector.reports.mail import ReportAttachment, send_report_mail
from itops.collector.reports.render.to_file import DAILY_FORMATS, MEDIA_TYPES, render_monthly
from itops.collector.reports.texts import label
from itops.common.clock import Clock, utc_now
from itops.common.units import Language

if TYPE_CHECKING:
    from itops.collector.reports.figures.monthly_report import MonthlyReport

__all__ = ["ReportScheduler", "evening_run_time"]

log = logging.getLogger("itops.collector.reports")

MISFIRE_GRACE_S = 6 * 3600  # a run delayed by a busy loop or a suspended VM still happens within this
CLOCK_CHECK_S = 60.0  # a long wait is cut into these, so a step of the wall clock or a resumed VM is noticed


def evening_run_time(day: date, config: ReportsConfig) -> datetime:
    """When the scheduled daily report of ``day`` is made: ``daily_at`` that local day, in UTC."""
    local = datetime.combine(day, time_of_day(config.daily_at, "daily_at"), ZoneInfo(config.time_zone))
    return local.astimezone(UTC)


class CronJob:
    """One job run at its trigger's times by ``clock``, one run at a time, on the running event loop.

    A run more than ``MISFIRE_GRACE_S`` late is skipped; several runs missed at once make one (coalesced).
    """

    def __init__(self, name: str, trigger: CronTrigger, run: Callable[[], Awaitable[object]], clock: Clock, *,
                 run_now: bool = False):
        self.name = name
        self._trigger = trigger
        self._run = run
        self._clock = clock
        self.next_run: datetime | None = clock() if run_now else trigger.get_next_fire_time(None, clock())
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run_on_schedule(), name=self.name)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run_on_schedule(self) -> None:
        while self.next_run is not None:
            await self._sleep_until(self.next_run)
            late_s = (self._clock() - self.next_run).total_seconds()
            if late_s <= MISFIRE_GRACE_S:
                await self._run_once()
            else:
                log.warning("%s due at %s skipped: %.0f s late", self.name, self.next_run.isoformat(), late_s)
            after = max(self._clock(), self.next_run + timedelta(microseconds=1))  # never the same time twice
            self.next_run = self._trigger.get_next_fire_time(None, after)

    async def _sleep_until(self, when: datetime) -> None:
        while (left_s := (when - self._clock()).total_seconds()) > 0:
            await asyncio.sleep(min(left_s, CLOCK_CHECK_S))

    async def _run_once(self) -> None:
        try:
            await self._run()
        except Exception:  # noqa: BLE001 - the next run must still happen
            log.exception("%s failed", self.name)


class ReportScheduler:
    """Runs the report jobs on the collector's event loop; ``start()`` inside the loop, ``stop()`` on shutdown."""

    def __init__(self, config: ReportsConfig, data_dir: str | Path,
                 monthly: Callable[[ReportMonth], Awaitable[MonthlyReport]],
                 daily: Callable[[date], Awaitable[object]] | None = None,
                 clock: Clock = utc_now):
        self.config = config
        self.reports_dir = Path(data_dir) / "reports"
        self.zone = ZoneInfo(config.time_zone)
        self._monthly = monthly
        self._daily = daily
        self._clock = clock
        self._jobs: list[CronJob] = []

    def start(self) -> None:
        if not self.config.enabled:
            return
        monthly_at = time_of_day(self.config.monthly_at, "monthly_at")
        due = self.due_month(self._clock())
        missed = not self.has_monthly(due)
        self._jobs = [CronJob("monthly_report", CronTrigger(day=1, hour=monthly_at.hour, minute=monthly_at.minute,
                                                            timezone=self.zone), self.run_due_month, self._clock,
                              run_now=missed)]
        if missed:
            log.info("monthly report for %s is missing: making it now", due.label)
        if self._daily is not None:
            self._jobs.append(self._daily_job())
        for job in self._jobs:
            job.start()

    def _daily_job(self) -> CronJob:
        daily_at = time_of_day(self.config.daily_at, "daily_at")
        due = self.due_day(self._clock())
        missed = not self.has_daily(due)
        if missed:
            log.info("daily report for %s is missing: making it now", due.isoformat())
        return CronJob("daily_report", CronTrigger(hour=daily_at.hour, minute=daily_at.minute, timezone=self.zone),
                       self.run_due_day, self._clock, run_now=missed)

    def stop(self) -> None:
        for job in self._jobs:
            job.stop()

    def next_run_times(self) -> dict[str, datetime]:
        """Job name (``monthly_report``, ``daily_report``) → when it runs next; empty when not started."""
        return {job.name: job.next_run for job in self._jobs if job.next_run is not None}

    def due_month(self, now: datetime) -> ReportMonth:
        """The latest month whose report time (the next 1st at ``monthly_at``) has passed at ``now``."""
        local = now.astimezone(self.zone)
        run_time = time_of_day(self.config.monthly_at, "monthly_at")
        this_month = report_month(f"{local.year:04d}-{local.month:02d}", self.config.time_zone)
        due = this_month.previous()
        return due.previous() if local.day == 1 and local.time() < run_time else due

    def has_monthly(self, month: ReportMonth) -> bool:
        return all(monthly_report_path(self.reports_dir, month.label, language, fmt).is_file()
                   for language in self.config.languages for fmt in self.config.formats)

    async def run_due_month(self) -> list[Path]:
        return await self.run_monthly(self.due_month(self._clock()))

    async def run_monthly(self, month: ReportMonth) -> list[Path]:
        """Make ``month``'s report in every configured language and format, write it, then mail it."""
        report = await self._monthly(month)
        written: list[Path] = []
        for language in self.config.languages:
            files = {fmt: await asyncio.to_thread(render_monthly, report, language, fmt) for fmt in self.config.formats}
            for fmt, content in files.items():
                path = monthly_report_path(self.reports_dir, month.label, language, fmt)
                await asyncio.to_thread(write_atomically, path, content)
                written.append(path)
            if self.config.email is not None:
                await self._mail(month, language, files)
        log.info("monthly report for %s written: %s", month.label, ", ".join(p.name for p in written))
        return written

    async def _mail(self, month: ReportMonth, language: Language, files: dict[str, bytes]) -> None:
        attach = [fmt for fmt in files if fmt != "html"] or list(files)  # HTML only when nothing else was made
        attachments = [ReportAttachment(f"itops-{month.label}.{language}.{fmt}", files[fmt], MEDIA_TYPES[fmt].split(";")[0])
                       for fmt in attach]
        subject = f"{label('title', language)} {month.label}"
        body = (f"{label('title', language)}\n{label('period', language)}: {month.label}\n"
                f"{label('time_zone', language)}: {self.config.time_zone}\n")
        try:
            await send_report_mail(self.config.email, subject, body, attachments)
        except Exception:  # noqa: BLE001 - the files are written; a mail failure must not lose them
            log.exception("mailing the %s monthly report (%s) failed", month.label, language)

    def due_day(self, now: datetime) -> date:
        """The latest local day whose evening run (``daily_at``) has passed at ``now``."""
        today = now.astimezone(self.zone).date()
        return today if now >= evening_run_time(today, self.config) else today - timedelta(days=1)

    def has_daily(self, day: date) -> bool:
        return all(daily_report_path(self.reports_dir, day, language, fmt).is_file()
                   for language in self.config.languages for fmt in DAILY_FORMATS)

    async def run_due_day(self) -> None:
        await self.run_daily(self.due_day(self._clock()))

    async def run_daily(self, day: date) -> None:
        if self._daily is None:
            return
        await self._daily(day)
        removed = await asyncio.to_thread(prune_daily_reports, self.reports_dir,
                                          day - timedelta(days=self.config.keep_daily))
        if removed:
            log.info("removed %d daily reports from before %s", removed, day - timedelta(days=self.config.keep_daily))
