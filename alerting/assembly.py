"""Builds the alerting pipeline and its stores from the ``alerting`` config section."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry

from itops.alerting.rules.alert_history import AlertHistory
from itops.alerting.rules.alert_store import AlertStore
from itops.alerting.config import AlertingConfig, check_alerting
from itops.alerting.muting.dependencies import DependencyMuter
from itops.alerting.dispatch.config import DispatchConfig, RouteConfig
from itops.alerting.dispatch.dispatcher import Dispatcher
from itops.alerting.dispatch.notification_metrics import NotificationMetrics
from itops.alerting.rules.evaluation_metrics import EvaluationMetrics
from itops.alerting.rules.evaluator import Evaluator
from itops.alerting.incidents.escalation import Escalator
from itops.alerting.incidents.oncall import OnCall
from itops.alerting.incidents.policy import IncidentStage
from itops.alerting.incidents.sla import SlaPolicy
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.muting.maintenance_store import MaintenanceStore
from itops.alerting.rules.model import AlertState
from itops.alerting.muting.matchers import MuteStage
from itops.alerting.dispatch.notification_log import NotificationLog
from itops.alerting.notifiers import NOTIFIERS
from itops.alerting.pipeline import AlertingPipeline
from itops.alerting.rules.loader import RuleSet
from itops.alerting.muting.silences import SilenceStore
from itops.common.clock import Clock

__all__ = ["Alerting", "build_alerting"]

log = logging.getLogger("itops.alerting")

NOBODY = "nobody"  # the receiver of a config without dispatch: alerts are listed, not sent
INCIDENTS_SQLITE = "incidents.sqlite3"


@dataclass
class Alerting:
    pipeline: AlertingPipeline
    rule_set: RuleSet
    silences: SilenceStore
    maintenance: MaintenanceStore
    notification_log: NotificationLog
    history: AlertHistory
    clock: Clock  # the one wall clock of the evaluator, muting, incidents, escalation and the notification log
    incidents: IncidentStore | None = None  # these five are None without `alerting.incidents`
    sla: SlaPolicy | None = None
    oncall: OnCall | None = None
    incident_stage: IncidentStage | None = None
    escalation: Escalator | None = None

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
                await self.run_once()
        finally:
            await self.pipeline.dispatcher.stop()
            if self.incidents is not None:
                self.incidents.dispose()

    async def run_once(self) -> None:
        """One periodic pass at ``clock()``: reload changed rules, the time-based conditions, escalation."""
        try:
            self.reload_rules_if_changed()
            self.pipeline.tick()
        except Exception:  # noqa: BLE001 - one bad pass must not end alerting
            log.exception("alert evaluation pass failed")
        await self._escalate()

    async def _escalate(self) -> None:
        if self.escalation is None:
            return
        try:
            await self.escalation.tick(self.clock())
        except Exception:  # noqa: BLE001 - a database hiccup must not end alerting; the next pass retries
            log.exception("incident escalation pass failed")


def build_alerting(config: AlertingConfig, data_dir: str, clock: Clock,
                   registry: CollectorRegistry | None = None) -> Alerting:
    """``registry``: where evaluation and notification metrics are registered (the collector's, which it exports
    and stores); a private one when None."""
    registry = registry if registry is not None else CollectorRegistry()
    notification_metrics = NotificationMetrics(registry)
    directory = Path(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    check_alerting(config)
    rule_set = RuleSet.load(config.rule_paths())
    silences = SilenceStore(directory / "silences.sqlite3")
    maintenance = MaintenanceStore(directory / "maintenance.sqlite3", config.maintenance)
    notification_log = NotificationLog(directory / "notifications.sqlite3")
    dependencies = DependencyMuter(config.dependencies)
    receivers = {name: [NOTIFIERS.implementation_class(channel.__struct_config__.tag)(channel) for channel in channels]
                 for name, channels in config.receivers.items()}
    dispatch = config.dispatch
    if dispatch is None:
        dispatch, receivers = DispatchConfig(route=RouteConfig(receiver=NOBODY)), {**receivers, NOBODY: []}
    context_extras = {"language": config.language, "time_zone": config.time_zone,
                      "external_url": config.external_url, "severity_styles": config.severity_styles()}
    dispatcher = Dispatcher(dispatch, receivers, notification_log, context_extras=context_extras, wall_clock=clock,
                            metrics=notification_metrics)
    evaluator = Evaluator(rule_set.rules, AlertStore(directory / "alerts.sqlite3"), clock=clock,
                          metrics=EvaluationMetrics(registry))
    history = AlertHistory(directory / "alert_history.sqlite3")
    pipeline = AlertingPipeline(evaluator, dependencies, MuteStage([silences, maintenance, dependencies]), dispatcher,
                                clock, history=history)
    alerting = Alerting(pipeline, rule_set, silences, maintenance, notification_log, history, clock)
    if config.incidents is not None:
        _add_incidents(alerting, config, directory, receivers, context_extras, notification_metrics)
    return alerting


def _add_incidents(alerting: Alerting, config: AlertingConfig, directory: Path, receivers: dict,
                   context_extras: dict, notification_metrics: NotificationMetrics) -> None:
    incidents = config.incidents
    store = IncidentStore.open(incidents.database or f"sqlite:///{directory / INCIDENTS_SQLITE}",
                               year_zone=ZoneInfo(config.time_zone))
    evaluator = alerting.pipeline.evaluator
    stage = IncidentStage(store, incidents.policies, config.language, firing_fingerprints=lambda: {
        alert.fingerprint for alert in evaluator.alerts() if alert.state is AlertState.FIRING})
    sla, oncall = SlaPolicy(incidents.sla), OnCall(incidents.oncall)
    alerting.pipeline.incident_stage = stage
    alerting.incidents, alerting.sla, alerting.oncall, alerting.incident_stage = store, sla, oncall, stage
    alerting.escalation = Escalator(store, sla, oncall, incidents.oncall, incidents.escalation.levels, receivers,
                                    alerting.notification_log, context_extras, maintenance=alerting.maintenance,
                                    metrics=notification_metrics)
