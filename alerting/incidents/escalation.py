"""Response escalation (升级): while an incident stays unacknowledged, each level of the ladder whose share of
the response target has gone by tells its person (on-call resolved at that moment) once, through that
person's receiver, with a synthetic ``IncidentEscalation`` alert.

The timeline is the memory: a level with an ESCALATED entry is never told again, so a restarted collector
(or a second Escalator over the same database) does not re-notify. A retryable delivery failure leaves the
level unrecorded and is tried again on the next tick, up to ``MAX_ATTEMPTS``; acknowledging stops it all.
A reopened incident (resolved → open) climbs the ladder again from its reopening until acknowledged anew.
Every attempt is written to the notification log like the dispatcher's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from itops.alerting.incidents.config import ONCALL_PREFIX, EscalationLevel
from itops.alerting.incidents.model import Incident, IncidentState, TimelineEntry, TimelineKind
from itops.alerting.incidents.oncall import OnCall, OnCallConfig
from itops.alerting.incidents.sla import ClockStatus, SlaPolicy
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.muting.maintenance import MaintenancePeriod
from itops.alerting.dispatch.messages import console_url, local_time_text
from itops.alerting.rules.model import Alert, AlertState
from itops.alerting.dispatch.notification_log import NotificationAttempt, NotificationLog, Outcome
from itops.alerting.dispatch.notification_metrics import NotificationMetrics
from itops.alerting.notifiers.base import NotificationContext, Notifier, NotifyError

__all__ = ["ESCALATION_ALERTNAME", "MAX_ATTEMPTS", "Escalation", "Escalator", "incident_url"]

log = logging.getLogger(__name__)

ESCALATION_ALERTNAME = "IncidentEscalation"
MAX_ATTEMPTS = 6  # per level and channel; after that the level is recorded as not delivered


@dataclass(frozen=True, slots=True)
class Escalation:
    """One person told (or not) about one incident at one tick; ``levels`` are the ladder positions covered."""

    incident_id: str
    levels: tuple[int, ...]
    person: str
    outcome: Literal["sent", "retrying", "failed"]


def incident_url(external_url: str, incident_id: str) -> str:
    return console_url(external_url, f"incidents/{incident_id}")


class Escalator:
    def __init__(self, store: IncidentStore, sla: SlaPolicy, oncall: OnCall, oncall_config: OnCallConfig,
                 levels: Sequence[EscalationLevel], receivers: Mapping[str, Sequence[Notifier]],
                 notification_log: NotificationLog, context_extras: Mapping[str, Any],
                 maintenance: Any = None, metrics: NotificationMetrics | None = None):
        """``maintenance``: anything with ``windows_between(start, end)`` (the MaintenanceStore), or None.
        ``context_extras``: language, time_zone, external_url, severity_styles, as the dispatcher gets them."""
        self._store, self._sla, self._oncall, self._people = store, sla, oncall, oncall_config.people
        self._levels = tuple(levels)
        self._receivers, self._log = receivers, notification_log
        self._extras = dict(context_extras)
        self._maintenance = maintenance
        self._metrics = metrics if metrics is not None else NotificationMetrics()
        self._attempts: dict[tuple[str, int, int], int] = {}  # (incident, level, channel) → failed attempts
        self._delivered: dict[tuple[str, int], set[int]] = {}  # channels already told about a retried level

    async def tick(self, now: datetime) -> list[Escalation]:
        if not self._levels:
            return []
        waiting = [i for i in self._store.list(open_only=True) if i.state is IncidentState.OPEN]
        if not waiting:
            return []
        timelines = self._store.timelines(i.id for i in waiting)
        maintenance = self._maintenance_since(min(i.opened_at for i in waiting), now)
        done = []
        for incident in waiting:
            episode, timeline = _waiting_episode(incident, timelines.get(incident.id, []))
            response = self._sla.status(episode, timeline, now, maintenance).response
            for person, levels in _by_person(self._due_levels(response, timeline, now)).items():
                done.append(await self._escalate(episode, response, levels, person, now))
        return done

    def _maintenance_since(self, start: datetime, now: datetime) -> list[MaintenancePeriod]:
        return [] if self._maintenance is None else self._maintenance.windows_between(start, now)

    def _due_levels(self, response: ClockStatus, timeline: list[TimelineEntry], now: datetime) -> list[tuple[int, str]]:
        """(level, person) for every level reached and not yet recorded."""
        if response.state in ("met", "breached"):
            return []
        fraction = response.elapsed_s / response.target_s if response.target_s > 0 else float("inf")
        recorded = {int(e.to_value) for e in timeline if e.kind is TimelineKind.ESCALATED and e.to_value is not None}
        return [(index, self._person(level.notify, now)) for index, level in enumerate(self._levels)
                if level.at <= fraction and index not in recorded]

    def _person(self, target: str, now: datetime) -> str:
        if target.startswith(ONCALL_PREFIX):
            return self._oncall.who(target[len(ONCALL_PREFIX):], now)
        return target

    async def _escalate(self, incident: Incident, response: ClockStatus, levels: tuple[int, ...], person: str,
                        now: datetime) -> Escalation:
        receiver = self._people[person].receiver
        alert = self._alert(incident, response, levels[-1], person, now)
        key = (incident.id, levels[-1])
        delivered = self._delivered.setdefault(key, set())
        outcomes = [await self._send(incident.id, levels[-1], receiver, index, notifier, alert, now)
                    for index, notifier in enumerate(self._receivers.get(receiver, ())) if index not in delivered]
        delivered.update(index for index, outcome in outcomes if outcome is Outcome.SENT)
        if any(outcome is Outcome.RETRYING for _, outcome in outcomes):
            return Escalation(incident.id, levels, person, "retrying")
        failed = [index for index, outcome in outcomes if outcome is Outcome.FAILED]
        self._delivered.pop(key, None)
        note = person if not failed else f"{person} (not delivered: {receiver} channels {failed})"
        for level in levels:
            self._store.record_escalation(incident.id, level, note, now)
        log.info("incident %s escalated (levels %s) to %s", incident.id, list(levels), note)
        return Escalation(incident.id, levels, person, "failed" if failed else "sent")

    async def _send(self, incident_id: str, level: int, receiver: str, index: int, notifier: Notifier,
                    alert: Alert, now: datetime) -> tuple[int, Outcome]:
        context = NotificationContext(group_key=f"{ESCALATION_ALERTNAME}:{incident_id}:{level}", receiver=receiver,
                                      status="firing", group_labels={"incident": incident_id}, **self._extras)
        attempt_key = (incident_id, level, index)
        attempt = self._attempts.get(attempt_key, 0) + 1
        try:
            await self._metrics.attempt(notifier, [alert], context)
        except Exception as exc:  # noqa: BLE001 - a notifier's bug must not stop the escalation of others
            retryable = isinstance(exc, NotifyError) and exc.retryable and attempt < MAX_ATTEMPTS
            outcome, error = (Outcome.RETRYING if retryable else Outcome.FAILED), f"{type(exc).__name__}: {exc}"
            self._attempts[attempt_key] = attempt
        else:
            outcome, error = Outcome.SENT, ""
        if outcome is not Outcome.RETRYING:
            self._attempts.pop(attempt_key, None)
        self._metrics.count(notifier, outcome)
        # Integration names as the dispatcher writes them, so the log reads the same for both.
        self._log.record(NotificationAttempt(
            at=now, receiver=receiver, integration=f"{type(notifier).__name__}[{index}]", group_key=context.group_key,
            fingerprints=(alert.fingerprint,), status="firing", outcome=outcome, error=error, attempt=attempt))
        return index, outcome

    def _alert(self, incident: Incident, response: ClockStatus, level: int, person: str, now: datetime) -> Alert:
        zone = ZoneInfo(self._extras.get("time_zone", "Asia/Shanghai"))
        deadline = response.deadline
        words = {
            "id": incident.id, "title": incident.title, "level": level + 1,
            "minutes": max(0, round((now - incident.opened_at).total_seconds() / 60)),
            "deadline": local_time_text(deadline, zone) if deadline else "—",
            "url": incident_url(self._extras.get("external_url", ""), incident.id),
            "person": self._people[person].display_name or person,
        }
        return Alert(
            rule=ESCALATION_ALERTNAME,
            labels={"alertname": ESCALATION_ALERTNAME, "incident": incident.id, "severity": incident.severity.value,
                    "level": str(level), "person": person},
            annotations={key: template.format(**words) for key, template in _ANNOTATIONS.items()},
            severity=incident.severity, state=AlertState.FIRING, firing_since=incident.opened_at, last_change=now,
        )


_ANNOTATIONS = {
    "summary": "Incident {id} unacknowledged for {minutes} min (escalation level {level}): {title}",
    "summary_zh": "故障单 {id} 已 {minutes} 分钟未响应（第 {level} 级升级）：{title}",
    "description": "{person}: incident {id} \"{title}\" has not been acknowledged for {minutes} minutes. "
                   "Response deadline (SLA): {deadline}. Acknowledge it at {url}",
    "description_zh": "{person}：故障单 {id}「{title}」已 {minutes} 分钟无人响应，响应时限（SLA）：{deadline}。"
                      "请尽快响应：{url}",
    "incident_url": "{url}",
}


def _waiting_episode(incident: Incident, timeline: list[TimelineEntry]) -> tuple[Incident, list[TimelineEntry]]:
    """The incident as the ladder sees it: since it was opened, or since it was last reopened (resolved → open),
    which starts the ladder again — on the response target's calendar, like the first time. Only the SLA's
    response time stays measured from the opening (docs/sla.md); this clock exists for paging alone."""
    reopens = [e.at for e in timeline if e.kind is TimelineKind.TRANSITION
               and (e.from_value, e.to_value) == (IncidentState.RESOLVED.value, IncidentState.OPEN.value)]
    if not reopens:
        return incident, timeline
    since = max(reopens)
    return (replace(incident, opened_at=since, acknowledged_at=None, resolved_at=None, closed_at=None),
            [e for e in timeline if e.at >= since and e.kind is not TimelineKind.TRANSITION])


def _by_person(due: list[tuple[int, str]]) -> dict[str, tuple[int, ...]]:
    """Levels reached at once that name the same person become one message (the highest level's)."""
    grouped: dict[str, list[int]] = {}
    for level, person in due:
        grouped.setdefault(person, []).append(level)
    return {person: tuple(levels) for person, levels in grouped.items()}
