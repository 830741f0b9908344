"""What every channel shares: its language (its own, else the receiver's) and the options every channel has."""

import dataclasses

from itops.alerting.notifiers.base import Notifier
from itops.alerting.notifiers.webhook.config import WebhookConfig
from tests.unit.alerting.notifiers.notifier_helpers import FIRING, disk_alert, refused


class SilentNotifier(Notifier[WebhookConfig]):
    async def notify(self, alerts, context) -> None:
        raise AssertionError("the tests here only render")


def test_a_channel_without_a_language_writes_in_the_receivers():
    channel = SilentNotifier(WebhookConfig(url="https://hooks.example.com"))
    assert channel.language(FIRING) == "zh-CN"
    assert channel.message([disk_alert()], FIRING).title == "[P1 Ⅰ级 紧急] web1 磁盘已满"


def test_a_channels_own_language_wins():
    channel = SilentNotifier(WebhookConfig(url="https://hooks.example.com", language="en"))
    assert channel.language(FIRING) == "en"
    assert channel.message([disk_alert()], FIRING).title == "[P1 Critical] Disk on web1 is full"


def test_the_message_of_a_resolved_notification_says_so():
    resolved = dataclasses.replace(FIRING, status="resolved")
    title = SilentNotifier(WebhookConfig(url="https://hooks.example.com")).message([disk_alert()], resolved).title
    assert title.startswith("[已恢复] ")


def test_an_unknown_language_is_refused_naming_it():
    error = refused("url: https://hooks.example.com\nlanguage: fr\n", WebhookConfig)
    assert (error.line, error.field) == (2, "language")


def test_a_timeout_is_a_duration():
    error = refused("url: https://hooks.example.com\ntimeout: soon\n", WebhookConfig)
    assert (error.line, error.field) == (2, "timeout")
