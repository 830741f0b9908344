"""The alerting stages wired together: evaluate → dependencies → mute → incidents → dispatch.

The collector calls ``observe`` with every accepted batch (after it is durably stored) and ``tick``
periodically for time-based conditions. Nothing here waits on a notification channel: the dispatcher
queues deliveries per channel.
"""

from __future__ import annotations

from itops.alerting.rules.alert_history import AlertHistory
from itops.alerting.muting.dependencies import DependencyMuter
from itops.alerting.dispatch.dispatcher import Dispatcher
from itops.alerting.rules.evaluator import Evaluator
from itops.alerting.incidents.policy import IncidentStage
from itops.alerting.rules.model import Alert, ObservedBatch
from itops.alerting.muting.matchers import MuteStage
from itops.common.clock import Clock

__all__ = ["AlertingPipeline"]


class AlertingPipeline:
    def __init__(self, evaluator: Evaluator, dependencies: DependencyMuter, mute_stage: MuteStage,
                 dispatcher: Dispatcher, clock: Clock,
                 incident_stage: IncidentStage | None = None, history: AlertHistory | None = None):
        self.evaluator = evaluator
        self.dependencies = dependencies
        self.mute_stage = mute_stage
        self.dispatcher = dispatcher
        self.clock = clock
        self.incident_stage = incident_stage
        self.history = history

    def wants_metric(self, name: str) -> bool:
        return self.evaluator.wants_metric(name)

    def wants_check(self, name: str) -> bool:
        return self.evaluator.wants_check(name)

    def observe(self, batch: ObservedBatch) -> None:
        self._forward(self.evaluator.observe(batch))

    def tick(self) -> None:
        self._forward(self.evaluator.tick(self.clock()))

    def _forward(self, changed: list[Alert]) -> None:
        if changed:
            self._forward_changes(changed)
        self.dispatcher.refresh(self.evaluator.take_refreshed())  # repeats carry the current text

    def _forward_changes(self, changed: list[Alert]) -> None:
        if self.history is not None:  # outage episodes for availability reports, whatever is muted
            self.history.record(changed)
        # A parent and its child going down in one batch: the parent must be known down first.
        self.dependencies.observe(changed)
        now = self.clock()
        self.mute_stage.apply(changed, now)
        if self.incident_stage is not None:  # the incident exists before anyone is told about the alert
            self.incident_stage.ingest(changed, now)
        self.dispatcher.ingest(changed)
