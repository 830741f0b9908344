"""Notification metrics through the real dispatcher: a webhook to a real receiver on 127.0.0.1 is sent, an
Alertmanager channel whose port refuses connections fails; each is counted under its notifier plugin."""

import asyncio
import socket
import time
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from itops.alerting.dispatch.config import DispatchConfig
from itops.alerting.dispatch.dispatcher import Dispatcher
from itops.alerting.dispatch.notification_log import NotificationLog
from itops.alerting.dispatch.notification_metrics import NotificationMetrics
from itops.alerting.notifiers.alertmanager.alertmanager import (
    AlertmanagerConfig,
    AlertmanagerNotifier,
)
from itops.alerting.notifiers.webhook.webhook import WebhookConfig, WebhookNotifier
from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.common.yaml_config import load_text
from tests.simulators.webhook_receiver import WebhookReceiver

CONFIG = load_text("""
route: {receiver: ops, group_wait: 0s, group_interval: 1h, repeat_interval: 4h}
retry: {initial_backoff: 300ms, max_backoff: 300ms, max_attempts: 2}
""", DispatchConfig)
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # dates the notification log


@pytest.fixture
def receiver():
    made = WebhookReceiver()
    yield made
    made.close()


@pytest.fixture
def refused_url():
    """A port bound but not listening: connections to it are refused for as long as the test runs."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{bound.getsockname()[1]}"


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


async def until(condition, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_a_sent_and_a_failed_notification_are_counted_per_notifier_plugin_and_outcome(receiver, refused_url):
    registry = CollectorRegistry()
    channels = [WebhookNotifier(WebhookConfig(url=receiver.url)),
                AlertmanagerNotifier(AlertmanagerConfig(url=refused_url, timeout=2.0))]
    seen_in_flight = []

    async def main():
        dispatcher = Dispatcher(CONFIG, {"ops": channels}, NotificationLog(), wall_clock=lambda: T0,
                                metrics=NotificationMetrics(registry))
        await dispatcher.start()
        try:
            dispatcher.ingest([Alert("HostDown", {"alertname": "HostDown", "severity": "P2", "host": "db-1"}, {},
                                     Severity.P2, AlertState.FIRING)])
            # the first attempt failed: the second waits out its backoff, still in flight
            await until(lambda: sample(registry, "itops_notification_duration_seconds_count",
                                       notifier="alertmanager") == 1)
            seen_in_flight.append(sample(registry, "itops_notifications_queued", notifier="alertmanager"))
            await until(lambda: sample(registry, "itops_notifications_total", notifier="alertmanager",
                                       outcome="failed") == 1)
        finally:
            await dispatcher.stop()

    asyncio.run(main())
    assert len(receiver.received) == 1
    assert seen_in_flight == [1]
    counted = {(notifier, outcome): sample(registry, "itops_notifications_total", notifier=notifier, outcome=outcome)
               for notifier in ("webhook", "alertmanager") for outcome in ("sent", "failed")}
    assert counted == {("webhook", "sent"): 1, ("webhook", "failed"): 0,
                       ("alertmanager", "sent"): 0, ("alertmanager", "failed"): 1}
    assert sample(registry, "itops_notification_duration_seconds_count", notifier="webhook") == 1
    assert sample(registry, "itops_notification_duration_seconds_count", notifier="alertmanager") == 2  # two attempts
    assert 0 < sample(registry, "itops_notification_duration_seconds_sum", notifier="webhook") < 2
    assert {sample(registry, "itops_notifications_queued", notifier=n) for n in ("webhook", "alertmanager")} == {0}
