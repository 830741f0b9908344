"""E-mail: the message built from an alert message, what an SMTP failure means, and the options refused."""

import smtplib

import pytest

from itops.alerting.notifiers.email.config import EmailConfig
from itops.alerting.notifiers.email.email import build_email, smtp_failure
from tests.unit.alerting.notifiers.notifier_helpers import disk_alert, message, refused

WHERE = "smtp mail.example.com:587"
REQUIRED = "host: mail.example.com\nfrom_address: itops@example.com\nto: [it@example.com]\n"


def test_mail_has_the_titles_subject_and_a_plain_and_an_html_part():
    sent = message([disk_alert()])
    mail = build_email(sent, "itops <alerts@example.com>", ["oncall@example.com", "boss@example.com"])
    assert mail["Subject"] == "[P1 Ⅰ级 紧急] web1 磁盘已满"
    assert mail["From"] == "itops <alerts@example.com>"
    assert mail["To"] == "oncall@example.com, boss@example.com"
    assert mail["Message-ID"].endswith("@itops>")
    assert mail.get_body(("plain",)).get_content() == sent.as_text()
    assert mail.get_body(("html",)).get_content().strip() == sent.as_html()


def test_a_temporary_smtp_answer_is_retryable():
    error = smtp_failure(smtplib.SMTPResponseException(451, b"4.3.0 try again later"), WHERE)
    assert error.retryable is True
    assert str(error) == f"{WHERE}: 451 4.3.0 try again later"


def test_a_permanent_smtp_answer_is_not_retryable():
    error = smtp_failure(smtplib.SMTPAuthenticationError(535, b"5.7.8 authentication failed"), WHERE)
    assert error.retryable is False
    assert str(error) == f"{WHERE}: 535 5.7.8 authentication failed"


def test_refused_recipients_are_not_retryable_and_named():
    refusal = smtplib.SMTPRecipientsRefused({"nobody@example.com": (550, b"5.1.1 no such user")})
    error = smtp_failure(refusal, WHERE)
    assert error.retryable is False
    assert "recipients refused" in str(error) and "nobody@example.com" in str(error)


@pytest.mark.parametrize("broken", [ConnectionRefusedError(111, "Connection refused"), TimeoutError("timed out"),
                                    smtplib.SMTPServerDisconnected("Connection unexpectedly closed")])
def test_a_broken_connection_is_retryable(broken):
    error = smtp_failure(broken, WHERE)
    assert error.retryable is True
    assert str(error).startswith(f"{WHERE}: {type(broken).__name__}: ")


def test_port_out_of_range_is_refused_naming_port():
    error = refused(REQUIRED + "port: 0\n", EmailConfig)
    assert (error.line, error.field) == (4, "port")


def test_an_unknown_security_is_refused_naming_it():
    error = refused(REQUIRED + "security: ssl\n", EmailConfig)
    assert (error.line, error.field) == (4, "security")


def test_at_least_one_recipient():
    error = refused("host: mail.example.com\nfrom_address: itops@example.com\nto: []\n", EmailConfig)
    assert (error.line, error.field) == (3, "to")


def test_a_user_name_without_a_password_is_refused():
    error = refused(REQUIRED + "username: alerts\n", EmailConfig)
    assert error.problem == "username and password go together"
