"""Who this agent is to the collector, and how it proves it: the one place identity is handled.

An enrolled agent (its certificate and key exist: `itops-agent enroll`) sends to the collector's mTLS port with its
client certificate; the certificate files are read each time a channel opens, so a renewed certificate is used from
the next connection. An agent not enrolled sends its bearer token to the token port, over TLS that verifies the
collector.
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
    token_address: str
    mtls_address: str
    token: str
    tls: bool
    ca_pem: bytes | None
    server_name: str | None
    timeout_s: float
    certificate_paths: tuple[str, str] | None = None  # (certificate, key); None: never use one
    asset: ingest_pb2.Asset = field(default_factory=ingest_pb2.Asset)

    @classmethod
    def from_config(cls, config: AgentConfig) -> AgentIdentity:
        ca_pem = None
        if config.collector.ca_file:
            with open(config.collector.ca_file, "rb") as handle:
                ca_pem = handle.read()
        return cls(
            agent_id=config.resolved_agent_id(),
            hostname=config.resolved_hostname(),
            token_address=config.collector.address,
            mtls_address=config.resolved_mtls_address(),
            token=config.read_token(),
            tls=config.collector.tls,
            ca_pem=ca_pem,
            server_name=config.collector.server_name,
            timeout_s=config.collector.timeout,
            certificate_paths=config.certificate_paths() if config.collector.tls else None,
            asset=ingest_pb2.Asset(**msgspec.structs.asdict(config.asset)),
        )

    def _client_certificate(self) -> tuple[bytes, bytes] | None:
        """(certificate, key) PEM when enrolled."""
        if self.certificate_paths is None:
            return None
        try:
            with open(self.certificate_paths[0], "rb") as certificate, open(self.certificate_paths[1], "rb") as key:
                return certificate.read(), key.read()
        except FileNotFoundError:
            return None

    @property
    def address(self) -> str:
        """Where the next channel goes: the mTLS port when enrolled, else the token port."""
        return self.mtls_address if self._client_certificate() is not None else self.token_address

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        if self._client_certificate() is not None:
            return (("x-itops-agent-id", self.agent_id),)
        return (("authorization", f"Bearer {self.token}"), ("x-itops-agent-id", self.agent_id))

    def open_channel(self, options: list[tuple[str, object]]) -> grpc.Channel:
        if not self.tls:
            return grpc.insecure_channel(self.token_address, options=options)
        if self.server_name:
            options = [*options, ("grpc.ssl_target_name_override", self.server_name)]
        client = self._client_certificate()
        if client is None:
            credentials = grpc.ssl_channel_credentials(root_certificates=self.ca_pem)
            return grpc.secure_channel(self.token_address, credentials, options=options)
        certificate, key = client
        credentials = grpc.ssl_channel_credentials(root_certificates=self.ca_pem, private_key=key,
                                                   certificate_chain=certificate)
        return grpc.secure_channel(self.mtls_address, credentials, options=options)

    def hello(self) -> ingest_pb2.AgentHello:
        from itops.agent.facts import agent_hello

        hello = agent_hello(self.agent_id, self.hostname)
        hello.asset.CopyFrom(self.asset)
        return hello
