"""WeCom: the Markdown payload in WeCom's three colours, its 4096-byte limit, and which refusals are retried."""

import pytest

from itops.alerting.notifiers.base import NotifyError
from itops.alerting.notifiers.wecom.config import WecomConfig
from itops.alerting.notifiers.wecom.wecom import (
    MARKDOWN_LIMIT_BYTES,
    RETRYABLE_ERRCODES,
    wecom_payload,
)
from itops.alerting.rules.model import Severity
from tests.unit.alerting.notifiers.notifier_helpers import (
    disk_alert,
    message,
    refused,
    resolved_disk_alert,
    robot_refusal,
)


def refusal(errcode: int) -> NotifyError:
    return robot_refusal(b'{"errcode": %d, "errmsg": "refused"}' % errcode, "errcode", RETRYABLE_ERRCODES, "wecom")


def test_payload_is_markdown_with_the_title_in_wecoms_warning_colour():
    payload = wecom_payload(message([disk_alert()]))
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["content"].startswith(
        '### <font color="warning">[P1 Ⅰ级 紧急] web1 磁盘已满</font>\n\n'
        '**<font color="warning">告警中 · P1 Ⅰ级 紧急 · DiskFull</font>**\n> **摘要**: web1 磁盘已满\n')


def test_resolved_is_written_in_wecoms_info_colour():
    content = wecom_payload(message([resolved_disk_alert()], resolved=True))["markdown"]["content"]
    assert content.startswith('### <font color="info">[已恢复] [P1 Ⅰ级 紧急] web1 磁盘已满</font>')


def test_low_severity_is_written_in_wecoms_comment_colour():
    content = wecom_payload(message([disk_alert(severity=Severity.P4)]))["markdown"]["content"]
    assert content.startswith('### <font color="comment">[P4 Ⅳ级 轻微]')


def test_a_long_group_is_cut_to_4096_bytes_without_splitting_a_character():
    alerts = [disk_alert(f"主机-{i:03d}") for i in range(60)]
    content = wecom_payload(message(alerts))["markdown"]["content"]
    assert len(content.encode()) <= MARKDOWN_LIMIT_BYTES
    assert content.endswith("\n…")
    assert "\ufffd" not in content


@pytest.mark.parametrize("errcode", sorted(RETRYABLE_ERRCODES))
def test_busy_and_rate_limited_answers_are_retryable(errcode):
    assert refusal(errcode).retryable is True


@pytest.mark.parametrize("errcode", [93000, 40058])  # invalid webhook key; content too long
def test_refusals_of_the_request_itself_are_not_retryable(errcode):
    error = refusal(errcode)
    assert error.retryable is False
    assert str(error).startswith(f"wecom: refused with errcode {errcode}: ")


def test_a_wecom_robot_has_no_secret_to_configure():
    error = refused('url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"\nsecret: SEC1\n', WecomConfig)
    assert (error.line, error.field) == (2, "secret")
    assert error.problem.startswith("unknown option")


def test_url_is_required():
    error = refused("language: en\n", WecomConfig)
    assert "`url`" in error.problem
