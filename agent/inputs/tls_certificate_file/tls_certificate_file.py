"""The ``tls_certificate_file`` input: time left until the certificates in PEM files expire."""

from __future__ import annotations

import datetime

from itops.agent.checks import CheckStatus, report_check
from itops.agent.inputs.base import Accumulator, Input
from itops.agent.inputs.tls_certificate_file.config import TlsCertificateFileConfig
from itops.agent.inputs.tls_certificate_file.validity import CertificateError, expiry_status, not_after, pem_certificates

__all__ = ["TlsCertificateFileInput"]

CHECK = "tls_certificate_file"


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
            status, message = CheckStatus.UNKNOWN, f"the agent may not read the file: {exc.strerror}"
        except OSError as exc:
            status, message = CheckStatus.CRITICAL, f"cannot read the file: {exc.strerror or exc}"
        except CertificateError as exc:
            status, message = CheckStatus.CRITICAL, f"not a readable certificate: {exc}"
        else:
            seconds_left = expires.timestamp() - self.clock()
            acc.add_sample("itops_tls_certificate_file_expiry_seconds", seconds_left, {"target": path})
            status, message = expiry_status(seconds_left, self.config.expiry_warning, self.config.expiry_critical)
            message = f"{message} ({expires:%Y-%m-%d %H:%M} UTC)"
        report_check(acc, CHECK, path, status, message)


def _first_expiry(path: str) -> datetime.datetime:
    with open(path, "rb") as handle:
        certificates = pem_certificates(handle.read())
    if not certificates:
        raise CertificateError("no PEM CERTIFICATE block in the file")
    return min(map(not_after, certificates))
