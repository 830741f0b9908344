"""Options of the ``wecom`` notification channel."""

from __future__ import annotations

from typing import Annotated

import msgspec

from itops.alerting.notifiers.base import NotifierConfig
from itops.common.plugin_registry import plugin_name

__all__ = ["WecomConfig"]


class WecomConfig(NotifierConfig, tag=plugin_name(__name__)):
    """A WeCom group robot (群机器人)."""

    url: Annotated[str, msgspec.Meta(pattern=r"^https?://", description="The robot's webhook URL, `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`.")]
