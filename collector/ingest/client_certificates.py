"""The mTLS port's authentication: the agent its client certificate names (the collector's CA issued it: gRPC
verified the chain and the dates in the handshake), unless that certificate is revoked or unknown, or the call
says it is another agent."""

from __future__ import annotations

import grpc

from itops.collector.ingest.admission import Metadata, claimed_agent
from itops.collector.ingest.certificate_authority import agent_of_certificate
from itops.collector.records.enrollment import EnrollmentStore
from itops.common.key_cache import KeyCache

__all__ = ["ClientCertificates"]

PEM_CERT = "x509_pem_cert"
CACHED_CERTIFICATES = 10_000


class ClientCertificates:
    def __init__(self, store: EnrollmentStore):
        self._store = store
        self._identity_of: KeyCache[bytes, tuple[str, str] | None] = KeyCache(CACHED_CERTIFICATES)

    def authenticate(self, metadata: Metadata, context: grpc.aio.ServicerContext) -> tuple[str | None, str]:
        pems = context.auth_context().get(PEM_CERT)
        if not pems:
            return None, "no client certificate"
        identity = self._identity_of.get_or_make(pems[0], agent_of_certificate)
        if identity is None:
            return None, "the client certificate names no itops agent (URI urn:itops:agent:<id>)"
        agent_id, serial = identity
        claimed = claimed_agent(metadata)
        if claimed is not None and claimed != agent_id:
            return None, f"the client certificate is agent {agent_id!r}'s, but the call says it is agent {claimed!r}"
        if self._store.is_revoked(serial):
            return None, (f"the certificate of agent {agent_id!r} (serial {serial}) is revoked or unknown to this "
                          "collector: enroll the agent again (`itops-collector enroll-token --agent-id "
                          f"{agent_id}`, then `itops-agent enroll`)")
        return agent_id, ""
