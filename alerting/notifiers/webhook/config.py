"""Options of the ``webhook`` notification channel."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from itops.alerting.notifiers.base import NotifierConfig
from itops.common.plugin_registry import plugin_name

__all__ = ["WebhookConfig"]


class WebhookConfig(NotifierConfig, tag=plugin_name(__name__)):
    """A JSON POST to your own endpoint."""

    url: Annotated[str, msgspec.Meta(pattern=r"^https?://", description="Where to POST, an `http://` or `https://` URL.")]
    format: Annotated[Literal["itops", "alertmanager"], msgspec.Meta(description="`itops`: alerts with their rendered title and text; `alertmanager`: exactly Alertmanager's webhook payload (version 4).")] = "itops"
    headers: Annotated[dict[str, str], msgspec.Meta(description="Request headers, e.g. `Authorization`.")] = {}
