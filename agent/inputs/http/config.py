"""Options of the ``http`` input: which URLs to request and what a good answer looks like."""

from __future__ import annotations

import re
import urllib.parse
from typing import Annotated, Literal

import msgspec

from itops.agent.inputs.base import InputConfig
from itops.agent.inputs.tls_certificate_file.config import (
    DEFAULT_EXPIRY_CRITICAL,
    DEFAULT_EXPIRY_WARNING,
    ExpiryCritical,
    ExpiryWarning,
)
from itops.common.plugin_registry import plugin_name
from itops.common.yaml_config import Duration

__all__ = ["HttpConfig"]


class HttpConfig(InputConfig, tag=plugin_name(__name__)):
    """Whether web servers answer as expected, how fast, and when their TLS certificate expires."""

    urls: Annotated[list[str], msgspec.Meta(min_length=1, description="`http://` or `https://` URLs to request. Credentials go in `headers`, not in the URL.")]
    method: Annotated[Literal["GET", "HEAD", "POST", "PUT", "OPTIONS"], msgspec.Meta(description="HTTP method.")] = "GET"
    headers: Annotated[dict[str, str], msgspec.Meta(description="Request headers, e.g. `Authorization` or `Host`.")] = {}
    request_body: Annotated[str | None, msgspec.Meta(description="Body sent with the request (UTF-8).")] = None
    expected_status_codes: Annotated[list[int], msgspec.Meta(description="Status codes that are OK. Empty: 200-399 (redirects are not followed).")] = []
    body_contains: Annotated[str | None, msgspec.Meta(description="The response body must contain this text.")] = None
    body_regex: Annotated[str | None, msgspec.Meta(description="The response body must match this regular expression (Python syntax, searched anywhere).")] = None
    response_timeout: Annotated[Duration, msgspec.Meta(description="Connecting, the TLS handshake and each read must finish within this time.")] = Duration(10)
    tls_verify: Annotated[bool, msgspec.Meta(description="Verify the server's certificate and host name. When off, the certificate's expiry is still reported.")] = True
    ca_file: Annotated[str | None, msgspec.Meta(description="PEM file of the CAs to trust instead of the system's, e.g. the company CA.")] = None
    certificate_expiry_warning: ExpiryWarning = DEFAULT_EXPIRY_WARNING
    certificate_expiry_critical: ExpiryCritical = DEFAULT_EXPIRY_CRITICAL

    def __post_init__(self):
        for url in self.urls:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"urls: {url!r} is not an http:// or https:// URL")
            if parts.username is not None:
                raise ValueError(f"urls: {url!r} holds credentials; send them in `headers` (they would show in the check's target)")
        if self.body_regex is not None:
            try:
                re.compile(self.body_regex)
            except re.error as exc:
                raise ValueError(f"body_regex: not a valid regular expression: {exc}") from None
        if self.certificate_expiry_critical > self.certificate_expiry_warning:
            raise ValueError("certificate_expiry_critical must not be longer than certificate_expiry_warning")
