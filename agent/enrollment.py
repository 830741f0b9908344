"""``itops-agent enroll`` and ``itops-agent renew``: the agent's key and certificate.

Enroll: make a key on this host (it never leaves it), send a CSR with the one-time token to the collector's token
port (TLS verifying the collector), write the certificate it returns. Renew: the same over the mTLS port with the
certificate in use, once a third of its lifetime is left (``--if-due``; the running agent starts
``itops-agent renew --if-due`` twice a day, so the crypto library is loaded only in that short-lived process).
Files are replaced atomically, the key with mode 0600, so a running agent never reads half a certificate.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from pathlib import Path

import grpc

from itops.agent.config import AgentConfig
from itops.v1 import ingest_pb2, ingest_pb2_grpc

__all__ = ["RENEW_WHEN_LEFT", "enroll", "renew"]

RENEW_WHEN_LEFT = 1 / 3  # of the certificate's lifetime


class EnrollmentFailed(Exception):
    """``str(exc)`` says what went wrong and what to do."""


def enroll(config: AgentConfig, token: str) -> int:
    """Enroll with ``token``; returns the certificate's expiry (unix ms)."""
    key_pem, csr_pem = _key_and_csr(config.resolved_agent_id())
    request = ingest_pb2.EnrollRequest(agent_id=config.resolved_agent_id(), token=token, csr_pem=csr_pem)
    reply = _call(config, config.collector.address, None, lambda stub, timeout: stub.Enroll(request, timeout=timeout))
    _write_credentials(config, reply.certificate_pem.encode(), key_pem)
    return reply.not_after_ms


def renew(config: AgentConfig, now: datetime.datetime, if_due: bool) -> int | None:
    """Renew the certificate (only when due with ``if_due``); returns the new expiry (unix ms), or None."""
    from cryptography import x509

    certificate_path, key_path = config.certificate_paths()
    certificate_pem, current_key = Path(certificate_path).read_bytes(), Path(key_path).read_bytes()
    current = x509.load_pem_x509_certificate(certificate_pem)
    lifetime = current.not_valid_after_utc - current.not_valid_before_utc
    if if_due and current.not_valid_after_utc - now > lifetime * RENEW_WHEN_LEFT:
        return None
    key_pem, csr_pem = _key_and_csr(config.resolved_agent_id())
    request = ingest_pb2.RenewRequest(csr_pem=csr_pem)
    reply = _call(config, config.resolved_mtls_address(), (certificate_pem, current_key),
                  lambda stub, timeout: stub.Renew(request, timeout=timeout))
    _write_credentials(config, reply.certificate_pem.encode(), key_pem)
    return reply.not_after_ms


def _key_and_csr(agent_id: str) -> tuple[bytes, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, agent_id)])).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, csr.public_bytes(serialization.Encoding.PEM).decode()


def _call(config: AgentConfig, address: str, client: tuple[bytes, bytes] | None, call):
    ca_pem = Path(config.collector.ca_file).read_bytes() if config.collector.ca_file else None
    credentials = (grpc.ssl_channel_credentials(ca_pem) if client is None else
                   grpc.ssl_channel_credentials(ca_pem, private_key=client[1], certificate_chain=client[0]))
    options = [("grpc.ssl_target_name_override", config.collector.server_name)] if config.collector.server_name else []
    with grpc.secure_channel(address, credentials, options=options) as channel:
        try:
            return call(ingest_pb2_grpc.EnrollmentStub(channel), float(config.collector.timeout))
        except grpc.RpcError as exc:
            raise EnrollmentFailed(f"collector {address}: {exc.code().name}: {exc.details()}") from None


def _write_credentials(config: AgentConfig, certificate_pem: bytes, key_pem: bytes) -> None:
    """Key first, then the certificate: a reader that finds the new certificate finds its key."""
    certificate_path, key_path = config.certificate_paths()
    _replace(Path(key_path), key_pem, 0o600)
    _replace(Path(certificate_path), certificate_pem, 0o644)


def _replace(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.chmod(temporary, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
