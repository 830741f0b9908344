"""The ``tls_certificate_file`` input: time left until the certificates in PEM files expire."""

from __future__ import annotations

import datetime

from itops.agent.checks import CheckMessage, CheckStatus, report_check
from itops.agent.inputs.base import Accumulator, Input
from itops.agent.inputs.tls_certificate_file.config import TlsCertificateFileConfig
from itops.agent.inputs.tls_certificate_file.validity import CertificateError, expiry_status, not_after, pem_certificates

__all__ = ["TlsCertificateFileInput"]

CHECK = "tls_certificate_file"
NOT_PERMITTED = CheckMessage("file.not_permitted", "the agent may not read the file: {error}")
UNREADABLE = CheckMessage("file.unreadable", "cannot read the file: {error}")
NOT_A_CERTIFICATE = CheckMessage("tls_certificate_file.not_a_certificate", "not a readable certificate: {error}")
VALID_UNTIL = CheckMessage("tls_certificate_file.valid_until", "valid until {expires_utc} UTC")


class TlsCertificateFileInput(Input[TlsCertificateFileConfig]):
    name = "tls_certificate_file"
    config_model = TlsCertificateFileConfig

    def gather(self, acc: Accumulator) -> None:
        for path in self.config.files:
            self._check_file(acc, path)

    def _check_file(self, acc: Accumulator, path: str) -> None:
        try:
            expires = _first_expiry(path)
        except PermissionError as exc:
            status, message = CheckStatus.UNKNOWN, [NOT_PERMITTED(error=exc.strerror)]
        except OSError as exc:
            status, message = CheckStatus.CRITICAL, [UNREADABLE(error=exc.strerror or exc)]
        except CertificateError as exc:
            status, message = CheckStatus.CRITICAL, [NOT_A_CERTIFICATE(error=exc)]
        else:
            seconds_left = expires.timestamp() - self.clock()
            acc.add_sample("itops_tls_certificate_file_expiry_seconds", seconds_left, {"target": path})
            status, expiry = expiry_status(seconds_left, self.config.expiry_warning, self.config.expiry_critical)
            message = [expiry, VALID_UNTIL(expires_utc=f"{expires:%Y-%m-%d %H:%M}")]
        report_check(acc, CHECK, path, status, message)


def _first_expiry(path: str) -> datetime.datetime:
    with open(path, "rb") as handle:
        certificates = pem_certificates(handle.read())
    if not certificates:
        raise CertificateError("no PEM CERTIFICATE block in the file")
    return min(map(not_after, certificates))
