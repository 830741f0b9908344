"""When an X.509 certificate expires, read from its DER bytes, and what that means for a check.

The agent does not depend on ``cryptography``, and the stdlib only decodes certificates it has verified
(``SSLSocket.getpeercert()`` returns ``{}`` when verification is off). All the checks need is the
validity period, whose place in the DER structure is fixed, so a reader of DER tag-length-value headers
is enough: Certificate → tbsCertificate → [version], serialNumber, signature, issuer, validity.
"""

from __future__ import annotations

import base64
import datetime
import re

from itops.agent.checks import CheckMessage, CheckStatus, MessagePart

__all__ = ["CertificateError", "expiry_status", "not_after", "pem_certificates"]

_SEQUENCE = 0x30
_CONTEXT_0 = 0xA0  # the explicit [0] tag of tbsCertificate's version
_UTC_TIME = 0x17
_GENERALIZED_TIME = 0x18
_PEM_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----\s*(.*?)-----END CERTIFICATE-----", re.DOTALL)
_SECONDS_PER_DAY = 86400
EXPIRED = CheckMessage("certificate.expired", "certificate expired {days_ago:.1f} days ago")
EXPIRES = CheckMessage("certificate.expires", "certificate expires in {days:.1f} days")
EXPIRES_CRITICAL = CheckMessage("certificate.expires_critical",
                                "certificate expires in {days:.1f} days (critical below {limit_days:g} days)")
EXPIRES_WARNING = CheckMessage("certificate.expires_warning",
                               "certificate expires in {days:.1f} days (warning below {limit_days:g} days)")


class CertificateError(ValueError):
    """The bytes are not an X.509 certificate this reader understands."""


def pem_certificates(pem: bytes) -> list[bytes]:
    """The DER bytes of every ``CERTIFICATE`` block of a PEM file, in file order."""
    try:
        return [base64.b64decode(block, validate=False) for block in _PEM_CERTIFICATE.findall(pem)]
    except ValueError as exc:
        raise CertificateError(f"a CERTIFICATE block is not base64: {exc}") from None


def not_after(der: bytes) -> datetime.datetime:
    """The end of the certificate's validity period (UTC)."""
    certificate, _ = _element(der, 0, _SEQUENCE)
    tbs, _ = _element(der, certificate, _SEQUENCE)
    position = tbs
    if _tag_at(der, position) == _CONTEXT_0:
        position = _skip(der, position)
    for _field in ("serialNumber", "signature", "issuer"):
        position = _skip(der, position)
    validity, _ = _element(der, position, _SEQUENCE)
    not_before_end = _skip(der, validity)
    return _time(der, not_before_end)


def expiry_status(seconds_left: float, warning_s: float, critical_s: float) -> tuple[CheckStatus, MessagePart]:
    """OK, WARNING or CRITICAL for a certificate that expires in ``seconds_left``, with a message."""
    days = seconds_left / _SECONDS_PER_DAY
    if seconds_left <= 0:
        return CheckStatus.CRITICAL, EXPIRED(days_ago=-days)
    if seconds_left <= critical_s:
        return CheckStatus.CRITICAL, EXPIRES_CRITICAL(days=days, limit_days=critical_s / _SECONDS_PER_DAY)
    if seconds_left <= warning_s:
        return CheckStatus.WARNING, EXPIRES_WARNING(days=days, limit_days=warning_s / _SECONDS_PER_DAY)
    return CheckStatus.OK, EXPIRES(days=days)


def _tag_at(der: bytes, position: int) -> int:
    if position >= len(der):
        raise CertificateError("certificate ends early")
    return der[position]


def _header(der: bytes, position: int) -> tuple[int, int]:
    """(start of the content, content length) of the element at ``position``."""
    if position + 2 > len(der):
        raise CertificateError("certificate ends early")
    length = der[position + 1]
    content = position + 2
    if length & 0x80:
        size = length & 0x7F
        if size == 0 or size > 4 or content + size > len(der):
            raise CertificateError("unsupported DER length")
        length = int.from_bytes(der[content:content + size], "big")
        content += size
    if content + length > len(der):
        raise CertificateError("certificate ends early")
    return content, length


def _element(der: bytes, position: int, tag: int) -> tuple[int, int]:
    if _tag_at(der, position) != tag:
        raise CertificateError(f"expected DER tag 0x{tag:02x} at byte {position}, found 0x{der[position]:02x}")
    return _header(der, position)


def _skip(der: bytes, position: int) -> int:
    """Where the element after the one at ``position`` starts."""
    content, length = _header(der, position)
    return content + length


def _time(der: bytes, position: int) -> datetime.datetime:
    tag = _tag_at(der, position)
    if tag not in (_UTC_TIME, _GENERALIZED_TIME):
        raise CertificateError(f"expected a UTCTime or GeneralizedTime at byte {position}, found tag 0x{tag:02x}")
    content, length = _header(der, position)
    text = der[content:content + length].decode("ascii", "replace")
    try:
        moment = datetime.datetime.strptime(text, "%y%m%d%H%M%SZ" if tag == _UTC_TIME else "%Y%m%d%H%M%SZ")
    except ValueError:
        raise CertificateError(f"unreadable validity time {text!r}") from None
    # RFC 5280 4.1.2.5.1: two-digit years 50-99 are 19xx (strptime's %y pivots at 69 instead).
    if tag == _UTC_TIME and moment.year >= 2050:
        moment = moment.replace(year=moment.year - 100)
    return moment.replace(tzinfo=datetime.timezone.utc)
