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

from itops.alerting.notifiers.email.config import EmailConfig
from itops.alerting.notifiers.email.email import EmailNotifier
from itops.collector.reports.config import ReportEmailConfig

__all__ = ["ReportAttachment", "build_report_mail", "send_report_mail"]


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
