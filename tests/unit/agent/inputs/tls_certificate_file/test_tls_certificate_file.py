"""The tls_certificate_file input and its DER validity reader, on certificates made by ``cryptography``."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509

from itops.agent.batcher import GatherResult
from itops.agent.inputs.tls_certificate_file.config import TlsCertificateFileConfig
from itops.agent.inputs.tls_certificate_file.tls_certificate_file import TlsCertificateFileInput
from itops.agent.inputs.tls_certificate_file.validity import CertificateError, not_after, pem_certificates
from itops.common.yaml_config import ConfigError, load_text
from tests.simulators.web_server import write_certificate

NOW = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)
SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def certificate(tmp_path: Path, days_left: float, stem: str = "server") -> Path:
    return write_certificate(tmp_path, NOW - 30 * DAY, NOW + days_left * DAY, stem).cert


def gather(*files: Path | str) -> GatherResult:
    acc = GatherResult({}, clock=NOW.timestamp)
    config = TlsCertificateFileConfig(files=[str(path) for path in files])
    TlsCertificateFileInput(config, clock=NOW.timestamp).gather(acc)
    return acc


def only_check(acc: GatherResult) -> tuple[str, str, str]:
    (result,) = acc.checks
    return result.target, ["OK", "WARNING", "CRITICAL", "UNKNOWN"][result.status], result.message


def expiry_samples(acc: GatherResult) -> dict[str, float]:
    return {labels["target"]: value for name, labels, value, _ in acc.samples if name == "itops_tls_certificate_file_expiry_seconds"}


@pytest.mark.filterwarnings("ignore:Parsed a serial number which wasn.t positive")
def test_not_after_agrees_with_cryptography_on_every_certificate_of_the_system_bundle():
    ders = pem_certificates(SYSTEM_CA_BUNDLE.read_bytes())
    assert len(ders) > 100
    for der in ders:
        assert not_after(der) == x509.load_der_x509_certificate(der).not_valid_after_utc


def test_not_after_reads_generalized_time_of_years_from_2050(tmp_path):
    der = pem_certificates(write_certificate(tmp_path, NOW, datetime.datetime(2051, 6, 1, tzinfo=datetime.timezone.utc)).cert.read_bytes())[0]
    assert not_after(der) == datetime.datetime(2051, 6, 1, tzinfo=datetime.timezone.utc)


def test_two_digit_year_65_is_1965_not_2065(tmp_path):
    expired_long_ago = datetime.datetime(1965, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    der = pem_certificates(write_certificate(tmp_path, expired_long_ago - DAY, expired_long_ago).cert.read_bytes())[0]
    assert not_after(der) == expired_long_ago


def test_truncated_der_is_a_certificate_error(tmp_path):
    der = pem_certificates(certificate(tmp_path, 30).read_bytes())[0]
    with pytest.raises(CertificateError, match="ends early"):
        not_after(der[:100])


def test_certificate_with_30_days_left_is_ok(tmp_path):
    path = certificate(tmp_path, 30)
    acc = gather(path)
    assert only_check(acc) == (str(path), "OK", "certificate expires in 30.0 days; valid until 2025-03-31 12:00 UTC")
    assert expiry_samples(acc) == {str(path): 30 * 86400.0}


def test_certificate_with_10_days_left_is_warning(tmp_path):
    path = certificate(tmp_path, 10)
    assert only_check(gather(path)) == (str(path), "WARNING", "certificate expires in 10.0 days (warning below 21 days); valid until 2025-03-11 12:00 UTC")


def test_certificate_with_3_days_left_is_critical(tmp_path):
    path = certificate(tmp_path, 3)
    assert only_check(gather(path)) == (str(path), "CRITICAL", "certificate expires in 3.0 days (critical below 7 days); valid until 2025-03-04 12:00 UTC")


def test_expired_certificate_is_critical_with_negative_seconds_left(tmp_path):
    path = certificate(tmp_path, -2.5)
    acc = gather(path)
    assert only_check(acc) == (str(path), "CRITICAL", "certificate expired 2.5 days ago; valid until 2025-02-27 00:00 UTC")
    assert expiry_samples(acc) == {str(path): -2.5 * 86400}


def test_chain_is_reported_by_its_first_certificate_to_expire(tmp_path):
    chain = tmp_path / "chain.pem"
    chain.write_bytes(certificate(tmp_path, 300, "leaf").read_bytes() + certificate(tmp_path, 5, "intermediate").read_bytes())
    acc = gather(chain)
    assert only_check(acc)[1] == "CRITICAL"
    assert expiry_samples(acc) == {str(chain): 5 * 86400.0}


def test_missing_file_is_critical(tmp_path):
    acc = gather(tmp_path / "gone.pem")
    assert only_check(acc) == (str(tmp_path / "gone.pem"), "CRITICAL", "cannot read the file: No such file or directory")
    assert expiry_samples(acc) == {}


def test_file_without_certificate_block_is_critical(tmp_path):
    key_only = write_certificate(tmp_path, NOW, NOW + DAY).key
    assert only_check(gather(key_only)) == (str(key_only), "CRITICAL", "not a readable certificate: no PEM CERTIFICATE block in the file")


def test_each_file_is_its_own_check(tmp_path):
    acc = gather(certificate(tmp_path, 30, "a"), certificate(tmp_path, 3, "b"))
    assert [(result.target.rsplit("/", 1)[1], result.status) for result in acc.checks] == [("a.pem", 0), ("b.pem", 2)]


def test_critical_threshold_longer_than_warning_is_a_config_error():
    text = "type: tls_certificate_file\nfiles: [/etc/a.pem]\nexpiry_warning: 7d\nexpiry_critical: 21d\n"
    with pytest.raises(ConfigError, match="expiry_critical must not be longer than expiry_warning"):
        load_text(text, TlsCertificateFileConfig, "agent.yaml")


def test_thresholds_are_read_as_durations():
    config = load_text("type: tls_certificate_file\nfiles: [/etc/a.pem]\nexpiry_warning: 30d\nexpiry_critical: 10d\n",
                       TlsCertificateFileConfig)
    assert (config.expiry_warning, config.expiry_critical) == (30 * 86400, 10 * 86400)
