"""Options of the ``tcp_connect`` input: which host:port pairs to connect to."""

from __future__ import annotations

from typing import Annotated

import msgspec

from itops.agent.inputs.base import InputConfig
from itops.common.plugin_registry import plugin_name
from itops.common.yaml_config import Duration

__all__ = ["TcpConnectConfig", "split_host_port"]


def split_host_port(target: str) -> tuple[str, int]:
    """``db:5432`` → ("db", 5432); ``[fe80::1]:22`` → ("fe80::1", 22)."""
    host, separator, port = target.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"targets: {target!r} is not host:port (an IPv6 address as [address]:port)")
    return host, int(port)


class TcpConnectConfig(InputConfig, tag=plugin_name(__name__)):
    """Whether a TCP connection to each target is accepted, and how long it takes."""

    targets: Annotated[list[str], msgspec.Meta(min_length=1, description="`host:port` to connect to, e.g. `db.example.lan:5432` or `[fe80::1]:22`.")]
    connect_timeout: Annotated[Duration, msgspec.Meta(description="A connection not accepted within this time is CRITICAL.")] = Duration(5)

    def __post_init__(self):
        for target in self.targets:
            split_host_port(target)
