"""The dispatcher: routes alerts by their labels to receivers, groups what fires together into one
notification, repeats while firing, tells when resolved, and delivers with retries — Alertmanager-style.

- Routes form a tree. An alert goes to the deepest matching routes: the first matching child wins unless
  it says ``continue``; a route no child takes keeps the alert. Children inherit what they do not set.
- A group (route × receiver × ``group_by`` label values) is first sent ``group_wait`` after it appears, then
  looked at every ``group_interval``: sent again if something changed, or if ``repeat_interval`` has passed
  while an alert fires.
- A flapping alert is told once when it starts flapping; its further changes do not trigger notifications
  until the evaluator says it has settled.
- A muted alert is not told; a muted alert that was told firing is still told when it resolves, so
  nothing is left open. An alert that resolves before it was ever told is dropped quietly.
- Each notifier of each receiver has its own queue and task: a channel that is down, retrying with
  backoff, never delays the others, and ``ingest`` (called by the evaluator) never waits at all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from itops.alerting.dispatch.config import DispatchConfig, RouteConfig, check_dispatch
from itops.alerting.rules.model import Alert, AlertState
from itops.alerting.muting.matchers import Matcher, matches_all, parse_matchers
from itops.alerting.dispatch.notification_log import (
    NotificationAttempt,
    NotificationLog,
    Outcome,
)
from itops.alerting.dispatch.notification_metrics import NotificationMetrics, notifier_plugin
from itops.alerting.notifiers.base import NotificationContext, Notifier, NotifyError
from itops.common.clock import Clock

__all__ = ["Dispatcher", "Route", "build_routes"]

log = logging.getLogger(__name__)

ALL_LABELS = "..."
DEFAULT_GROUP_BY = ("alertname",)
DEFAULT_GROUP_WAIT_S = 30.0
DEFAULT_GROUP_INTERVAL_S = 300.0
DEFAULT_REPEAT_INTERVAL_S = 4 * 3600.0


@dataclasses.dataclass(frozen=True)
class Route:
    id: str  # position in the tree, e.g. "0.1"
    matchers: tuple[Matcher, ...]
    receiver: str
    receiver_label: str | None
    continue_: bool
    group_by: tuple[str, ...]
    group_wait: float
    group_interval: float
    repeat_interval: float
    children: tuple[Route, ...]

    def match(self, labels: Mapping[str, str]) -> list[Route]:
        if not matches_all(self.matchers, labels):
            return []
        found: list[Route] = []
        for child in self.children:
            taken = child.match(labels)
            found.extend(taken)
            if taken and not child.continue_:
                break
        return found or [self]

    def receiver_for(self, labels: Mapping[str, str], receivers: Mapping[str, Any]) -> str:
        named = labels.get(self.receiver_label, "") if self.receiver_label else ""
        return named if named in receivers else self.receiver

    def group_labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        if ALL_LABELS in self.group_by:
            return dict(labels)
        return {name: labels[name] for name in self.group_by if name in labels}


def build_routes(config: RouteConfig, parent: Route | None = None, route_id: str = "0") -> Route:
    route = Route(
        id=route_id,
        matchers=parse_matchers(config.matchers),
        receiver=config.receiver or (parent.receiver if parent else ""),
        receiver_label=config.receiver_label or (parent.receiver_label if parent else None),
        continue_=config.continue_,
        group_by=tuple(config.group_by) if config.group_by is not None else (parent.group_by if parent else DEFAULT_GROUP_BY),
        group_wait=_inherit(config.group_wait, parent and parent.group_wait, DEFAULT_GROUP_WAIT_S),
        group_interval=_inherit(config.group_interval, parent and parent.group_interval, DEFAULT_GROUP_INTERVAL_S),
        repeat_interval=_inherit(config.repeat_interval, parent and parent.repeat_interval, DEFAULT_REPEAT_INTERVAL_S),
        children=(),
    )
    children = tuple(build_routes(child, route, f"{route_id}.{i}") for i, child in enumerate(config.routes))
    return dataclasses.replace(route, children=children)


def _inherit(own: float | None, inherited: float | None, default: float) -> float:
    return float(own if own is not None else inherited if inherited is not None else default)


@dataclasses.dataclass(frozen=True, slots=True)
class _Told:
    """What one integration was last told about one alert."""

    state: AlertState
    flapping: bool


class _Group:
    def __init__(self, key: str, route: Route, receiver: str, labels: dict[str, str], integrations: int, now: float):
        self.key, self.route, self.receiver, self.labels = key, route, receiver, labels
        self.alerts: dict[str, Alert] = {}
        self.told: list[dict[str, _Told]] = [{} for _ in range(integrations)]
        self.last_sent_at: list[float | None] = [None] * integrations
        self.in_flight = [False] * integrations
        self.next_flush = now + route.group_wait

    def visible(self, integration: int) -> list[Alert]:
        told = self.told[integration]
        return [alert for fp, alert in self.alerts.items()
                if (fp in told if alert.state is AlertState.RESOLVED else not alert.muted_by)]

    def due(self, integration: int, shown: list[Alert], now: float) -> bool:
        told, last = self.told[integration], self.last_sent_at[integration]
        changed = any(_changed(alert, told.get(alert.fingerprint)) for alert in shown)
        repeat = last is None or now - last >= self.route.repeat_interval
        return changed or (repeat and any(a.state is AlertState.FIRING and not a.flapping for a in shown))

    def prune(self) -> None:
        """Forget resolved alerts every integration has been told about (or never heard of)."""
        if any(self.in_flight):
            return
        for fp in [fp for fp, alert in self.alerts.items() if alert.state is AlertState.RESOLVED]:
            if all(told.get(fp, _Told(AlertState.RESOLVED, False)).state is AlertState.RESOLVED for told in self.told):
                del self.alerts[fp]
                for told in self.told:
                    told.pop(fp, None)


def _integration_name(notifier: Notifier, integration: int) -> str:
    return f"{type(notifier).__name__}[{integration}]"


def _changed(alert: Alert, told: _Told | None) -> bool:
    if alert.flapping:
        return told is None or not told.flapping
    return told is None or told.state is not alert.state


@dataclasses.dataclass(frozen=True, slots=True)
class _Delivery:
    group: _Group
    integration: int
    alerts: tuple[Alert, ...]
    sent_at: float


class Dispatcher:
    """Groups, routes and delivers. ``ingest`` is synchronous and cheap; the work runs in ``start``ed tasks.
    Waits (group_wait, group_interval, repeat_interval, retry backoff) run on the event loop's clock, which
    does not jump; ``wall_clock`` only dates the notification log and reads its dates back after a restart."""

    def __init__(self, config: DispatchConfig, receivers: Mapping[str, Sequence[Notifier]], notification_log: NotificationLog,
                 context_extras: Mapping[str, Any] | None = None, *, wall_clock: Clock,
                 metrics: NotificationMetrics | None = None):
        check_dispatch(config, receivers)
        self._root = build_routes(config.route)
        self._retry = config.retry
        self._receivers = {name: tuple(notifiers) for name, notifiers in receivers.items()}
        self._log = notification_log
        self._context_extras = dict(context_extras or {})
        self._wall_clock = wall_clock
        self._groups: dict[str, _Group] = {}
        self._queues = {(name, i): asyncio.Queue() for name, ns in self._receivers.items() for i in range(len(ns))}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._metrics = metrics if metrics is not None else NotificationMetrics()
        for plugin in {notifier_plugin(n) for notifiers in self._receivers.values() for n in notifiers}:
            self._metrics.watch_queue(plugin, lambda plugin=plugin: self._in_flight(plugin))

    def _in_flight(self, plugin: str) -> int:
        """Deliveries of a plugin's channels queued or being sent (a group has at most one per channel)."""
        return sum(busy for group in self._groups.values() for integration, busy in enumerate(group.in_flight)
                   if notifier_plugin(self._receivers[group.receiver][integration]) == plugin)

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._flush_loop(), name="dispatch-flush")]
        self._tasks += [asyncio.create_task(self._deliver_loop(*key), name=f"deliver-{key[0]}[{key[1]}]") for key in self._queues]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def ingest(self, alerts: Iterable[Alert]) -> None:
        """Take firing and resolved alerts (muted ones too: they may close what was told)."""
        now = asyncio.get_running_loop().time()
        for alert in alerts:
            if alert.state not in (AlertState.FIRING, AlertState.RESOLVED):
                continue
            snapshot = dataclasses.replace(alert, labels=dict(alert.labels), annotations=dict(alert.annotations),
                                           value_texts=dict(alert.value_texts), muted_by=list(alert.muted_by))
            for route in self._root.match(alert.labels):
                self._group_for(route, alert.labels, now).alerts[alert.fingerprint] = snapshot
        self._wake.set()

    def refresh(self, alerts: Iterable[Alert]) -> None:
        """New annotations (and value) of alerts whose state did not change, for what is sent next about them;
        nothing is sent because of it."""
        for alert in alerts:
            for group in self._groups.values():
                held = group.alerts.get(alert.fingerprint)
                if held is not None:
                    group.alerts[alert.fingerprint] = dataclasses.replace(
                        held, annotations=dict(alert.annotations), value=alert.value,
                        value_texts=dict(alert.value_texts))

    def _group_for(self, route: Route, labels: Mapping[str, str], now: float) -> _Group:
        receiver = route.receiver_for(labels, self._receivers)
        group_labels = route.group_labels(labels)
        key = f"{route.id}:{receiver}:{{{','.join(f'{k}={v!r}' for k, v in sorted(group_labels.items()))}}}"
        if key not in self._groups:
            self._groups[key] = _Group(key, route, receiver, group_labels, len(self._receivers[receiver]), now)
            self._recall_told(self._groups[key], now)
        return self._groups[key]

    def _recall_told(self, group: _Group, now: float) -> None:
        """After a restart, what each integration was last told comes from the notification log: a firing
        alert is not announced again, and its resolution is still announced."""
        for integration, notifier in enumerate(self._receivers[group.receiver]):
            last = self._log.last_sent(group.key, _integration_name(notifier, integration))
            if last is None:
                continue
            state = AlertState.FIRING if last.status == "firing" else AlertState.RESOLVED
            group.told[integration] = {fp: _Told(state, False) for fp in last.fingerprints}
            group.last_sent_at[integration] = now - (self._wall_clock() - last.at).total_seconds()

    async def _flush_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            for group in [g for g in self._groups.values() if g.next_flush <= now]:
                self._flush(group, now)
            self._wake.clear()
            wait = min((g.next_flush for g in self._groups.values()), default=now + 3600) - now
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=max(wait, 0))
            except TimeoutError:
                pass

    def _flush(self, group: _Group, now: float) -> None:
        group.next_flush = now + group.route.group_interval
        group.prune()
        if not group.alerts and not any(group.in_flight):
            del self._groups[group.key]
            return
        for integration in range(len(group.told)):
            shown = group.visible(integration)
            if group.in_flight[integration] or not shown or not group.due(integration, shown, now):
                continue
            group.in_flight[integration] = True
            self._queues[(group.receiver, integration)].put_nowait(_Delivery(group, integration, tuple(shown), now))

    async def _deliver_loop(self, receiver: str, integration: int) -> None:
        queue = self._queues[(receiver, integration)]
        while True:
            delivery = await queue.get()
            try:
                if await self._deliver(delivery):
                    group = delivery.group
                    group.told[integration].update({a.fingerprint: _Told(a.state, a.flapping) for a in delivery.alerts})
                    group.last_sent_at[integration] = delivery.sent_at
            finally:
                delivery.group.in_flight[integration] = False

    async def _deliver(self, delivery: _Delivery) -> bool:
        group = delivery.group
        notifier = self._receivers[group.receiver][delivery.integration]
        status = "firing" if any(a.state is AlertState.FIRING for a in delivery.alerts) else "resolved"
        context = NotificationContext(group_key=group.key, receiver=group.receiver, status=status,
                                      group_labels=dict(group.labels), **self._context_extras)
        for attempt in range(1, self._retry.max_attempts + 1):
            try:
                await self._metrics.attempt(notifier, list(delivery.alerts), context)
            except Exception as exc:  # noqa: BLE001 - a notifier's bug must not stop its channel's task
                retryable = isinstance(exc, NotifyError) and exc.retryable
                final = not retryable or attempt == self._retry.max_attempts
                self._record(delivery, notifier, status, Outcome.FAILED if final else Outcome.RETRYING, exc, attempt)
                if final:
                    return False
                await asyncio.sleep(min(self._retry.initial_backoff * 2 ** (attempt - 1), self._retry.max_backoff))
            else:
                self._record(delivery, notifier, status, Outcome.SENT, None, attempt)
                return True
        return False

    def _record(self, delivery: _Delivery, notifier: Notifier, status: str, outcome: Outcome,
                error: BaseException | None, attempt: int) -> None:
        self._metrics.count(notifier, outcome)
        integration = _integration_name(notifier, delivery.integration)
        message = "" if error is None else f"{type(error).__name__}: {error}"
        log.log(logging.INFO if error is None else logging.WARNING, "notify %s %s %s attempt %d: %s %s",
                delivery.group.receiver, integration, delivery.group.key, attempt, outcome.value, message)
        self._log.record(NotificationAttempt(
            at=self._wall_clock(), receiver=delivery.group.receiver, integration=integration, group_key=delivery.group.key,
            fingerprints=tuple(a.fingerprint for a in delivery.alerts), status=status, outcome=outcome,
            error=message, attempt=attempt,
        ))
