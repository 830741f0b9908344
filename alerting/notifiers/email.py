"""Email over SMTP: one multipart message (plain text and HTML) per group of alerts.

Sent with the standard library's ``smtplib`` in a worker thread: alert mail is a few messages a minute at
most, so an asyncio SMTP client would add a dependency without saving anything.
"""

from __future__ import annotations

import asyncio
import email.utils
import smtplib
import ssl
from email.message import EmailMessage
from typing import Annotated, Literal

import msgspec

from itops.alerting.dispatch.messages import Message
from itops.alerting.rules.model import Alert
from itops.alerting.notifiers import (
    NotificationContext,
    Notifier,
    NotifierConfig,
    NotifyError,
)

__all__ = ["EmailConfig", "EmailNotifier", "build_email"]

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class EmailConfig(NotifierConfig, tag="email"):
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


class EmailNotifier(Notifier[EmailConfig]):
    config_model = EmailConfig

    async def notify(self, alerts: list[Alert], context: NotificationContext) -> None:
        mail = build_email(self.message(alerts, context), self.config.from_address, self.config.to)
        await asyncio.to_thread(self.send, mail)

    def send(self, mail: EmailMessage) -> None:
        config = self.config
        port = config.port or DEFAULT_PORTS[config.security]
        try:
            if config.security == "tls":
                client = smtplib.SMTP_SSL(config.host, port, timeout=config.timeout, context=self._tls_context())
            else:
                client = smtplib.SMTP(config.host, port, timeout=config.timeout)
            with client:
                if config.security == "starttls":
                    client.starttls(context=self._tls_context())
                if config.username is not None:
                    client.login(config.username, config.password or "")
                client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise NotifyError(f"smtp {config.host}:{port}: recipients refused: {exc.recipients}", retryable=False) from None
        except smtplib.SMTPResponseException as exc:
            # 4xx is the server saying "not now"; 5xx is a permanent refusal (bad login, bad sender).
            message = exc.smtp_error.decode("utf-8", errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            raise NotifyError(f"smtp {config.host}:{port}: {exc.smtp_code} {message}", retryable=exc.smtp_code < 500) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise NotifyError(f"smtp {config.host}:{port}: {type(exc).__name__}: {exc}", retryable=True) from None

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.config.ca_file)
        if not self.config.tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


def build_email(message: Message, from_address: str, to: list[str]) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = from_address
    mail["To"] = ", ".join(to)
    mail["Date"] = email.utils.formatdate(localtime=False)
    mail["Message-ID"] = email.utils.make_msgid(domain="itops")
    mail.set_content(message.as_text())
    mail.add_alternative(message.as_html(), subtype="html")
    return mail
