"""The http input against a real threaded HTTP(S) server on 127.0.0.1 with certificates made for each test."""

from __future__ import annotations

import datetime
import socket
import time

import pytest

from itops.agent.batcher import GatherResult
from itops.agent.inputs.http.config import HttpConfig
from itops.agent.inputs.http.http import MAX_BODY_BYTES, HttpInput
from itops.common.yaml_config import ConfigError, load_text
from tests.simulators.web_server import Page, WebServer, write_certificate

STATUS_NAMES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"]
DAY = datetime.timedelta(days=1)
PAGES = {
    "/": Page(200, b"<html>ERP login</html>"),
    "/moved": Page(301),
    "/broken": Page(500, b"Internal Server Error"),
    "/slow": Page(200, b"late", delay_s=1.0),
    "/large": Page(200, b"x" * (MAX_BODY_BYTES + 10) + b"needle"),
}


def certificate_files(tmp_path, days_left: float):
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return write_certificate(tmp_path, now - 30 * DAY, now + days_left * DAY)


def gather(*urls: str, **options) -> GatherResult:
    acc = GatherResult({})
    HttpInput(HttpConfig(urls=list(urls), **options)).gather(acc)
    return acc


def only_check(acc: GatherResult) -> tuple[str, str]:
    (result,) = acc.checks
    return STATUS_NAMES[result.status], result.message


def samples(acc: GatherResult) -> dict[str, float]:
    return {name: value for name, labels, value, _ in acc.samples if name.startswith("itops_http_")}


@pytest.fixture
def server():
    with WebServer(PAGES) as running:
        yield running


def test_expected_answer_is_ok_with_status_and_duration(server):
    acc = gather(server.url("/"))
    assert only_check(acc) == ("OK", "status 200")
    found = samples(acc)
    assert found["itops_http_response_status_code"] == 200
    assert 0 < found["itops_http_response_duration_seconds"] < 1
    assert acc.checks[0].target == server.url("/")


def test_redirect_is_ok_by_default_and_not_followed(server):
    assert only_check(gather(server.url("/moved"))) == ("OK", "status 301")
    assert [path for _, path, _, _ in server.requests] == ["/moved"]


def test_server_error_is_critical(server):
    assert only_check(gather(server.url("/broken"))) == ("CRITICAL", "status 500, expected 200-399")


def test_status_outside_the_expected_codes_is_critical(server):
    assert only_check(gather(server.url("/moved"), expected_status_codes=[200, 204])) == ("CRITICAL", "status 301, expected 200, 204")


def test_missing_page_can_be_the_expected_answer(server):
    assert only_check(gather(server.url("/nothing"), expected_status_codes=[404])) == ("OK", "status 404")


def test_body_containing_the_text_is_ok(server):
    acc = gather(server.url("/"), body_contains="ERP login")
    assert only_check(acc) == ("OK", "status 200; body contains 'ERP login'")
    assert samples(acc)["itops_http_response_body_matched"] == 1.0


def test_body_without_the_text_is_critical(server):
    acc = gather(server.url("/"), body_contains="Welcome")
    assert only_check(acc) == ("CRITICAL", "status 200; body does not contain 'Welcome'")
    assert samples(acc)["itops_http_response_body_matched"] == 0.0


def test_body_regex_is_searched(server):
    assert only_check(gather(server.url("/"), body_regex=r"ERP\s+log")) == ("OK", "status 200; body matches /ERP\\s+log/")
    assert only_check(gather(server.url("/"), body_regex=r"^ERP")) == ("CRITICAL", "status 200; body does not match /^ERP/")


def test_only_the_first_mebibyte_of_a_body_is_read(server):
    assert only_check(gather(server.url("/large"), body_contains="needle")) == ("CRITICAL", "status 200; body does not contain 'needle'")


def test_method_headers_and_body_are_sent(server):
    gather(server.url("/"), method="POST", headers={"X-Probe": "itops"}, request_body="ping")
    ((method, path, body, headers),) = server.requests
    assert (method, path, body, headers["X-Probe"]) == ("POST", "/", b"ping", "itops")


def test_slow_answer_is_critical_timed_out(server):
    started = time.monotonic()
    assert only_check(gather(server.url("/slow"), response_timeout=0.2)) == ("CRITICAL", "timed out: no answer within 0.2s")
    assert time.monotonic() - started < 0.9


def test_closed_port_is_critical_connection_refused():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert only_check(gather(f"http://127.0.0.1:{port}/")) == ("CRITICAL", "connection refused: nothing listens on the port")


def test_trusted_certificate_with_90_days_left_is_ok(tmp_path):
    files = certificate_files(tmp_path, 90)
    with WebServer(PAGES, files) as server:
        acc = gather(server.url("/"), ca_file=str(files.ca))
    status, message = only_check(acc)
    assert (status, message) == ("OK", "status 200; certificate expires in 90.0 days")
    assert samples(acc)["itops_http_tls_certificate_expiry_seconds"] == pytest.approx(90 * 86400, abs=5)


def test_certificate_with_14_days_left_is_warning(tmp_path):
    files = certificate_files(tmp_path, 14)
    with WebServer(PAGES, files) as server:
        assert only_check(gather(server.url("/"), ca_file=str(files.ca))) == (
            "WARNING", "status 200; certificate expires in 14.0 days (warning below 21 days)")


def test_certificate_with_2_days_left_is_critical_even_when_the_page_is_fine(tmp_path):
    files = certificate_files(tmp_path, 2)
    with WebServer(PAGES, files) as server:
        assert only_check(gather(server.url("/"), ca_file=str(files.ca), body_contains="ERP")) == (
            "CRITICAL", "status 200; body contains 'ERP'; certificate expires in 2.0 days (critical below 7 days)")


def test_expired_certificate_fails_verification(tmp_path):
    files = certificate_files(tmp_path, -3)
    with WebServer(PAGES, files) as server:
        acc = gather(server.url("/"), ca_file=str(files.ca))
    assert only_check(acc) == ("CRITICAL", "TLS certificate not trusted: certificate has expired")
    assert samples(acc) == {}


def test_expired_certificate_without_verification_reports_its_age(tmp_path):
    files = certificate_files(tmp_path, -3)
    with WebServer(PAGES, files) as server:
        acc = gather(server.url("/"), tls_verify=False)
    assert only_check(acc) == ("CRITICAL", "status 200; certificate expired 3.0 days ago")
    assert samples(acc)["itops_http_tls_certificate_expiry_seconds"] == pytest.approx(-3 * 86400, abs=5)


def test_certificate_from_an_unknown_ca_is_not_trusted(tmp_path):
    with WebServer(PAGES, certificate_files(tmp_path, 90)) as server:
        assert only_check(gather(server.url("/"))) == (
            "CRITICAL", "TLS certificate not trusted: unable to get local issuer certificate")


def test_plain_http_server_on_an_https_url_is_a_tls_failure(server):
    status, message = only_check(gather(server.url("/").replace("http://", "https://")))
    assert (status, message.split(":")[0]) == ("CRITICAL", "TLS handshake failed")


def test_thresholds_come_from_the_config(tmp_path):
    files = certificate_files(tmp_path, 14)
    with WebServer(PAGES, files) as server:
        acc = gather(server.url("/"), ca_file=str(files.ca), certificate_expiry_warning=10 * 86400,
                     certificate_expiry_critical=3 * 86400)
    assert only_check(acc) == ("OK", "status 200; certificate expires in 14.0 days")


@pytest.mark.parametrize(("line", "problem"), [
    ("urls: ['ftp://files.lan/']", "urls: 'ftp://files.lan/' is not an http:// or https:// URL"),
    ("urls: ['https://admin:secret@printer.lan/']", "holds credentials; send them in `headers`"),
    ("urls: ['http://a/']\nbody_regex: '('", "body_regex: not a valid regular expression"),
    ("urls: ['http://a/']\nmethod: DELETE", "invalid enum value 'DELETE'"),
])
def test_bad_options_are_config_errors(line, problem):
    with pytest.raises(ConfigError, match=problem.replace("(", r"\(").replace("?", r"\?")):
        load_text(f"type: http\n{line}\n", HttpConfig, "agent.yaml")
