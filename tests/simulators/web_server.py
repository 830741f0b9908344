"""A real HTTP(S) server on 127.0.0.1 for the service-check tests, and certificates with chosen validity."""

from __future__ import annotations

import datetime
import ipaddress
import http.server
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["CertificateFiles", "Page", "WebServer", "write_certificate"]


@dataclass(frozen=True)
class CertificateFiles:
    ca: Path
    cert: Path
    key: Path
    not_after: datetime.datetime


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def write_certificate(directory: Path, not_before: datetime.datetime, not_after: datetime.datetime,
                      stem: str = "server") -> CertificateFiles:
    """A CA (valid for years) and a certificate for 127.0.0.1 it signed, valid from ``not_before`` to ``not_after``."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder().subject_name(_name(f"{stem} CA")).issuer_name(_name(f"{stem} CA"))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=3650)).not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = CertificateFiles(directory / f"{stem}-ca.pem", directory / f"{stem}.pem", directory / f"{stem}-key.pem",
                             not_after.replace(microsecond=0))
    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return files


@dataclass
class Page:
    status: int = 200
    body: bytes = b""
    delay_s: float = 0.0


@dataclass
class WebServer:
    """``with WebServer(pages) as server:`` serves ``pages`` (path → Page) on an ephemeral port; 404 otherwise."""

    pages: dict[str, Page] = field(default_factory=dict)
    certificate: CertificateFiles | None = None
    requests: list[tuple[str, str, bytes, dict[str, str]]] = field(default_factory=list)

    def __enter__(self) -> WebServer:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                server.requests.append((self.command, self.path, self.rfile.read(length), dict(self.headers)))
                page = server.pages.get(self.path, Page(404, b"not found"))
                time.sleep(page.delay_s)
                self.send_response(page.status)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(page.body)

            do_GET = do_HEAD = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.certificate is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.certificate.cert, self.certificate.key)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def url(self, path: str = "/") -> str:
        scheme = "https" if self.certificate is not None else "http"
        return f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}{path}"
