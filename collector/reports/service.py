"""The collector's reports wired together: where their data comes from, when they are made, where they are
written and the routes serving them.

Reports need incident records, so they exist only with an ``alerting.incidents`` section.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

from itops.alerting.assembly import Alerting
from itops.collector.records.agent_register import AgentRegister
from itops.collector.records.coverage import CoverageLedger
from itops.collector.records.entity_directory import EntityDirectory
from itops.collector.reports.config import ReportsConfig
from itops.collector.reports.figures.daily_inspection import DailyInspection
from itops.collector.reports.figures.inputs import ReportMonth
from itops.collector.reports.figures.monthly_report import (
    MonthlyReport,
    build_monthly_report,
)
from itops.collector.reports.files import write_daily_report
from itops.collector.reports.routes import add_report_routes
from itops.collector.reports.schedule import ReportScheduler, evening_run_time
from itops.collector.reports.sources.daily_inputs import gather_daily_inspection
from itops.collector.reports.sources.monthly_inputs import gather_monthly_inputs
from itops.collector.storage.base import StorageBackend
from itops.common.clock import Clock, epoch_seconds

__all__ = ["Reporting"]


class Reporting:
    def __init__(self, config: ReportsConfig, data_dir: str, alerting: Alerting, coverage: CoverageLedger,
                 storage: StorageBackend, state: AgentRegister, entities: EntityDirectory, clock: Clock):
        self.config = config
        self._clock = clock
        self.reports_dir = Path(data_dir) / "reports"
        self._alerting = alerting
        self._coverage = coverage
        self._storage = storage
        self._state = state
        self._entities = entities
        self.scheduler = ReportScheduler(config, data_dir, self.monthly_report, daily=self.daily_report, clock=clock)

    async def monthly_report(self, month: ReportMonth) -> MonthlyReport:
        alerting = self._alerting
        inputs = await gather_monthly_inputs(
            month, incidents=alerting.incidents, sla=alerting.sla, maintenance=alerting.maintenance,
            history=alerting.history, coverage=self._coverage, storage=self._storage, state=self._state,
            availability_alerts=self.config.availability_alerts, now=self._clock())
        return await asyncio.to_thread(build_monthly_report, inputs)

    async def daily_inspection(self, day: date) -> DailyInspection:
        """``day``'s inspection as things stand now (interim before the day's evening run)."""
        zone = ZoneInfo(self.config.time_zone)
        start = datetime.combine(day, time(0), zone).astimezone(UTC)
        maintenance = await asyncio.to_thread(self._alerting.maintenance.windows_between, start - timedelta(days=31),
                                              start + timedelta(days=1))
        return await gather_daily_inspection(
            day, directory=self._entities, storage=self._storage, incidents=self._alerting.incidents,
            sla=self._alerting.sla, time_zone=self.config.time_zone, maintenance=maintenance,
            evening_at=evening_run_time(day, self.config), clock=epoch_seconds(self._clock))

    async def daily_report(self, day: date) -> list[Path]:
        """Write ``day``'s report in every configured language (the scheduler's evening run)."""
        return await write_daily_report(await self.daily_inspection(day), self.reports_dir, self.config.languages)

    def add_routes(self, app: web.Application) -> None:
        add_report_routes(app, self.monthly_report, self.reports_dir, self.config, self._clock,
                          generate_daily=self.daily_inspection)
