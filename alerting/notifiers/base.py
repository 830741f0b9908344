"""What every notification channel is: a ``Notifier`` sends one group of alerts and raises ``NotifyError`` saying
whether trying again could help; the dispatcher owns retries. Each channel's options subclass ``NotifierConfig``,
tagged with the channel's folder name; README.md beside this file says how a channel is added."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Generic, Literal, TypeVar

import msgspec

from itops.alerting.dispatch.messages import (
    DEFAULT_SEVERITY_STYLES,
    Language,
    Message,
    MessageSettings,
    SeverityStyle,
    render_message,
)
from itops.alerting.rules.model import Alert, Severity
from itops.common.yaml_config import Duration

__all__ = [
    "NotificationContext",
    "Notifier",
    "NotifierConfig",
    "NotifyError",
]

DEFAULT_TIMEOUT_S = 10.0


class NotifyError(Exception):
    """A notification was not delivered; ``retryable`` says whether the same request may succeed later."""

    def __init__(self, message: str, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class NotificationContext:
    """What the dispatcher knows about one notification besides its alerts."""

    group_key: str
    receiver: str
    status: Literal["firing", "resolved"]
    language: Language = "zh-CN"
    time_zone: str = "Asia/Shanghai"
    external_url: str = ""
    group_labels: dict[str, str] = field(default_factory=dict)
    severity_styles: Mapping[Severity, SeverityStyle] = field(default_factory=lambda: DEFAULT_SEVERITY_STYLES)


class NotifierConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, tag_field="type"):
    """Options every channel has; each channel's config model subclasses this with ``tag="<channel name>"``."""

    language: Annotated[Language | None, msgspec.Meta(description="Language of the messages, `zh-CN` or `en`. Defaults to the receiver's.")] = None
    timeout: Annotated[Duration, msgspec.Meta(description="Sending one notification must finish within this time.")] = Duration(DEFAULT_TIMEOUT_S)


ConfigT = TypeVar("ConfigT", bound=NotifierConfig)


class Notifier(abc.ABC, Generic[ConfigT]):
    """One way of telling people (or another system) about a group of alerts."""

    def __init__(self, config: ConfigT):
        self.config = config

    @abc.abstractmethod
    async def notify(self, alerts: list[Alert], context: NotificationContext) -> None:
        """Send once; raise ``NotifyError`` when not delivered."""

    def language(self, context: NotificationContext) -> Language:
        """This channel's language, else the receiver's."""
        return self.config.language or context.language

    def message(self, alerts: list[Alert], context: NotificationContext) -> Message:
        settings = MessageSettings(language=self.language(context), time_zone=context.time_zone,
                                   external_url=context.external_url, severity_styles=context.severity_styles)
        return render_message(alerts, context.status == "resolved", settings)
