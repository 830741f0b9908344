"""The rule evaluator: turns every accepted batch into alert state changes, on arrival.

Only the rules of the metrics and checks a batch carries are evaluated, and only for the series it
carries; time-based conditions (``for``, ``keep_firing_for``, ``absent``, offline entities, flapping) are
advanced by ``tick``. While an entity is offline its other alerts are held as they are: an unplugged
switch must not resolve (or newly fire) the alerts that were based on its last samples. What an alert or series is
about is ``itops.entities.entity_of``; an offline rule watches the entities named by its label (host or device),
and an entity no offline rule watches (an attendance clock) is held while the host that reports it is offline.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from itops.alerting.rules.alert_store import AlertStore, TrackedAlert
from itops.alerting.rules.evaluation_metrics import EvaluationMetrics, EvaluationRound, Trigger
from itops.alerting.rules.model import (
    Alert, AlertState, CheckObservation, ObservedBatch, SampleObservation, Severity, fingerprint,
)
from itops.alerting.rules.loader import CheckRule, MetricRule, OfflineRule, Rule
from itops.alerting.rules.sample_windows import SampleWindow, evaluate_window
from itops.common.clock import Clock
from itops.entities import CHECK_LABEL, HOST_LABEL, TARGET_LABEL, entities_of

__all__ = ["DEFAULT_FLAP_CHANGES", "DEFAULT_FLAP_WINDOW_S", "DEFAULT_RESOLVED_RETENTION_S", "Evaluator"]

DEFAULT_FLAP_CHANGES = 6  # more firing/resolved changes than this within the flap window → flapping
DEFAULT_FLAP_WINDOW_S = 1800.0
DEFAULT_RESOLVED_RETENTION_S = 900.0  # a resolved alert is forgotten after this
# Nagios-style codes, so that a check alert has a value a template or a graph can use.
CHECK_STATUS_VALUES = {"OK": 0.0, "WARNING": 1.0, "CRITICAL": 2.0, "UNKNOWN": 3.0}
_ACTIVE = (AlertState.PENDING, AlertState.FIRING)

Liveness = tuple[str, str, str]  # (the label naming an entity, its value, agent): what an offline rule watches


@dataclass(slots=True)
class _Series:
    name: str
    labels: dict[str, str]
    window: SampleWindow
    rules: list[MetricRule]
    liveness: Liveness | None  # what holds its alerts while offline
    reporting: tuple[Liveness, ...]  # what its samples say is still reporting
    fingerprints: dict[str, str] = field(default_factory=dict)  # rule name → alert fingerprint


class Evaluator:
    def __init__(self, rules: Iterable[Rule], store: AlertStore | None, clock: Clock, *,
                 flap_changes: int = DEFAULT_FLAP_CHANGES, flap_window_s: float = DEFAULT_FLAP_WINDOW_S,
                 resolved_retention_s: float = DEFAULT_RESOLVED_RETENTION_S, metrics: EvaluationMetrics | None = None):
        self._store, self._clock = store, clock
        self._metrics = metrics if metrics is not None else EvaluationMetrics()
        self._round = EvaluationRound()  # the round in progress, which counts its evaluations
        self._flap_changes, self._flap_window_s = flap_changes, flap_window_s
        self._resolved_retention_s = resolved_retention_s
        self._series: dict[tuple, _Series] = {}
        self._unruled_reporting: dict[tuple, tuple[Liveness, ...]] = {}
        self._last_seen: dict[Liveness, datetime] = {}
        self._offline: set[Liveness] = set()
        self._unsaved: dict[str, TrackedAlert] = {}
        self._refreshed: dict[str, TrackedAlert] = {}
        self._deleted: set[str] = set()
        self._alerts: dict[str, TrackedAlert] = {t.alert.fingerprint: t for t in (store.load_all() if store else [])}
        self.replace_rules(rules)

    def replace_rules(self, rules: Iterable[Rule]) -> None:
        """New rules (after a reload); sample windows of metrics still in use are kept."""
        self._rules = {rule.name: rule for rule in rules}
        self._metric_rules: dict[str, list[MetricRule]] = defaultdict(list)
        self._check_rules: dict[str, list[CheckRule]] = defaultdict(list)
        for rule in self._rules.values():
            if isinstance(rule, MetricRule):
                self._metric_rules[rule.metric].append(rule)
            elif isinstance(rule, CheckRule):
                self._check_rules[rule.check].append(rule)
        self._offline_rules = [rule for rule in self._rules.values() if isinstance(rule, OfflineRule)]
        self._watched_labels = frozenset(rule.entity for rule in self._offline_rules)
        self._retention_s = {metric: max(r.window_s for r in rules) for metric, rules in self._metric_rules.items()}
        self._unruled_reporting.clear()
        for key, series in list(self._series.items()):
            if series.name not in self._metric_rules:
                del self._series[key]
                continue
            series.rules = [rule for rule in self._metric_rules[series.name] if rule.matches(series.labels)]
            series.liveness = self._liveness(series.labels, series.name)
            series.reporting = self._watched(series.labels, series.name)
            series.window.retention_s = self._retention_s[series.name]
            series.fingerprints.clear()

    def wants_metric(self, name: str) -> bool:
        return name in self._metric_rules

    def wants_check(self, name: str) -> bool:
        return name in self._check_rules

    def alerts(self) -> list[Alert]:
        """Current pending, firing and recently resolved alerts."""
        return [dataclasses.replace(t.alert) for t in self._alerts.values() if t.alert.state is not AlertState.INACTIVE]

    def observe(self, batch: ObservedBatch) -> list[Alert]:
        with self._metrics.measure(Trigger.BATCH) as self._round:
            return self._observe(batch)

    def tick(self, now: datetime) -> list[Alert]:
        with self._metrics.measure(Trigger.TICK) as self._round:
            return self._tick(now)

    def _observe(self, batch: ObservedBatch) -> list[Alert]:
        now = self._clock()
        changed: dict[str, Alert] = {}
        seen: set[Liveness] = set()
        for sample in batch.samples:
            if sample.name in self._metric_rules:
                seen.update(self._observe_sample(sample, now, changed).reporting)
            else:
                seen.update(self._watched_unruled(sample))
        for check in batch.checks:
            seen.update(self._watched(_check_identity(check)))
            for rule in self._check_rules.get(check.check, ()):
                self._observe_check(rule, check, now, changed)
        seen.update((entity.label, entity.name, batch.agent_id) for entity in batch.entities
                    if entity.label in self._watched_labels)
        for entity in seen:
            self._last_seen[entity] = now
            self._offline.discard(entity)
            for rule in self._offline_rules:
                if rule.entity == entity[0]:
                    self._evaluate(rule, self._offline_fingerprint(rule, entity), False, 0.0, now, changed)
        self._flush()
        return list(changed.values())

    def _tick(self, now: datetime) -> list[Alert]:
        changed: dict[str, Alert] = {}
        self._tick_offline(now, changed)
        self._tick_absent(now, changed)
        for fp, tracked in list(self._alerts.items()):
            rule = self._rules.get(tracked.alert.rule)
            if rule is None:
                self._forget_or_resolve(fp, tracked, now, changed)
                continue
            if not isinstance(rule, OfflineRule) and not self._is_held(tracked.alert.labels):
                self._evaluate(rule, fp, tracked.holds, tracked.alert.value, now, changed)
            self._update_flapping(tracked, now, changed)
            self._expire(fp, tracked, now)
        self._flush()
        return list(changed.values())

    # --- arrival ---------------------------------------------------------------------------------

    def _watched(self, labels: dict[str, str], metric: str = "") -> tuple[Liveness, ...]:
        """The entities these labels name that an offline rule watches."""
        agent = labels.get("agent", "")
        return tuple((entity.label, entity.name, agent) for entity in entities_of(labels, metric)
                     if entity.label in self._watched_labels)

    def _liveness(self, labels: dict[str, str], metric: str = "") -> Liveness | None:
        """What says data about these labels still arrives: the entity they are about if an offline rule watches
        it, else the host that reports it."""
        for entity in entities_of(labels, metric):
            if entity.label in self._watched_labels or entity.label == HOST_LABEL:
                return entity.label, entity.name, labels.get("agent", "")
        return None

    def _is_held(self, labels: dict[str, str]) -> bool:
        return bool(self._offline) and self._liveness(labels) in self._offline

    def _observe_sample(self, sample: SampleObservation, now: datetime, changed: dict[str, Alert]) -> _Series:
        series = self._series_of(sample)
        for t_ms, value in zip(sample.timestamps_ms, sample.values, strict=True):
            series.window.add(t_ms / 1000.0, value)
        now_s = now.timestamp()
        for rule in series.rules:
            fp = series.fingerprints.get(rule.name) or self._series_fingerprint(series, rule)
            if rule.function == "absent":
                self._evaluate(rule, fp, False, 0.0, now, changed)
                continue
            value = evaluate_window(rule.function, series.window, now_s, rule.window_s, rule.min_coverage)
            tracked = self._alerts.get(fp)
            firing = tracked is not None and tracked.alert.state is AlertState.FIRING
            holds = value is not None and rule.holds(value, firing)
            self._evaluate(rule, fp, holds, value, now, changed, series.labels)
        return series

    def _watched_unruled(self, sample: SampleObservation) -> tuple[Liveness, ...]:
        """What a series no rule reads says is reporting, worked out once per series. Ingest sends only the
        series rules read (with the batch's entities); rule unit tests and direct callers send others too."""
        key = _series_key(sample)
        reporting = self._unruled_reporting.get(key)
        if reporting is None:
            reporting = self._unruled_reporting[key] = self._watched(sample.labels, sample.name)
        return reporting

    def _series_of(self, sample: SampleObservation) -> _Series:
        key = _series_key(sample)
        series = self._series.get(key)
        if series is None:
            rules = [rule for rule in self._metric_rules[sample.name] if rule.matches(sample.labels)]
            series = _Series(sample.name, dict(sample.labels), SampleWindow(self._retention_s[sample.name]), rules,
                             self._liveness(sample.labels, sample.name), self._watched(sample.labels, sample.name))
            self._series[key] = series
        return series

    @staticmethod
    def _series_fingerprint(series: _Series, rule: MetricRule) -> str:
        fp = fingerprint(_alert_labels(rule, series.labels, rule.severity.value))
        series.fingerprints[rule.name] = fp
        return fp

    def _observe_check(self, rule: CheckRule, check: CheckObservation, now: datetime, changed: dict[str, Alert]) -> None:
        """One alert per (agent, check, target) and severity: a change of status hands the alert's
        pending/firing time over to the new severity instead of starting again."""
        if check.status != "OK" and check.status not in rule.statuses:
            return  # e.g. UNKNOWN when not listed: says nothing either way
        identity = _check_identity(check)
        wanted = rule.statuses.get(check.status)
        value = CHECK_STATUS_VALUES.get(check.status, 0.0)
        heir_since = None
        for severity in sorted(set(rule.statuses.values()) - {wanted}):
            fp = fingerprint(_alert_labels(rule, identity, severity.value))
            tracked = self._alerts.get(fp)
            if tracked is not None and tracked.alert.state in _ACTIVE:
                heir_since = min(filter(None, (heir_since, tracked.alert.pending_since)), default=None)
            self._evaluate(rule, fp, False, value, now, changed, identity, check)
        if wanted is not None:
            labels = _alert_labels(rule, identity, wanted.value)
            tracked = self._alerts.get(fingerprint(labels)) or self._track(rule, labels)
            if heir_since is not None and tracked.alert.state not in _ACTIVE:
                tracked.alert.state, tracked.alert.pending_since = AlertState.PENDING, heir_since
            self._evaluate(rule, tracked.alert.fingerprint, True, value, now, changed, identity, check)

    # --- time ------------------------------------------------------------------------------------

    def _tick_offline(self, now: datetime, changed: dict[str, Alert]) -> None:
        offline: set[Liveness] = set()
        for rule in self._offline_rules:
            for entity, last_seen in self._last_seen.items():
                if entity[0] == rule.entity:
                    silent_s = (now - last_seen).total_seconds()
                    holds = silent_s >= rule.after_s
                    if holds:
                        offline.add(entity)
                    self._evaluate(rule, self._offline_fingerprint(rule, entity), holds, silent_s, now, changed,
                                   {"agent": entity[2], entity[0]: entity[1]})
        self._offline = offline

    def _offline_fingerprint(self, rule: OfflineRule, entity: Liveness) -> str:
        return fingerprint(_alert_labels(rule, {"agent": entity[2], entity[0]: entity[1]}, rule.severity.value))

    def _tick_absent(self, now: datetime, changed: dict[str, Alert]) -> None:
        now_s = now.timestamp()
        for series in self._series.values():
            if series.liveness in self._offline:
                continue
            for rule in series.rules:
                if rule.function == "absent":
                    silent_s = now_s - (series.window.newest_s() or now_s)
                    fp = series.fingerprints.get(rule.name) or self._series_fingerprint(series, rule)
                    self._evaluate(rule, fp, silent_s >= rule.window_s, silent_s, now, changed, series.labels)

    def _forget_or_resolve(self, fp: str, tracked: TrackedAlert, now: datetime, changed: dict[str, Alert]) -> None:
        """The rule was removed or renamed: a firing alert resolves, anything else is dropped."""
        if tracked.alert.state is AlertState.FIRING:
            self._change(tracked, AlertState.RESOLVED, now, changed)
        elif tracked.alert.state is not AlertState.RESOLVED:
            self._drop(fp)

    def _expire(self, fp: str, tracked: TrackedAlert, now: datetime) -> None:
        age_s = (now - tracked.alert.last_change).total_seconds() if tracked.alert.last_change else 0.0
        if (tracked.alert.state is AlertState.RESOLVED and age_s >= self._resolved_retention_s
                or tracked.alert.state is AlertState.INACTIVE and age_s >= self._flap_window_s):
            self._drop(fp)

    def _drop(self, fp: str) -> None:
        del self._alerts[fp]
        self._unsaved.pop(fp, None)
        self._deleted.add(fp)

    def _flush(self) -> None:
        if self._store and (self._unsaved or self._deleted):
            self._store.write(self._unsaved.values(), self._deleted)
        self._unsaved.clear()
        self._deleted.clear()

    # --- the state machine -----------------------------------------------------------------------

    def _evaluate(self, rule: Rule, fp: str, holds: bool, value: float | None, now: datetime,
                  changed: dict[str, Alert], labels: dict[str, str] | None = None,
                  check: CheckObservation | None = None) -> None:
        """Advance one alert; an alert is created only when its condition holds (``labels`` then needed)."""
        self._round.evaluations += 1
        tracked = self._alerts.get(fp)
        if tracked is None:
            if not holds or labels is None:
                return
            tracked = self._track(rule, _alert_labels(rule, labels, rule.severity.value))
        tracked.holds = holds
        if value is not None:
            tracked.alert.value = value
        if check is not None:
            tracked.message, tracked.messages = check.message, check.messages
        if holds:
            tracked.last_held = now
        state = _next_state(tracked, rule, now)
        if state is not None:
            self._change(tracked, state, now, changed)
        elif tracked.alert.state in _ACTIVE:
            self._refresh_annotations(tracked, rule)

    def _refresh_annotations(self, tracked: TrackedAlert, rule: Rule) -> None:
        """A pending or firing alert's text follows its current value and message, not the ones it had
        when it changed state (``take_refreshed`` hands the changed texts on)."""
        if self._render(tracked, rule):
            self._unsaved[tracked.alert.fingerprint] = tracked
            self._refreshed[tracked.alert.fingerprint] = tracked

    @staticmethod
    def _render(tracked: TrackedAlert, rule: Rule) -> bool:
        """The alert's annotations and value texts from its current value and message; True when they changed."""
        alert = tracked.alert
        annotations = rule.render_annotations(alert.value, alert.labels, tracked.message, tracked.messages)
        value_texts = rule.value_texts(alert.value, alert.labels)
        if (annotations, value_texts) == (alert.annotations, alert.value_texts):
            return False
        alert.annotations, alert.value_texts = annotations, value_texts
        return True

    def take_refreshed(self) -> list[Alert]:
        """The alerts whose annotations changed without a change of state since the last call."""
        refreshed = [dataclasses.replace(tracked.alert) for tracked in self._refreshed.values()]
        self._refreshed.clear()
        return refreshed

    def _track(self, rule: Rule, labels: dict[str, str]) -> TrackedAlert:
        alert = Alert(rule=rule.name, labels=labels, annotations={}, severity=Severity(labels["severity"]))
        tracked = TrackedAlert(alert)
        self._alerts[alert.fingerprint] = tracked
        return tracked

    def _change(self, tracked: TrackedAlert, state: AlertState, now: datetime, changed: dict[str, Alert]) -> None:
        alert = tracked.alert
        if state is AlertState.PENDING or state is AlertState.FIRING and alert.state is not AlertState.PENDING:
            alert.pending_since = now
        if state is AlertState.FIRING:
            alert.firing_since, alert.resolved_at = now, None
        elif state is AlertState.RESOLVED:
            alert.resolved_at = now
        elif state is AlertState.INACTIVE:
            alert.pending_since = None
        if state in (AlertState.FIRING, AlertState.RESOLVED):
            tracked.changes = (*tracked.changes, now)
        alert.state, alert.last_change = state, now
        rule = self._rules.get(alert.rule)
        if rule is not None:
            self._render(tracked, rule)
        self._update_flapping(tracked, now, changed)
        self._record(tracked, changed)

    def _update_flapping(self, tracked: TrackedAlert, now: datetime, changed: dict[str, Alert]) -> None:
        recent = tuple(t for t in tracked.changes if (now - t).total_seconds() < self._flap_window_s)
        tracked.changes = recent
        flapping = len(recent) > self._flap_changes
        if flapping != tracked.alert.flapping:
            tracked.alert.flapping = flapping
            self._record(tracked, changed)

    def _record(self, tracked: TrackedAlert, changed: dict[str, Alert]) -> None:
        fp = tracked.alert.fingerprint
        self._unsaved[fp] = tracked
        self._deleted.discard(fp)
        changed[fp] = dataclasses.replace(tracked.alert)


def _next_state(tracked: TrackedAlert, rule: Rule, now: datetime) -> AlertState | None:
    alert = tracked.alert
    if tracked.holds:
        if alert.state in (AlertState.INACTIVE, AlertState.RESOLVED):
            return AlertState.FIRING if rule.for_s <= 0 else AlertState.PENDING
        if alert.state is AlertState.PENDING and (now - alert.pending_since).total_seconds() >= rule.for_s:
            return AlertState.FIRING
        return None
    if alert.state is AlertState.PENDING:
        return AlertState.INACTIVE
    keep_s = getattr(rule, "keep_firing_for_s", 0.0)
    if alert.state is AlertState.FIRING and (tracked.last_held is None or (now - tracked.last_held).total_seconds() >= keep_s):
        return AlertState.RESOLVED
    return None


def _alert_labels(rule: Rule, labels: dict[str, str], severity: str) -> dict[str, str]:
    return {**labels, **rule.labels, "alertname": rule.name, "severity": severity}



def _check_identity(check: CheckObservation) -> dict[str, str]:
    """A check result's labels with its check and target: the labels of its alerts, and what it is about."""
    return {**check.labels, CHECK_LABEL: check.check, TARGET_LABEL: check.target}


def _series_key(sample: SampleObservation) -> tuple:
    return sample.name, *sorted(sample.labels.items())
