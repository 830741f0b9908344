"""Notifications' own metrics, on the registry the collector exports (a private one for callers that export
nothing). The ``notifier`` label is the notifier plugin's name (webhook, email, ...), never a receiver's name:
receivers are named freely in the config, plugins are few."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from itops.alerting.dispatch.notification_log import Outcome
from itops.alerting.notifiers.base import NotificationContext, Notifier
from itops.alerting.rules.model import Alert
from itops.common.plugin_registry import plugin_name

__all__ = ["NotificationMetrics", "notifier_plugin"]

_DURATION_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_COUNTED = (Outcome.SENT, Outcome.FAILED)  # a retried attempt is neither yet; its time is in the histogram


def notifier_plugin(notifier: Notifier) -> str:
    """The plugin a notifier is: the folder its class is in."""
    return plugin_name(type(notifier).__module__)


class NotificationMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        registry = registry if registry is not None else CollectorRegistry()
        self.notifications = Counter(
            "itops_notifications", "Notifications by notifier plugin and outcome: sent (delivered, perhaps after "
            "retries) or failed (not retryable, or out of attempts).", ["notifier", "outcome"], registry=registry)
        self.duration = Histogram(
            "itops_notification_duration_seconds", "Time of one attempt to send a notification, delivered or not "
            "(retries are attempts of their own), by notifier plugin.",
            ["notifier"], buckets=_DURATION_BUCKETS_S, registry=registry)
        self.queued = Gauge(
            "itops_notifications_queued", "Notifications waiting for their channel or being sent (retries "
            "included), by notifier plugin.", ["notifier"], registry=registry)

    def watch_queue(self, plugin: str, queued: Callable[[], float]) -> None:
        """The dispatcher's queue of a plugin's channels; its outcomes exist from the start, at 0."""
        self.queued.labels(plugin).set_function(queued)
        for outcome in _COUNTED:
            self.notifications.labels(plugin, outcome.value)

    async def attempt(self, notifier: Notifier, alerts: list[Alert], context: NotificationContext) -> None:
        """``notifier.notify``, timed on the event loop's clock."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            await notifier.notify(alerts, context)
        finally:
            self.duration.labels(notifier_plugin(notifier)).observe(loop.time() - started)

    def count(self, notifier: Notifier, outcome: Outcome) -> None:
        if outcome in _COUNTED:
            self.notifications.labels(notifier_plugin(notifier), outcome.value).inc()
