"""The agent's config file (YAML), as typed models. docs/configuration.md is generated from these."""

from __future__ import annotations

import os
import socket
from typing import Annotated, Union

import msgspec
from msgspec import Meta

from itops.agent.inputs import INPUTS
from itops.common.yaml_config import ByteSize, ConfigError, Duration, FieldProblem, load_file
from itops.entities import HOST_LABEL

__all__ = ["AgentConfig", "AssetConfig", "BatchConfig", "BufferConfig", "CollectorConfig", "load_agent_config"]

DEFAULT_COLLECTOR_PORT = 9717
DEFAULT_MTLS_PORT = 9719

InputConfigUnion = Union[INPUTS.config_models()]  # type: ignore[valid-type]


class CollectorConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    address: Annotated[str, Meta(description=f"Collector gRPC address, host:port (default port {DEFAULT_COLLECTOR_PORT}).")]
    tls: Annotated[bool, Meta(description="Use TLS and verify the collector's certificate. Turn off only on a trusted loopback.")] = True
    ca_file: Annotated[str | None, Meta(description="PEM file with the CA that signed the collector's certificate. Defaults to the system trust store.")] = None
    server_name: Annotated[str | None, Meta(description="Name to verify in the collector's certificate, when it differs from the host in `address`.")] = None
    mtls_address: Annotated[str | None, Meta(description=f"The collector's mTLS port, host:port, where an enrolled agent sends with its certificate. Default: the host of `address`, port {DEFAULT_MTLS_PORT}.")] = None
    certificate_file: Annotated[str | None, Meta(description="This agent's client certificate (PEM), written by `itops-agent enroll` and renewed by the agent. While it exists the agent sends to `mtls_address` with it; otherwise with its bearer token to `address`. Default: `agent.pem` in `buffer.path`.")] = None
    key_file: Annotated[str | None, Meta(description="The certificate's private key (PEM, mode 0600), made on this host by `itops-agent enroll`. Default: `agent-key.pem` in `buffer.path`.")] = None
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


class CentralConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    enabled: Annotated[bool, Meta(description="Also run the inputs the collector assigns to this agent (its `assignments_file`), picking up changes without a restart.")] = False
    interval: Annotated[Duration, Meta(description="How often to ask the collector for changes.")] = Duration(60)


class AssetConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    asset_number: Annotated[str, Meta(description="The host's number in the company's asset register.")] = ""
    department: Annotated[str, Meta(description="Department the host belongs to.")] = ""
    location: Annotated[str, Meta(description="Where the host is, e.g. `HQ 3F server room, rack 2`.")] = ""
    responsible_person: Annotated[str, Meta(description="Who answers for the host (alerts about it can be routed to them).")] = ""


class AgentConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    collector: Annotated[CollectorConfig, Meta(description="Where to send data.")]
    agent_id: Annotated[str | None, Meta(description="This agent's identity at the collector. Defaults to the hostname.")] = None
    hostname: Annotated[str | None, Meta(description="Host name reported and put in the `host` label. Defaults to the system's.")] = None
    labels: Annotated[dict[str, str], Meta(description="Labels added to every sample (after the input's own). `host` is added unless set here.")] = {}
    asset: Annotated[AssetConfig, Meta(description="Asset register fields of this host, shown with it at the collector.")] = msgspec.field(default_factory=AssetConfig)
    interval: Annotated[Duration, Meta(description="Default gather interval of inputs.")] = Duration(15)
    jitter: Annotated[Duration, Meta(description="Each gather starts up to this much later than its interval, so many agents don't gather in step.")] = Duration(2)
    central_config: Annotated[CentralConfig, Meta(description="Inputs assigned to this agent at the collector.")] = msgspec.field(default_factory=CentralConfig)
    buffer: Annotated[BufferConfig, Meta(description="Disk buffer for unsent batches.")] = msgspec.field(default_factory=BufferConfig)
    batch: Annotated[BatchConfig, Meta(description="When batches are sent.")] = msgspec.field(default_factory=BatchConfig)
    inputs: Annotated[list[InputConfigUnion], Meta(description="What to gather; each item has a `type` (see the inputs below).")] = []  # type: ignore[valid-type]

    def resolved_hostname(self) -> str:
        return self.hostname or socket.gethostname()

    def resolved_agent_id(self) -> str:
        return self.agent_id or self.resolved_hostname()

    def resolved_labels(self) -> dict[str, str]:
        return {HOST_LABEL: self.resolved_hostname(), **self.labels}

    def certificate_paths(self) -> tuple[str, str]:
        """(certificate file, key file)."""
        return (self.collector.certificate_file or os.path.join(self.buffer.path, "agent.pem"),
                self.collector.key_file or os.path.join(self.buffer.path, "agent-key.pem"))

    def enrolled(self) -> bool:
        return all(os.path.exists(path) for path in self.certificate_paths())

    def resolved_mtls_address(self) -> str:
        if self.collector.mtls_address:
            return self.collector.mtls_address
        host = self.collector.address.rsplit(":", 1)[0] if ":" in self.collector.address else self.collector.address
        return f"{host}:{DEFAULT_MTLS_PORT}"

    def read_token(self) -> str:
        if self.collector.token_file:
            try:
                with open(self.collector.token_file, encoding="utf-8") as handle:
                    return handle.read().strip()
            except OSError as exc:
                raise ConfigError(self.collector.token_file, None, "collector.token_file", f"cannot read: {exc.strerror}") from None
        return self.collector.token or ""


def check_agent_config(config: AgentConfig) -> None:
    check_input_names(config.inputs, "inputs")
    if not (config.collector.token or config.collector.token_file or config.enrolled()):
        certificate, _ = config.certificate_paths()
        raise FieldProblem("collector", f"needs `token` or `token_file`, or a certificate ({certificate}): enroll "
                                        "first with `itops-agent enroll --token …`")


def check_input_names(inputs: list, field: str, taken: frozenset[str] = frozenset()) -> None:
    seen = set(taken)
    for index, item in enumerate(inputs):
        name = item.name or item.__struct_config__.tag
        if name in seen:
            raise FieldProblem(f"{field}[{index}]", f"another input is already named {name!r}; give one a distinct `name`")
        seen.add(name)


def load_agent_config(path: str, enrolling: bool = False) -> AgentConfig:
    """``enrolling``: for `itops-agent enroll`, which makes the credentials the agent needs."""
    return load_file(path, AgentConfig, choices={"inputs[].type": list(INPUTS.names())},
                     check=(lambda config: check_input_names(config.inputs, "inputs")) if enrolling else check_agent_config)
