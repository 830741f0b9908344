"""The ``http`` input: request each URL with http.client and judge the status, body and certificate.

Redirects are not followed: a 301 is an answer worth seeing. Only the first ``MAX_BODY_BYTES`` of a body
are read, so a large download costs the agent no memory.
"""

from __future__ import annotations

import functools
import http.client
import re
import ssl
import urllib.parse
from dataclasses import dataclass

from itops.agent.checks import CheckMessage, CheckStatus, MessagePart, worst_status
from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.http.config import HttpConfig
from itops.agent.inputs.target_check import TargetCheck, Verdict
from itops.agent.inputs.tcp_connect.tcp_connect import describe_connection_error
from itops.agent.inputs.tls_certificate_file.validity import CertificateError, expiry_status, not_after

__all__ = ["HttpInput", "MAX_BODY_BYTES"]

MAX_BODY_BYTES = 1024 * 1024
NOT_TRUSTED = CheckMessage("http.tls_not_trusted", "TLS certificate not trusted: {reason}")
HANDSHAKE_FAILED = CheckMessage("http.tls_handshake_failed", "TLS handshake failed: {reason}")
NOT_HTTP = CheckMessage("http.not_http", "not a valid HTTP answer: {error}")
UNEXPECTED_STATUS = CheckMessage("http.unexpected_status", "status {status_code}, expected {expected}")
STATUS = CheckMessage("http.status", "status {status_code}")
BODY_CONTAINS = CheckMessage("http.body_contains", "body contains {wanted!r}")
BODY_LACKS = CheckMessage("http.body_lacks", "body does not contain {wanted!r}")
BODY_MATCHES = CheckMessage("http.body_matches", "body matches /{pattern}/")
BODY_MISMATCH = CheckMessage("http.body_mismatch", "body does not match /{pattern}/")
EXPIRY_UNREADABLE = CheckMessage("http.certificate_unreadable", "cannot read the server certificate's expiry: {error}")
# The status of an answer with several findings is that of the worst one.

@dataclass
class Answer:
    status_code: int
    body: bytes
    certificate_der: bytes | None


class HttpInput(TargetCheck[HttpConfig, str, Answer]):
    failures = (OSError, http.client.HTTPException)

    def targets(self) -> list[str]:
        return self.config.urls

    @functools.cached_property
    def _tls_context(self) -> ssl.SSLContext:
        if self.config.tls_verify:
            return ssl.create_default_context(cafile=self.config.ca_file)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context

    @functools.cached_property
    def _body_pattern(self) -> re.Pattern | None:
        return re.compile(self.config.body_regex) if self.config.body_regex is not None else None

    def probe(self, url: str) -> Answer:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=self.config.response_timeout,
                                                     context=self._tls_context)
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.config.response_timeout)
        try:
            connection.connect()
            # Taken now: http.client drops the socket when the server closes the connection after answering.
            certificate = connection.sock.getpeercert(binary_form=True) if parts.scheme == "https" else None
            body = self.config.request_body.encode() if self.config.request_body is not None else None
            target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
            connection.request(self.config.method, target, body=body, headers=self.config.headers)
            response = connection.getresponse()
            return Answer(response.status, response.read(MAX_BODY_BYTES), certificate)
        finally:
            connection.close()

    def describe_failure(self, failure: Exception) -> Verdict:
        return CheckStatus.CRITICAL, self._failure_message(failure)

    def _failure_message(self, exc: Exception) -> MessagePart:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return NOT_TRUSTED(reason=exc.verify_message)
        if isinstance(exc, ssl.SSLError):
            return HANDSHAKE_FAILED(reason=exc.reason or exc)
        if isinstance(exc, OSError):
            return describe_connection_error(exc, self.config.response_timeout)
        return NOT_HTTP(error=f"{type(exc).__name__} {exc}".rstrip())

    def judge(self, acc: Accumulator, url: str, answer: Answer, duration_s: float) -> Verdict:
        labels = {"target": url}
        acc.add_sample("itops_http_response_duration_seconds", duration_s, labels)
        acc.add_sample("itops_http_response_status_code", answer.status_code, labels)
        findings = [self._judge_status(answer.status_code), *self._judge_body(acc, labels, answer.body),
                    *self._judge_certificate(acc, labels, answer.certificate_der)]
        status = worst_status(status for status, _ in findings)
        return status, [message for _, message in findings]

    def _judge_status(self, status_code: int) -> tuple[CheckStatus, MessagePart]:
        expected = self.config.expected_status_codes
        if expected and status_code not in expected:
            return CheckStatus.CRITICAL, UNEXPECTED_STATUS(status_code=status_code, expected=", ".join(map(str, expected)))
        if not expected and not 200 <= status_code < 400:
            return CheckStatus.CRITICAL, UNEXPECTED_STATUS(status_code=status_code, expected="200-399")
        return CheckStatus.OK, STATUS(status_code=status_code)

    def _judge_body(self, acc: Accumulator, labels: dict[str, str], body: bytes) -> list[tuple[CheckStatus, MessagePart]]:
        wanted = self.config.body_contains
        pattern = self._body_pattern
        if wanted is None and pattern is None:
            return []
        text = body.decode("utf-8", "replace")
        findings = []
        if wanted is not None:
            findings.append((CheckStatus.OK, BODY_CONTAINS(wanted=wanted)) if wanted in text
                            else (CheckStatus.CRITICAL, BODY_LACKS(wanted=wanted)))
        if pattern is not None:
            findings.append((CheckStatus.OK, BODY_MATCHES(pattern=pattern.pattern)) if pattern.search(text)
                            else (CheckStatus.CRITICAL, BODY_MISMATCH(pattern=pattern.pattern)))
        matched = all(status is CheckStatus.OK for status, _ in findings)
        acc.add_sample("itops_http_response_body_matched", float(matched), labels)
        return findings

    def _judge_certificate(self, acc: Accumulator, labels: dict[str, str],
                           der: bytes | None) -> list[tuple[CheckStatus, MessagePart]]:
        if der is None:
            return []
        try:
            seconds_left = not_after(der).timestamp() - self.clock()
        except CertificateError as exc:
            return [(CheckStatus.UNKNOWN, EXPIRY_UNREADABLE(error=exc))]
        acc.add_sample("itops_http_tls_certificate_expiry_seconds", seconds_left, labels)
        return [expiry_status(seconds_left, self.config.certificate_expiry_warning, self.config.certificate_expiry_critical)]
