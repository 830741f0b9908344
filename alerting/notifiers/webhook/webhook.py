"""POST a group of alerts as JSON to any HTTP endpoint, in itops' own shape or exactly as Alertmanager's
webhook receiver sends it (so tools written for Alertmanager work unchanged)."""

from __future__ import annotations

from typing import Any

from itops.alerting.dispatch.messages import Language, alert_url, runbook_link
from itops.alerting.notifiers.alertmanager.alertmanager import (
    alertmanager_alert,
    rfc3339,
)
from itops.alerting.notifiers.base import NotificationContext, Notifier
from itops.alerting.notifiers.http_post import post_json
from itops.alerting.notifiers.webhook.config import WebhookConfig
from itops.alerting.rules.model import Alert, AlertState

__all__ = ["WebhookConfig", "WebhookNotifier", "alertmanager_payload", "itops_payload"]

ALERTMANAGER_WEBHOOK_VERSION = "4"
ALERTMANAGER_ZERO_TIME = "0001-01-01T00:00:00Z"  # Go's zero time: what Alertmanager sends for "not ended"


class WebhookNotifier(Notifier[WebhookConfig]):
    async def notify(self, alerts: list[Alert], context: NotificationContext) -> None:
        language = self.language(context)
        if self.config.format == "alertmanager":
            payload = alertmanager_payload(alerts, context, language)
        else:
            message = self.message(alerts, context)
            payload = itops_payload(alerts, context, language) | {"title": message.title, "text": message.as_text()}
        await post_json(self.config.url, payload, self.config.timeout, self.config.headers)


def alertmanager_payload(alerts: list[Alert], context: NotificationContext, language: Language) -> dict[str, Any]:
    sent = [_alertmanager_webhook_alert(alert, context.external_url, language) for alert in alerts]
    return {
        "version": ALERTMANAGER_WEBHOOK_VERSION,
        "groupKey": context.group_key,
        "truncatedAlerts": 0,
        "status": context.status,
        "receiver": context.receiver,
        "groupLabels": dict(context.group_labels),
        "commonLabels": _common([alert.labels for alert in alerts]),
        "commonAnnotations": _common([alert["annotations"] for alert in sent]),
        "externalURL": context.external_url,
        "alerts": sent,
    }


def itops_payload(alerts: list[Alert], context: NotificationContext, language: Language) -> dict[str, Any]:
    return {
        "version": "itops/1",
        "groupKey": context.group_key,
        "status": context.status,
        "receiver": context.receiver,
        "groupLabels": dict(context.group_labels),
        "externalURL": context.external_url,
        "alerts": [_itops_alert(alert, context.external_url, language) for alert in alerts],
    }


def _alertmanager_webhook_alert(alert: Alert, external_url: str, language: Language) -> dict[str, Any]:
    fields = alertmanager_alert(alert, external_url, language)
    return {
        "status": "resolved" if alert.state == AlertState.RESOLVED else "firing",
        "labels": fields["labels"],
        "annotations": fields["annotations"],
        "startsAt": fields.get("startsAt", ALERTMANAGER_ZERO_TIME),
        "endsAt": fields.get("endsAt", ALERTMANAGER_ZERO_TIME),
        "generatorURL": fields.get("generatorURL", ""),
        "fingerprint": alert.fingerprint,
    }


def _itops_alert(alert: Alert, external_url: str, language: Language) -> dict[str, Any]:
    started = alert.firing_since or alert.pending_since
    return {
        "fingerprint": alert.fingerprint,
        "rule": alert.rule,
        "state": alert.state.value,
        "severity": alert.severity.value,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "value": alert.value,
        "startsAt": rfc3339(started) if started else None,
        "endsAt": rfc3339(alert.resolved_at) if alert.resolved_at else None,
        "flapping": alert.flapping,
        "url": alert_url(external_url, alert) if external_url else None,
        "runbookURL": runbook_link(alert, external_url, language),
    }


def _common(mappings: list[dict[str, str]]) -> dict[str, str]:
    """The pairs every mapping has with the same value."""
    first, *rest = mappings
    return {key: value for key, value in first.items() if all(other.get(key) == value for other in rest)}
