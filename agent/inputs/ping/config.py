"""Options of the ``ping`` input: which hosts to send ICMP echo requests to, how many and how patiently."""

from __future__ import annotations

from typing import Annotated

import msgspec

from itops.agent.inputs.base import InputConfig
from itops.common.plugin_registry import plugin_name
from itops.common.yaml_config import Duration

__all__ = ["PingConfig"]


class PingConfig(InputConfig, tag=plugin_name(__name__)):
    """Round-trip time and packet loss to hosts, with ICMP echo over an unprivileged ICMP socket."""

    hosts: Annotated[list[str], msgspec.Meta(min_length=1, description="Host names or IPv4/IPv6 addresses to ping.")]
    count: Annotated[int, msgspec.Meta(ge=1, le=100, description="Echo requests sent to each host per gather.")] = 3
    packet_interval: Annotated[Duration, msgspec.Meta(description="Pause between the echo requests to one host.")] = Duration(0.2)
    reply_timeout: Annotated[Duration, msgspec.Meta(description="An echo request without reply within this time counts as lost.")] = Duration(1)
    max_loss_ratio: Annotated[float, msgspec.Meta(ge=0, le=1, description="Loss (0-1) tolerated before the check turns WARNING. Losing every request is always CRITICAL.")] = 0.0
