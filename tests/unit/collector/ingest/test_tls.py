"""`itops-collector init-tls`: the private CA and collector certificate are dated by the time they are given."""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography import x509

from itops.collector.ingest.tls import write_ca_and_server_certificate

MADE_AT = datetime(2031, 2, 28, 23, 59, 59, tzinfo=UTC)


def test_certificates_are_valid_from_the_time_they_are_made(tmp_path):
    paths = write_ca_and_server_certificate(str(tmp_path), ["collector.example", "127.0.0.1"], MADE_AT)
    server = x509.load_pem_x509_certificate(paths["cert"].read_bytes())
    ca = x509.load_pem_x509_certificate(paths["ca"].read_bytes())
    assert server.not_valid_before_utc == ca.not_valid_before_utc == MADE_AT
    assert server.not_valid_after_utc > MADE_AT
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["collector.example"]
