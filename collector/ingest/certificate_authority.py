"""The collector's CA for agent certificates: made on first use in ``<data_dir>/ca/`` (the directory 0700, the key
0600; the key is read there and never written anywhere else), it signs an enrolling or renewing agent's CSR.

The certificate names the agent, whatever the CSR's subject says: common name and the URI
``urn:itops:agent:<id>`` (which the mTLS port reads), for client authentication only.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["AGENT_URI_PREFIX", "CertificateAuthority", "CsrRefused", "IssuedCertificate", "agent_of_certificate"]

AGENT_URI_PREFIX = "urn:itops:agent:"
CA_VALIDITY = datetime.timedelta(days=3650)
BACKDATE = datetime.timedelta(minutes=5)  # an agent whose clock is a little behind still takes the certificate
CA_FILE, CA_KEY_FILE = "ca.pem", "ca-key.pem"


class CsrRefused(ValueError):
    """The CSR cannot be signed; ``str(exc)`` says why."""


@dataclass(frozen=True)
class IssuedCertificate:
    pem: str
    serial: str  # hex
    not_before: datetime.datetime
    not_after: datetime.datetime


class CertificateAuthority:
    def __init__(self, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey):
        self._certificate = certificate
        self._key = key
        self.pem = certificate.public_bytes(serialization.Encoding.PEM).decode()

    @classmethod
    def open(cls, directory: str | Path, now: datetime.datetime) -> CertificateAuthority:
        """The CA of ``directory``, made there first if it has none."""
        path = Path(directory)
        if not (path / CA_KEY_FILE).exists():
            _create(path, now)
        os.chmod(path, 0o700)
        key = serialization.load_pem_private_key((path / CA_KEY_FILE).read_bytes(), password=None)
        return cls(x509.load_pem_x509_certificate((path / CA_FILE).read_bytes()), key)

    def sign(self, csr_pem: str, agent_id: str, now: datetime.datetime,
             lifetime: datetime.timedelta) -> IssuedCertificate:
        try:
            csr = x509.load_pem_x509_csr(csr_pem.encode())
        except ValueError:
            raise CsrRefused("csr_pem is not a PEM certificate signing request") from None
        try:
            if not csr.is_signature_valid:
                raise CsrRefused("the CSR's signature does not match its key")
        except InvalidSignature:
            raise CsrRefused("the CSR's signature does not match its key") from None
        not_before, not_after = now - BACKDATE, now + lifetime
        certificate = (
            x509.CertificateBuilder().subject_name(_name(agent_id)).issuer_name(self._certificate.subject)
            .public_key(csr.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(AGENT_URI_PREFIX + agent_id)]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(self._key, hashes.SHA256()))
        return IssuedCertificate(certificate.public_bytes(serialization.Encoding.PEM).decode(),
                                 format(certificate.serial_number, "x"), not_before, not_after)


def agent_of_certificate(pem: bytes) -> tuple[str, str] | None:
    """(agent id, serial in hex) of a certificate this CA issued, or None when it names no agent."""
    certificate = x509.load_pem_x509_certificate(pem)
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    agents = [uri.removeprefix(AGENT_URI_PREFIX) for uri in names.get_values_for_type(x509.UniformResourceIdentifier)
              if uri.startswith(AGENT_URI_PREFIX)]
    return (agents[0], format(certificate.serial_number, "x")) if len(agents) == 1 else None


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "itops"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _create(path: Path, now: datetime.datetime) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder().subject_name(_name("itops agents CA")).issuer_name(_name("itops agents CA"))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE).not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    descriptor = os.open(path / CA_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_pem)
    (path / CA_FILE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
