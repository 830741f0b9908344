"""Builds the alerting pipeline and its stores from the ``alerting`` config section."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from itops.alerting.alert_store import AlertStore
from itops.alerting.config import AlertingConfig
from itops.alerting.dependencies import DependencyMuter
from itops.alerting.dispatch import DispatchConfig, Dispatcher, RouteConfig
from itops.alerting.evaluator import Evaluator
from itops.alerting.maintenance_store import MaintenanceStore
from itops.alerting.muting import MuteStage
from itops.alerting.notification_log import NotificationLog
from itops.alerting.notifiers import load_notifier_class
from itops.alerting.pipeline import AlertingPipeline
from itops.alerting.rules import RuleSet
from itops.alerting.silences import SilenceStore

__all__ = ["Alerting", "build_alerting"]

log = logging.getLogger("itops.alerting")

NOBODY = "nobody"  # the receiver of a config without dispatch: alerts are listed, not sent


@dataclass
class Alerting:
    pipeline: AlertingPipeline
    rule_set: RuleSet
    silences: SilenceStore
    maintenance: MaintenanceStore
    notification_log: NotificationLog

    def reload_rules_if_changed(self) -> None:
        if self.rule_set.reload_if_changed():
            self.pipeline.evaluator.replace_rules(self.rule_set.rules)
            log.info("alert rules reloaded: %d rules", len(self.rule_set.rules))
        elif self.rule_set.last_error is not None:
            log.error("alert rules not reloaded, the last good rules stay in force: %s", self.rule_set.last_error)

    async def run(self, period_s: float) -> None:
        """The periodic pass (and rule reloads) until cancelled; deliveries run meanwhile."""
        await self.pipeline.dispatcher.start()
        try:
            while True:
                await asyncio.sleep(period_s)
                try:
                    self.reload_rules_if_changed()
                    self.pipeline.tick()
                except Exception:  # noqa: BLE001 - one bad pass must not end alerting
                    log.exception("alert evaluation pass failed")
        finally:
            await self.pipeline.dispatcher.stop()


def build_alerting(config: AlertingConfig, data_dir: str) -> Alerting:
    directory = Path(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    rule_set = RuleSet.load(config.rule_paths())
    silences = SilenceStore(directory / "silences.sqlite3")
    maintenance = MaintenanceStore(directory / "maintenance.sqlite3", config.maintenance)
    notification_log = NotificationLog(directory / "notifications.sqlite3")
    dependencies = DependencyMuter(config.dependencies)
    receivers = {name: [load_notifier_class(channel.__struct_config__.tag)(channel) for channel in channels]
                 for name, channels in config.receivers.items()}
    dispatch = config.dispatch
    if dispatch is None:
        dispatch, receivers = DispatchConfig(route=RouteConfig(receiver=NOBODY)), {**receivers, NOBODY: []}
    dispatcher = Dispatcher(dispatch, receivers, notification_log, context_extras={
        "language": config.language, "time_zone": config.time_zone, "external_url": config.external_url,
        "severity_styles": config.severity_styles()})
    pipeline = AlertingPipeline(
        Evaluator(rule_set.rules, AlertStore(directory / "alerts.sqlite3"), clock=_utc_now),
        dependencies, MuteStage([silences, maintenance, dependencies]), dispatcher)
    return Alerting(pipeline, rule_set, silences, maintenance, notification_log)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)
