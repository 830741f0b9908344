"""The Enrollment service: Enroll (token port: a one-time token and a CSR → the agent's certificate) and Renew
(mTLS port: the certificate in use says who asks; a new CSR → a new certificate)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import grpc

from itops.collector.ingest.admission import admitted_agent
from itops.collector.ingest.agent_credentials import SELF_AGENT_ID
from itops.collector.ingest.certificate_authority import (
    CertificateAuthority,
    CsrRefused,
    IssuedCertificate,
)
from itops.collector.records.enrollment import EnrollmentStore, TokenRefused
from itops.v1 import ingest_pb2, ingest_pb2_grpc

__all__ = ["ENROLL_METHOD", "EnrollmentService", "check_agent_id"]

ENROLL_METHOD = "/itops.v1.Enrollment/Enroll"
AGENT_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")  # as an `agents` entry's id


def check_agent_id(agent_id: str) -> str | None:
    """Why ``agent_id`` cannot be enrolled, or None."""
    if not AGENT_ID_RE.match(agent_id):
        return f"agent id {agent_id[:128]!r}: expected 1 to 128 letters, digits, '.', '_' or '-'"
    if agent_id == SELF_AGENT_ID:
        return f"agent id {SELF_AGENT_ID!r} is reserved for the collector's own metrics"
    return None


class EnrollmentService(ingest_pb2_grpc.EnrollmentServicer):
    def __init__(self, authority: CertificateAuthority, store: EnrollmentStore, lifetime: datetime.timedelta,
                 clock: Callable[[], datetime.datetime]):
        self._authority = authority
        self.ca_pem = authority.pem  # what the mTLS port trusts
        self._store = store
        self._lifetime = lifetime
        self._clock = clock

    async def Enroll(self, request: ingest_pb2.EnrollRequest, context: grpc.aio.ServicerContext):
        problem = check_agent_id(request.agent_id)
        if problem:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, problem)
        now = self._clock()
        issued = await self._sign(request.csr_pem, request.agent_id, now, context)
        try:
            self._store.redeem(request.token, request.agent_id, _ms(now))
        except TokenRefused as exc:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, str(exc))
        return self._reply(issued, request.agent_id, now, "enroll")

    async def Renew(self, request: ingest_pb2.RenewRequest, context: grpc.aio.ServicerContext):
        agent_id = admitted_agent()
        now = self._clock()
        return self._reply(await self._sign(request.csr_pem, agent_id, now, context), agent_id, now, "renew")

    async def _sign(self, csr_pem: str, agent_id: str, now: datetime.datetime,
                    context: grpc.aio.ServicerContext) -> IssuedCertificate:
        try:
            return self._authority.sign(csr_pem, agent_id, now, self._lifetime)
        except CsrRefused as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"csr_pem: {exc}")

    def _reply(self, issued: IssuedCertificate, agent_id: str, now: datetime.datetime,
               how: str) -> ingest_pb2.CertificateReply:
        self._store.record_certificate(issued.serial, agent_id, _ms(issued.not_before), _ms(issued.not_after),
                                       _ms(now), how)
        return ingest_pb2.CertificateReply(certificate_pem=issued.pem, ca_pem=self._authority.pem,
                                           not_after_ms=_ms(issued.not_after))


def _ms(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)
