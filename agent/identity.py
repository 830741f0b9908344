"""Who this agent is to the collector, and how it proves it: the one place identity is handled.

Today an agent authenticates with a bearer token over a TLS channel that verifies the collector.
Per-agent mTLS enrollment will replace the token here without touching the sender.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
import msgspec

from itops.agent.config import AgentConfig
from itops.v1 import ingest_pb2

__all__ = ["AgentIdentity"]


@dataclass(frozen=True)
class AgentIdentity:
    agent_id: str
    hostname: str
    address: str
    token: str
    tls: bool
    ca_pem: bytes | None
    server_name: str | None
    timeout_s: float
    asset: ingest_pb2.Asset = field(default_factory=ingest_pb2.Asset)

    @classmethod
    def from_config(cls, config: AgentConfig) -> "AgentIdentity":
        ca_pem = None
        if config.collector.ca_file:
            with open(config.collector.ca_file, "rb") as handle:
                ca_pem = handle.read()
        return cls(
            agent_id=config.resolved_agent_id(),
            hostname=config.resolved_hostname(),
            address=config.collector.address,
            token=config.read_token(),
            tls=config.collector.tls,
            ca_pem=ca_pem,
            server_name=config.collector.server_name,
            timeout_s=config.collector.timeout,
            asset=ingest_pb2.Asset(**msgspec.structs.asdict(config.asset)),
        )

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"), ("x-itops-agent-id", self.agent_id))

    def open_channel(self, options: list[tuple[str, object]]) -> grpc.Channel:
        if not self.tls:
            return grpc.insecure_channel(self.address, options=options)
        if self.server_name:
            options = [*options, ("grpc.ssl_target_name_override", self.server_name)]
        credentials = grpc.ssl_channel_credentials(root_certificates=self.ca_pem)
        return grpc.secure_channel(self.address, credentials, options=options)

    def hello(self) -> ingest_pb2.AgentHello:
        from itops.agent.facts import agent_hello

        hello = agent_hello(self.agent_id, self.hostname)
        hello.asset.CopyFrom(self.asset)
        return hello
