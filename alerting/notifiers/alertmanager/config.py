"""Options of the ``alertmanager`` notification channel."""

from __future__ import annotations

from typing import Annotated

import msgspec

from itops.alerting.notifiers.base import NotifierConfig
from itops.common.plugin_registry import plugin_name

__all__ = ["AlertmanagerConfig"]


class AlertmanagerConfig(NotifierConfig, tag=plugin_name(__name__)):
    """An Alertmanager that takes the alerts over: it groups, silences and notifies by its own config."""

    url: Annotated[str, msgspec.Meta(pattern=r"^https?://", description="Alertmanager's base URL, e.g. `http://alertmanager:9093`.")]
    headers: Annotated[dict[str, str], msgspec.Meta(description="Request headers, e.g. `Authorization` for a proxy in front of it.")] = {}
