"""The agent's config file (YAML), as typed models. docs/configuration.md is generated from these."""

from __future__ import annotations

import socket
from typing import Annotated, Union

import msgspec
from msgspec import Meta

from itops.agent.inputs import SHIPPED_INPUTS, config_models
from itops.yamlconf import ByteSize, ConfigError, Duration, load_file

__all__ = ["AgentConfig", "BatchConfig", "BufferConfig", "CollectorConfig", "load_agent_config"]

DEFAULT_COLLECTOR_PORT = 9717

InputConfigUnion = Union[config_models()]  # type: ignore[valid-type]


class CollectorConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    address: Annotated[str, Meta(description=f"Collector gRPC address, host:port (default port {DEFAULT_COLLECTOR_PORT}).")]
    tls: Annotated[bool, Meta(description="Use TLS and verify the collector's certificate. Turn off only on a trusted loopback.")] = True
    ca_file: Annotated[str | None, Meta(description="PEM file with the CA that signed the collector's certificate. Defaults to the system trust store.")] = None
    server_name: Annotated[str | None, Meta(description="Name to verify in the collector's certificate, when it differs from the host in `address`.")] = None
    token: Annotated[str | None, Meta(description="This agent's bearer token. Prefer `token_file`.")] = None
    token_file: Annotated[str | None, Meta(description="File holding this agent's bearer token (mode 0600).")] = None
    timeout: Annotated[Duration, Meta(description="Deadline of one call to the collector.")] = Duration(10)
    backoff_initial: Annotated[Duration, Meta(description="First wait after a failed call; doubles on each further failure.")] = Duration(0.5)
    backoff_max: Annotated[Duration, Meta(description="Longest wait between retries.")] = Duration(30)


class BufferConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    enabled: Annotated[bool, Meta(description="Keep unsent batches on disk so nothing is lost while the collector is unreachable or the agent restarts. When off, they are kept in memory.")] = True
    path: Annotated[str, Meta(description="Directory of the disk buffer.")] = "/var/lib/itops-agent"
    limit: Annotated[ByteSize, Meta(description="Most bytes the buffer holds; beyond it the oldest batches are dropped and counted in itops_agent_buffer_dropped_samples_total.")] = ByteSize(256 * 2**20)


class BatchConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    max_samples: Annotated[int, Meta(ge=1, le=100_000, description="A batch is sent once it holds this many samples.")] = 1000
    max_age: Annotated[Duration, Meta(description="A batch is sent at the latest this long after its first sample.")] = Duration(10)


class AgentConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    collector: Annotated[CollectorConfig, Meta(description="Where to send data.")]
    agent_id: Annotated[str | None, Meta(description="This agent's identity at the collector. Defaults to the hostname.")] = None
    hostname: Annotated[str | None, Meta(description="Host name reported and put in the `host` label. Defaults to the system's.")] = None
    labels: Annotated[dict[str, str], Meta(description="Labels added to every sample (after the input's own). `host` is added unless set here.")] = {}
    interval: Annotated[Duration, Meta(description="Default gather interval of inputs.")] = Duration(15)
    jitter: Annotated[Duration, Meta(description="Each gather starts up to this much later than its interval, so many agents don't gather in step.")] = Duration(2)
    buffer: Annotated[BufferConfig, Meta(description="Disk buffer for unsent batches.")] = msgspec.field(default_factory=BufferConfig)
    batch: Annotated[BatchConfig, Meta(description="When batches are sent.")] = msgspec.field(default_factory=BatchConfig)
    inputs: Annotated[list[InputConfigUnion], Meta(description="What to gather; each item has a `type` (see the inputs below).")] = []  # type: ignore[valid-type]

    def resolved_hostname(self) -> str:
        return self.hostname or socket.gethostname()

    def resolved_agent_id(self) -> str:
        return self.agent_id or self.resolved_hostname()

    def resolved_labels(self) -> dict[str, str]:
        return {"host": self.resolved_hostname(), **self.labels}

    def read_token(self) -> str:
        if self.collector.token_file:
            try:
                with open(self.collector.token_file, encoding="utf-8") as handle:
                    return handle.read().strip()
            except OSError as exc:
                raise ConfigError(self.collector.token_file, None, "collector.token_file", f"cannot read: {exc.strerror}") from None
        return self.collector.token or ""


def load_agent_config(path: str) -> AgentConfig:
    config = load_file(path, AgentConfig, choices={"inputs[].type": list(SHIPPED_INPUTS)})
    names = [item.name or item.__struct_config__.tag for item in config.inputs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigError(path, None, "inputs", f"two inputs are both named {duplicates[0]!r}; give one a distinct `name`")
    if not (config.collector.token or config.collector.token_file):
        raise ConfigError(path, None, "collector", "needs `token` or `token_file`")
    return config
