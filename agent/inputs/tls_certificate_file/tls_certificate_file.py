"""The ``tls_certificate_file`` input: time left until the certificates in PEM files expire."""

from __future__ import annotations

import datetime

from itops.agent.checks import CheckMessage, CheckStatus
from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.target_check import TargetCheck, Verdict
from itops.agent.inputs.tls_certificate_file.config import TlsCertificateFileConfig
from itops.agent.inputs.tls_certificate_file.validity import CertificateError, expiry_status, not_after, pem_certificates

__all__ = ["TlsCertificateFileInput"]

NOT_PERMITTED = CheckMessage("file.not_permitted", "the agent may not read the file: {error}")
UNREADABLE = CheckMessage("file.unreadable", "cannot read the file: {error}")
NOT_A_CERTIFICATE = CheckMessage("tls_certificate_file.not_a_certificate", "not a readable certificate: {error}")
VALID_UNTIL = CheckMessage("tls_certificate_file.valid_until", "valid until {expires_utc} UTC")


class TlsCertificateFileInput(TargetCheck[TlsCertificateFileConfig, str, datetime.datetime]):
    failures = (OSError, CertificateError)

    def targets(self) -> list[str]:
        return self.config.files

    def probe(self, path: str) -> datetime.datetime:
        """When the first certificate in the file expires."""
        with open(path, "rb") as handle:
            certificates = pem_certificates(handle.read())
        if not certificates:
            raise CertificateError("no PEM CERTIFICATE block in the file")
        return min(map(not_after, certificates))

    def describe_failure(self, failure: Exception) -> Verdict:
        if isinstance(failure, PermissionError):
            return CheckStatus.UNKNOWN, NOT_PERMITTED(error=failure.strerror)
        if isinstance(failure, OSError):
            return CheckStatus.CRITICAL, UNREADABLE(error=failure.strerror or failure)
        return CheckStatus.CRITICAL, NOT_A_CERTIFICATE(error=failure)

    def judge(self, acc: Accumulator, path: str, expires: datetime.datetime, duration_s: float) -> Verdict:
        seconds_left = expires.timestamp() - self.clock()
        acc.add_sample("itops_tls_certificate_file_expiry_seconds", seconds_left, {"target": path})
        status, expiry = expiry_status(seconds_left, self.config.expiry_warning, self.config.expiry_critical)
        return status, [expiry, VALID_UNTIL(expires_utc=f"{expires:%Y-%m-%d %H:%M}")]
