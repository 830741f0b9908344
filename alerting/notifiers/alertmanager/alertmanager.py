"""Forward alerts to a real Prometheus Alertmanager through its v2 API (``POST /api/v2/alerts``), for sites
that already route and silence with one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from itops.alerting.dispatch.messages import Language, alert_url, runbook_link
from itops.alerting.notifiers.alertmanager.config import AlertmanagerConfig
from itops.alerting.notifiers.base import NotificationContext, Notifier
from itops.alerting.notifiers.http_post import post_json
from itops.alerting.rules.model import Alert, AlertState

__all__ = ["AlertmanagerConfig", "AlertmanagerNotifier", "alertmanager_alert", "rfc3339"]


class AlertmanagerNotifier(Notifier[AlertmanagerConfig]):
    async def notify(self, alerts: list[Alert], context: NotificationContext) -> None:
        # A firing alert goes without endsAt: Alertmanager then resolves it by its resolve_timeout unless
        # it is sent again, so the dispatcher's repeat interval must be shorter than that timeout.
        payload = [alertmanager_alert(alert, context.external_url, self.language(context)) for alert in alerts]
        await post_json(f"{self.config.url.rstrip('/')}/api/v2/alerts", payload, self.config.timeout, self.config.headers)


def alertmanager_alert(alert: Alert, external_url: str, language: Language) -> dict[str, Any]:
    """An alert as Alertmanager's API knows it (``postableAlert``); its ``runbook_url`` annotation (the name
    Alertmanager's templates link) is the console's runbook page when the rule names a runbook and sets none."""
    fields: dict[str, Any] = {"labels": dict(alert.labels), "annotations": _annotations(alert, external_url, language)}
    started = alert.firing_since or alert.pending_since or alert.last_change
    if started is not None:
        fields["startsAt"] = rfc3339(started)
    if alert.state == AlertState.RESOLVED and alert.resolved_at is not None:
        fields["endsAt"] = rfc3339(alert.resolved_at)
    if external_url:
        fields["generatorURL"] = alert_url(external_url, alert)
    return fields


def _annotations(alert: Alert, external_url: str, language: Language) -> dict[str, str]:
    runbook = runbook_link(alert, external_url, language)
    return dict(alert.annotations) | ({"runbook_url": runbook} if runbook else {})


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
