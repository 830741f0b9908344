"""Options of the ``email`` notification channel."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from itops.alerting.notifiers.base import NotifierConfig
from itops.common.plugin_registry import plugin_name

__all__ = ["EmailConfig"]


class EmailConfig(NotifierConfig, tag=plugin_name(__name__)):
    """Mail through an SMTP server."""

    host: Annotated[str, msgspec.Meta(min_length=1, description="SMTP server host name.")]
    from_address: Annotated[str, msgspec.Meta(min_length=3, description="Sender, e.g. `itops <alerts@example.com>`.")]
    to: Annotated[list[str], msgspec.Meta(min_length=1, description="Recipients' addresses.")]
    port: Annotated[Annotated[int, msgspec.Meta(ge=1, le=65535)] | None,
                    msgspec.Meta(description="SMTP port. Defaults to 587 for `starttls`, 465 for `tls`, 25 for `none`.")] = None
    security: Annotated[Literal["starttls", "tls", "none"], msgspec.Meta(description="`starttls`: upgrade a plain connection; `tls`: TLS from the start (SMTPS); `none`: unencrypted, for a relay on the local network.")] = "starttls"
    tls_verify: Annotated[bool, msgspec.Meta(description="Verify the server's certificate and host name.")] = True
    ca_file: Annotated[str | None, msgspec.Meta(description="PEM file of the CAs to trust instead of the system's, e.g. the company CA.")] = None
    username: Annotated[str | None, msgspec.Meta(description="Log in with this user name (AUTH); none: send without logging in.")] = None
    password: Annotated[str | None, msgspec.Meta(description="Password (or app token) for `username`.")] = None

    def __post_init__(self):
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
