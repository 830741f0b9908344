"""Feishu: the card and rich-text payloads, the 签名校验 signature and which refusals are worth retrying."""

import pytest

from itops.alerting.notifiers.base import NotifyError
from itops.alerting.notifiers.feishu.config import FeishuConfig
from itops.alerting.notifiers.feishu.feishu import (
    CARD_MARKDOWN_LIMIT_BYTES,
    RETRYABLE_CODES,
    card_payload,
    post_payload,
    signature,
    signed_payload,
)
from tests.unit.alerting.notifiers.notifier_helpers import (
    disk_alert,
    message,
    refused,
    resolved_disk_alert,
    robot_refusal,
)

# key=$(printf '1700000000\nsecret-of-the-robot' | xxd -p | tr -d '\n')
# printf '' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$key -binary | base64
HAND_WORKED_SIGNATURE = "OYwNnyGulKoahNgHc09NI1POu9G1+n/tWQxYYOgUl1E="


def refusal(code: int) -> NotifyError:
    return robot_refusal(b'{"code": %d, "msg": "refused"}' % code, "code", RETRYABLE_CODES, "feishu")


def test_signature_matches_a_hand_worked_one():
    assert signature("secret-of-the-robot", 1700000000) == HAND_WORKED_SIGNATURE


def test_signed_payload_carries_timestamp_as_text_and_sign_before_the_message():
    payload = signed_payload({"msg_type": "post", "content": {}}, "secret-of-the-robot", 1700000000)
    assert payload == {"timestamp": "1700000000", "sign": HAND_WORKED_SIGNATURE, "msg_type": "post", "content": {}}
    assert list(payload)[:2] == ["timestamp", "sign"]


def test_card_has_the_title_in_a_coloured_header_and_not_again_in_the_body():
    card = card_payload(message([disk_alert()]))
    assert card["msg_type"] == "interactive"
    assert card["card"]["header"] == {"title": {"tag": "plain_text", "content": "[P1 Ⅰ级 紧急] web1 磁盘已满"},
                                      "template": "red"}
    [element] = card["card"]["elements"]
    assert element["tag"] == "markdown"
    assert element["content"].startswith("**<font color='red'>告警中 · P1 Ⅰ级 紧急 · DiskFull</font>**\n")
    assert "###" not in element["content"]


def test_resolved_card_is_green():
    card = card_payload(message([resolved_disk_alert()], resolved=True))
    assert card["card"]["header"]["template"] == "green"
    assert card["card"]["header"]["title"]["content"].startswith("[已恢复] ")


def test_a_long_group_is_cut_to_the_cards_limit():
    alerts = [disk_alert(f"host-{i:04d}", annotations={"summary_zh": "磁盘已满" * 20}) for i in range(200)]
    content = card_payload(message(alerts))["card"]["elements"][0]["content"]
    assert len(content.encode()) <= CARD_MARKDOWN_LIMIT_BYTES
    assert content.endswith("\n…")


def test_post_is_one_text_line_per_line_of_the_message_under_its_locale():
    zh = post_payload(message([disk_alert()]), "zh-CN")
    en = post_payload(message([disk_alert()], language="en"), "en")
    assert zh["msg_type"] == "post"
    assert zh["content"]["post"]["zh_cn"]["title"] == "[P1 Ⅰ级 紧急] web1 磁盘已满"
    assert zh["content"]["post"]["zh_cn"]["content"][:3] == [
        [{"tag": "text", "text": ""}],
        [{"tag": "text", "text": "告警中 · P1 Ⅰ级 紧急 · DiskFull"}],
        [{"tag": "text", "text": "摘要: web1 磁盘已满"}],
    ]
    assert list(en["content"]["post"]) == ["en_us"]
    assert en["content"]["post"]["en_us"]["title"] == "[P1 Critical] Disk on web1 is full"


def test_sending_too_often_is_retryable():
    assert refusal(11232).retryable is True


@pytest.mark.parametrize("code", [19001, 19021])  # token invalid; signature or timestamp refused
def test_refused_robot_settings_are_not_retryable(code):
    error = refusal(code)
    assert error.retryable is False
    assert str(error).startswith(f"feishu: refused with code {code}: ")


def test_an_unknown_message_type_is_refused_naming_it():
    error = refused('url: "https://open.feishu.cn/open-apis/bot/v2/hook/x"\nmessage_type: card\n', FeishuConfig)
    assert (error.line, error.field) == (2, "message_type")
    assert "'card'" in error.problem


def test_url_without_scheme_is_refused_naming_url():
    error = refused("url: open.feishu.cn/open-apis/bot/v2/hook/x\n", FeishuConfig)
    assert error.field == "url"
