"""DingTalk: the Markdown payload, the 加签 signature and which refusals are worth retrying."""

import pytest

from itops.alerting.notifiers.base import NotifyError
from itops.alerting.notifiers.dingtalk.config import DingtalkConfig
from itops.alerting.notifiers.dingtalk.dingtalk import (
    MARKDOWN_LIMIT_BYTES,
    RETRYABLE_ERRCODES,
    dingtalk_payload,
    signed_url,
)
from tests.unit.alerting.notifiers.notifier_helpers import (
    disk_alert,
    message,
    refused,
    robot_refusal,
)

ROBOT_URL = "https://oapi.dingtalk.com/robot/send?access_token=robot-token-1"


def refusal(errcode: int) -> NotifyError:
    return robot_refusal(b'{"errcode": %d, "errmsg": "refused"}' % errcode, "errcode", RETRYABLE_ERRCODES, "dingtalk")


def test_signed_url_matches_a_hand_worked_signature():
    # printf '1700000000001\nSEC0123456789abcdef' | openssl dgst -sha256 -hmac SEC0123456789abcdef -binary | base64
    # gives h9I8htdbvJCasKF0f8Gu+a2Cr5fjl9T+pzb6hx3n+pE= ; its + and = are URL-encoded.
    assert signed_url(ROBOT_URL, "SEC0123456789abcdef", 1700000000001) == (
        f"{ROBOT_URL}&timestamp=1700000000001&sign=h9I8htdbvJCasKF0f8Gu%2Ba2Cr5fjl9T%2Bpzb6hx3n%2BpE%3D")


def test_signed_url_starts_the_query_when_the_url_has_none():
    url = signed_url("https://robot.example.com/send", "SEC0123456789abcdef", 1700000000001)
    assert url.startswith("https://robot.example.com/send?timestamp=1700000000001&sign=")


def test_payload_is_markdown_titled_like_the_message():
    sent = message([disk_alert()])
    payload = dingtalk_payload(sent, at_mobiles=[], at_all=False)
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"] == "[P1 Ⅰ级 紧急] web1 磁盘已满"
    assert payload["markdown"]["text"].startswith('### <font color="#D32F2F">[P1 Ⅰ级 紧急] web1 磁盘已满</font>\n')
    assert payload["at"] == {"atMobiles": [], "isAtAll": False}


def test_mentioned_numbers_are_written_at_the_end_of_the_text_too():
    payload = dingtalk_payload(message([disk_alert()]), at_mobiles=["13800000000", "13900000000"], at_all=True)
    assert payload["markdown"]["text"].endswith("\n\n@13800000000 @13900000000")
    assert payload["at"] == {"atMobiles": ["13800000000", "13900000000"], "isAtAll": True}


def test_a_long_group_is_cut_and_keeps_its_mentions_within_the_limit():
    alerts = [disk_alert(f"host-{i:04d}", annotations={"summary_zh": "磁盘已满" * 20}) for i in range(200)]
    text = dingtalk_payload(message(alerts), at_mobiles=["13800000000"], at_all=False)["markdown"]["text"]
    assert len(text.encode()) <= MARKDOWN_LIMIT_BYTES
    assert text.endswith("\n…\n\n@13800000000")


@pytest.mark.parametrize("errcode", sorted(RETRYABLE_ERRCODES))
def test_busy_and_rate_limited_answers_are_retryable(errcode):
    assert refusal(errcode).retryable is True


@pytest.mark.parametrize("errcode", [300001, 310000])  # token does not exist; signature, keyword or IP refused
def test_refused_robot_settings_are_not_retryable(errcode):
    error = refusal(errcode)
    assert error.retryable is False
    assert str(error).startswith(f"dingtalk: refused with errcode {errcode}: ")


def test_url_without_scheme_is_refused_naming_url():
    error = refused("url: oapi.dingtalk.com/robot/send?access_token=x\n", DingtalkConfig)
    assert (error.line, error.field) == (1, "url")


def test_at_all_must_be_true_or_false():
    error = refused(f'url: "{ROBOT_URL}"\nat_all: everyone\n', DingtalkConfig)
    assert (error.line, error.field) == (2, "at_all")


def test_mobile_numbers_are_text():
    error = refused(f'url: "{ROBOT_URL}"\nat_mobiles: [13800000000]\n', DingtalkConfig)
    assert error.field == "at_mobiles[0]"
