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

from itops.alerting.dispatch.messages import Message
from itops.alerting.notifiers.base import NotificationContext, Notifier, NotifyError
from itops.alerting.notifiers.email.config import EmailConfig
from itops.alerting.rules.model import Alert

__all__ = ["EmailConfig", "EmailNotifier", "build_email", "smtp_failure"]

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class EmailNotifier(Notifier[EmailConfig]):
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
        except (OSError, smtplib.SMTPException) as exc:
            raise smtp_failure(exc, f"smtp {config.host}:{port}") from None

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.config.ca_file)
        if not self.config.tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


def smtp_failure(exc: OSError | smtplib.SMTPException, where: str) -> NotifyError:
    """What a failed SMTP conversation means: refused recipients and 5xx answers (bad login, bad sender) are
    permanent; a 4xx answer is the server saying "not now", and a broken connection may work next time."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return NotifyError(f"{where}: recipients refused: {exc.recipients}", retryable=False)
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error.decode("utf-8", errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return NotifyError(f"{where}: {exc.smtp_code} {message}", retryable=exc.smtp_code < 500)
    return NotifyError(f"{where}: {type(exc).__name__}: {exc}", retryable=True)


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
