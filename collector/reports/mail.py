"""E-mailing finished reports: one message per language with the report files attached.

The SMTP conversation is the e-mail notifier's (``itops.alerting.notifiers.email``): same security
options, same error classification, so a report mail fails the way an alert mail does.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated

import msgspec
from msgspec import Meta

from itops.alerting.notifiers.email.email import EmailConfig, EmailNotifier

__all__ = ["ReportAttachment", "ReportEmailConfig", "build_report_mail", "send_report_mail"]


class ReportEmailConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    smtp_host: Annotated[str, Meta(min_length=1, description="SMTP server host name.")]
    smtp_port: Annotated[Annotated[int, Meta(ge=1, le=65535)] | None,
                         Meta(description="SMTP port. Defaults to 587 with `starttls`, else 25.")] = None
    starttls: Annotated[bool, Meta(description="Upgrade the connection with STARTTLS before logging in (false: plain, for a relay on the local network).")] = True
    ca_file: Annotated[str | None, Meta(description="PEM file of the CAs to trust for STARTTLS instead of the system's.")] = None
    username: Annotated[str | None, Meta(description="Log in with this user name; none: send without logging in.")] = None
    password_file: Annotated[str | None, Meta(description="File holding the password for `username` (read at each sending, so it can be rotated).")] = None
    from_address: Annotated[str, Meta(min_length=3, description="Sender, e.g. `itops <reports@example.com>`; written `from`.")] = msgspec.field(name="from")
    to: Annotated[list[str], Meta(min_length=1, description="Recipients' addresses.")]

    def __post_init__(self):
        if (self.username is None) != (self.password_file is None):
            raise ValueError("username and password_file go together")


@dataclass(frozen=True, slots=True)
class ReportAttachment:
    filename: str
    content: bytes
    mime_type: str  # e.g. "application/pdf"


def build_report_mail(config: ReportEmailConfig, subject: str, body: str, attachments: Sequence[ReportAttachment]) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = config.from_address
    mail["To"] = ", ".join(config.to)
    mail["Date"] = email.utils.formatdate(localtime=False)
    mail["Message-ID"] = email.utils.make_msgid(domain="itops")
    mail.set_content(body)
    for attachment in attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        mail.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return mail


async def send_report_mail(config: ReportEmailConfig, subject: str, body: str,
                           attachments: Sequence[ReportAttachment]) -> None:
    """Send once; raises ``NotifyError`` (from the e-mail notifier) when the server does not take it."""
    mail = build_report_mail(config, subject, body, attachments)
    notifier = EmailNotifier(_smtp_settings(config))
    await asyncio.to_thread(notifier.send, mail)  # the notifier's SMTP session, reused rather than copied


def _smtp_settings(config: ReportEmailConfig) -> EmailConfig:
    password = Path(config.password_file).read_text(encoding="utf-8").strip() if config.password_file else None
    return EmailConfig(host=config.smtp_host, port=config.smtp_port, security="starttls" if config.starttls else "none",
                       ca_file=config.ca_file, username=config.username, password=password,
                       from_address=config.from_address, to=config.to)
