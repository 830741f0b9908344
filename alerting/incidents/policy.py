"""From alerts to incidents: the first matching policy decides whether a firing alert opens an incident,
which open incident it joins (same fingerprint or same grouping labels), and what a recurrence after the
resolution does (reopen the incident, or open a new one linked to it).

``IncidentStage.ingest`` runs in the alerting pipeline after muting and before dispatch, on the event loop.
Its store calls are synchronous SQLAlchemy; they happen only for alert state changes (firing, resolved),
which are rare next to samples, so each costs a few milliseconds of the loop at most.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from itops.alerting.incidents.config import IncidentPolicy
from itops.alerting.incidents.model import AffectedAsset, Category, Incident, IncidentState, Source
from itops.alerting.incidents.store import ALERTING, IncidentStore
from itops.alerting.dispatch.messages import Language, alert_text
from itops.alerting.rules.model import Alert, AlertState, fingerprint
from itops.alerting.muting.matchers import Matcher, matches_all, parse_matchers
from itops.entities import entities_of

__all__ = ["CompiledPolicy", "IncidentStage"]

log = logging.getLogger(__name__)

TITLE_LIMIT = 500  # the incidents.title column
_FINISHED = (IncidentState.RESOLVED, IncidentState.CLOSED)
_NOTES = {
    "firing_again": {"zh-CN": "告警再次触发：{alert}", "en": "Alert firing again: {alert}"},
    "resolved": {"zh-CN": "告警已恢复：{alert}", "en": "Alert resolved: {alert}"},
    "reopened": {"zh-CN": "解决后 {minutes} 分钟内复发，重新打开：{alert}",
                 "en": "Recurred {minutes} min after resolution, reopened: {alert}"},
    "severity": {"zh-CN": "关联告警级别更高：{alert}", "en": "A more severe alert is attached: {alert}"},
    "cause": {"zh-CN": "告警自行恢复", "en": "The alerts resolved by themselves"},
    "resolution": {"zh-CN": "所有关联告警均已恢复，自动解决", "en": "Resolved automatically: every attached alert resolved"},
}


@dataclass(frozen=True)
class CompiledPolicy:
    config: IncidentPolicy
    matchers: tuple[Matcher, ...]

    @classmethod
    def of(cls, config: IncidentPolicy) -> CompiledPolicy:
        return cls(config, parse_matchers(config.matchers))

    def matches(self, labels: Mapping[str, str]) -> bool:
        return matches_all(self.matchers, labels)

    def group_key(self, labels: Mapping[str, str]) -> str:
        """The policy's name and the grouping labels' values, hashed (labels may be long)."""
        return fingerprint({"": self.config.name} | {name: labels.get(name, "") for name in self.config.group_by})

    def category(self, labels: Mapping[str, str]) -> Category:
        wanted = labels.get("category", "") if self.config.category == "from_label" else self.config.category
        try:
            return Category(wanted)
        except ValueError:
            return Category(self.config.fallback_category)


class IncidentStage:
    def __init__(self, store: IncidentStore, policies: Sequence[IncidentPolicy], language: Language,
                 firing_fingerprints: Callable[[], set[str]]):
        """``firing_fingerprints``: the alerts firing now (auto_resolve waits until none of an incident's is)."""
        self.store = store
        self.policies = tuple(CompiledPolicy.of(policy) for policy in policies)
        self.language = language
        self._firing_fingerprints = firing_fingerprints

    def policy_for(self, labels: Mapping[str, str]) -> CompiledPolicy | None:
        return next((policy for policy in self.policies if policy.matches(labels)), None)

    def ingest(self, alerts: Iterable[Alert], now: datetime) -> None:
        """Open, attach, reopen or note for each firing or resolved alert; one failing alert skips only itself."""
        for alert in alerts:
            if alert.state not in (AlertState.FIRING, AlertState.RESOLVED):
                continue
            policy = self.policy_for(alert.labels)
            if policy is None:
                continue
            try:
                if alert.state is AlertState.FIRING:
                    self._on_firing(alert, policy, now)
                else:
                    self._on_resolved(alert, policy, now)
            except Exception:  # noqa: BLE001 - the notification must still go out; the log says what failed
                log.exception("incident for alert %s (%s) not updated", alert.fingerprint, alert.rule)

    def _on_firing(self, alert: Alert, policy: CompiledPolicy, now: datetime) -> None:
        group_key = policy.group_key(alert.labels)
        found = self.store.find_for_alert(alert.fingerprint, group_key)
        if found is not None and found.state is not IncidentState.RESOLVED:
            self._attach(found, alert, now)
            return
        if alert.muted_by and not policy.config.open_when_muted:
            return
        recent = found is not None and now - found.resolved_at <= timedelta(seconds=policy.config.reopen_within)
        if recent and policy.config.on_recurrence == "reopen":
            minutes = round((now - found.resolved_at).total_seconds() / 60)
            self.store.transition(found.id, IncidentState.OPEN, ALERTING, now,
                                  note=self._text("reopened", alert, minutes=minutes))
            self._attach(self.store.get(found.id), alert, now)
            return
        self._open(alert, policy, group_key, now, related=found.id if recent else None)

    def _open(self, alert: Alert, policy: CompiledPolicy, group_key: str, now: datetime, related: str | None) -> None:
        incident = self.store.open_incident(
            title=self._title(alert), severity=alert.severity, category=policy.category(alert.labels),
            reporter=ALERTING, at=now, source=Source.ALERT, assets=_assets(alert.labels),
            fingerprints=[alert.fingerprint], group_key=group_key, related_incident=related)
        log.info("incident %s opened for alert %s (%s)", incident.id, alert.fingerprint, alert.rule)

    def _attach(self, incident: Incident, alert: Alert, now: datetime) -> None:
        if not self.store.attach_alert(incident.id, alert.fingerprint, now, _assets(alert.labels)):
            self.store.add_note(incident.id, ALERTING, now, self._text("firing_again", alert))
        if alert.severity.value < incident.severity.value:  # "P1" < "P2": the alert is more severe
            self.store.change_severity(incident.id, alert.severity, ALERTING, now, self._text("severity", alert))

    def _on_resolved(self, alert: Alert, policy: CompiledPolicy, now: datetime) -> None:
        incident = self.store.find_for_alert(alert.fingerprint, None)
        if incident is None or incident.state in _FINISHED:
            return
        self.store.add_note(incident.id, ALERTING, now, self._text("resolved", alert))
        if policy.config.auto_resolve and not (set(incident.fingerprints) & self._firing_fingerprints()):
            self._resolve(incident, now)

    def _resolve(self, incident: Incident, now: datetime) -> None:
        """Walk the lifecycle's legal path (acknowledge → in progress → resolved), each step by `alerting`."""
        if incident.state is IncidentState.OPEN:
            incident = self.store.acknowledge(incident.id, ALERTING, now)
        if incident.state is IncidentState.ACKNOWLEDGED:
            self.store.transition(incident.id, IncidentState.IN_PROGRESS, ALERTING, now)
        self.store.resolve(incident.id, ALERTING, now, _NOTES["cause"][self.language], _NOTES["resolution"][self.language])
        log.info("incident %s resolved: all its alerts resolved", incident.id)

    def _title(self, alert: Alert) -> str:
        return (alert_text(alert, "summary", self.language) or alert.labels.get("alertname", alert.rule))[:TITLE_LIMIT]

    def _text(self, key: str, alert: Alert, **values: object) -> str:
        described = f"{alert.labels.get('alertname', alert.rule)} — {alert_text(alert, 'summary', self.language)}"
        return _NOTES[key][self.language].format(alert=described.rstrip(" —"), **values)


def _assets(labels: Mapping[str, str]) -> list[AffectedAsset]:
    """The hardware the alert is about (a device or clock, or the host), then the host polling it; `asset_number`
    (资产编号) is the first one's."""
    return [AffectedAsset(entity.name, entity.asset_number) for entity in entities_of(labels) if entity.is_asset]
