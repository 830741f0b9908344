"""Options of the ``dingtalk`` notification channel."""

from __future__ import annotations

from typing import Annotated

import msgspec

from itops.alerting.notifiers.base import NotifierConfig
from itops.common.plugin_registry import plugin_name

__all__ = ["DingtalkConfig"]


class DingtalkConfig(NotifierConfig, tag=plugin_name(__name__)):
    """A DingTalk group robot (自定义机器人)."""

    url: Annotated[str, msgspec.Meta(pattern=r"^https?://", description="The robot's webhook URL, `https://oapi.dingtalk.com/robot/send?access_token=…`.")]
    secret: Annotated[str | None, msgspec.Meta(description="The robot's signing secret (`SEC…`), when its security setting is 加签.")] = None
    at_mobiles: Annotated[list[str], msgspec.Meta(description="Mobile numbers of group members to @-mention.")] = []
    at_all: Annotated[bool, msgspec.Meta(description="@-mention everyone in the group.")] = False
