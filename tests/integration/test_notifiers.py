"""Every notification channel against a real server on 127.0.0.1: an SMTP sink (aiosmtpd), an HTTP
receiver that checks robot signatures and answers as WeCom, DingTalk and Feishu do, and a real
Alertmanager (Debian package prometheus-alertmanager)."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import email
import email.policy
import hashlib
import hmac
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.alerting.notifiers.base import NotificationContext, NotifyError
from itops.alerting.notifiers.alertmanager.alertmanager import (
    AlertmanagerConfig,
    AlertmanagerNotifier,
)
from itops.alerting.notifiers.dingtalk.dingtalk import DingtalkConfig, DingtalkNotifier
from itops.alerting.notifiers.email.email import EmailConfig, EmailNotifier
from itops.alerting.notifiers.feishu.feishu import FeishuConfig, FeishuNotifier
from itops.alerting.notifiers.webhook.webhook import (
    WebhookConfig,
    WebhookNotifier,
    alertmanager_payload,
)
from itops.alerting.notifiers.wecom.wecom import WecomConfig, WecomNotifier
from itops.common.clock import utc_now
from itops.collector.ingest.tls import write_ca_and_server_certificate

pytestmark = pytest.mark.integration

SECRET = "SEC0123456789abcdef"
ROBOT_TOKEN = "robot-token-1"
SINCE = datetime(2024, 5, 1, 2, 0, 0, tzinfo=UTC)
FIRING = NotificationContext(group_key='{}:{alertname="DiskFull"}', receiver="ops", status="firing",
                             external_url="https://itops.example.com", group_labels={"alertname": "DiskFull"})


RUNBOOK_PAGE = "https://itops.example.com/console/#/runbooks/HostFilesystemFull?language={}"


def alert_page(alert: Alert) -> str:
    return f"https://itops.example.com/console/#/alerts/{alert.fingerprint}"


def disk_alert(host: str = "web1", **changes) -> Alert:
    fields = dict(
        rule="disk_full", labels={"alertname": "DiskFull", "severity": "P1", "host": host},
        annotations={"summary": f"Disk on {host} is full", "summary_zh": f"{host} 磁盘已满", "runbook_url": "https://wiki/disk"},
        severity=Severity.P1, state=AlertState.FIRING, value=93.5, firing_since=SINCE,
    )
    return Alert(**(fields | changes))


def runbook_alert(host: str = "web1", **changes) -> Alert:
    """An alert of a rule that names its runbook (as the shipped rules do) and sets no runbook_url."""
    annotations = {"summary": f"Disk on {host} is full", "summary_zh": f"{host} 磁盘已满", "runbook": "HostFilesystemFull"}
    return disk_alert(host, annotations=annotations, **changes)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def notify(notifier, alerts, context=FIRING) -> None:
    asyncio.run(notifier.notify(alerts, context))


def failure(notifier, alert: Alert) -> NotifyError:
    with pytest.raises(NotifyError) as caught:
        notify(notifier, [alert])
    return caught.value


# --- SMTP ---------------------------------------------------------------------------------------------

class MailSink:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _password_ok(server, session, envelope, mechanism, auth_data):
    good = auth_data.login == b"alerts" and auth_data.password == b"s3cret"
    return AuthResult(success=good, handled=False)  # handled=False: the sink answers 535 itself


@pytest.fixture
def smtp_sink():
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), authenticator=_password_ok, auth_require_tls=False)
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture
def starttls_sink(tmp_path):
    paths = write_ca_and_server_certificate(str(tmp_path), ["127.0.0.1"], utc_now())
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(paths["cert"], paths["key"])
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), tls_context=tls, require_starttls=True)
    controller.start()
    yield sink, controller.port, paths["ca"]
    controller.stop()


def test_email_has_subject_plain_and_html_parts_in_chinese(smtp_sink):
    sink, port = smtp_sink
    config = EmailConfig(host="127.0.0.1", port=port, security="none", from_address="itops <alerts@example.com>",
                         to=["oncall@example.com", "boss@example.com"])
    notify(EmailNotifier(config), [disk_alert()])
    [mail] = sink.messages
    assert mail["Subject"] == "[P1 Ⅰ级 紧急] web1 磁盘已满"
    assert sink.envelopes[0].rcpt_tos == ["oncall@example.com", "boss@example.com"]
    plain = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    page = mail.get_body(("html",)).get_content()
    assert "摘要: web1 磁盘已满\n开始于: 2024-05-01 10:00:00 (UTC+08:00)\n当前值: 93.5\n" in plain
    assert '<h2 style="color:#D32F2F">[P1 Ⅰ级 紧急] web1 磁盘已满</h2>' in page


def test_email_links_the_consoles_runbook_and_alert_pages_in_both_parts(smtp_sink):
    sink, port = smtp_sink
    config = EmailConfig(host="127.0.0.1", port=port, security="none", from_address="a@example.com", to=["b@example.com"])
    alert = runbook_alert()
    notify(EmailNotifier(config), [alert])
    [mail] = sink.messages
    plain = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    page = mail.get_body(("html",)).get_content()
    assert f"处置手册: {RUNBOOK_PAGE.format('zh-CN')}\n告警详情: {alert_page(alert)}\n" in plain
    assert f'<a href="{RUNBOOK_PAGE.format("zh-CN")}">HostFilesystemFull</a>' in page
    assert f'<a href="{alert_page(alert)}">{alert_page(alert)}</a>' in page


def test_email_in_english_when_configured(smtp_sink):
    sink, port = smtp_sink
    config = EmailConfig(host="127.0.0.1", port=port, security="none", language="en", from_address="a@example.com", to=["b@example.com"])
    notify(EmailNotifier(config), [disk_alert()])
    assert sink.messages[0]["Subject"] == "[P1 Critical] Disk on web1 is full"


def test_email_logs_in(smtp_sink):
    sink, port = smtp_sink
    config = EmailConfig(host="127.0.0.1", port=port, security="none", username="alerts", password="s3cret",
                         from_address="a@example.com", to=["b@example.com"])
    notify(EmailNotifier(config), [disk_alert()])
    assert len(sink.messages) == 1


def test_email_wrong_password_is_not_retryable(smtp_sink):
    sink, port = smtp_sink
    config = EmailConfig(host="127.0.0.1", port=port, security="none", username="alerts", password="wrong",
                         from_address="a@example.com", to=["b@example.com"])
    error = failure(EmailNotifier(config), disk_alert())
    assert error.retryable is False
    assert "535" in str(error)
    assert sink.messages == []


def test_email_over_starttls(starttls_sink):
    sink, port, ca = starttls_sink
    config = EmailConfig(host="127.0.0.1", port=port, security="starttls", ca_file=str(ca), from_address="a@example.com", to=["b@example.com"])
    notify(EmailNotifier(config), [disk_alert()])
    assert sink.messages[0]["Subject"] == "[P1 Ⅰ级 紧急] web1 磁盘已满"


def test_email_connection_refused_is_retryable():
    config = EmailConfig(host="127.0.0.1", port=free_port(), security="none", from_address="a@example.com", to=["b@example.com"])
    error = failure(EmailNotifier(config), disk_alert())
    assert error.retryable is True


# --- HTTP robots and webhooks ---------------------------------------------------------------------------

class RobotReceiver:
    """Answers like the real services: HTTP 200 with an error code when a request is refused."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []
        self.answer_busy = False
        self.from_alertmanager: list[dict] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhook", self.webhook)
        app.router.add_post("/from-alertmanager", self.alertmanager_webhook)
        app.router.add_post("/unavailable", self.unavailable)
        app.router.add_post("/forbidden", self.forbidden)
        app.router.add_post("/cgi-bin/webhook/send", self.wecom)
        app.router.add_post("/robot/send", self.dingtalk)
        app.router.add_post("/open-apis/bot/v2/hook/{token}", self.feishu)
        return app

    async def webhook(self, request):
        self.requests.append(("webhook", await request.json()))
        return web.Response(text="ok")

    async def alertmanager_webhook(self, request):
        self.from_alertmanager.append(await request.json())
        return web.Response(text="ok")

    async def unavailable(self, request):
        return web.Response(status=503, text="maintenance")

    async def forbidden(self, request):
        return web.Response(status=403, text="no")

    async def wecom(self, request):
        body = await request.json()
        if request.query.get("key") != ROBOT_TOKEN:
            return web.json_response({"errcode": 93000, "errmsg": "invalid webhook url"})
        if len(body["markdown"]["content"].encode()) > 4096:
            return web.json_response({"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"})
        self.requests.append(("wecom", body))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def dingtalk(self, request):
        body = await request.json()
        if self.answer_busy:
            return web.json_response({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        timestamp = request.query.get("timestamp", "")
        expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()).decode()
        # aiohttp has already URL-decoded the query, as DingTalk does.
        if request.query.get("access_token") != ROBOT_TOKEN:
            return web.json_response({"errcode": 300001, "errmsg": "token is not exist"})
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600_000 or request.query.get("sign") != expected:
            return web.json_response({"errcode": 310000, "errmsg": "sign not match"})
        self.requests.append(("dingtalk", body))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def feishu(self, request):
        body = await request.json()
        timestamp = body.get("timestamp", "")
        key = f"{timestamp}\n{SECRET}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if request.match_info["token"] != ROBOT_TOKEN:
            return web.json_response({"code": 19001, "msg": "param invalid: incoming webhook access token invalid"})
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 3600 or body.get("sign") != expected:
            return web.json_response({"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"})
        self.requests.append(("feishu", body))
        return web.json_response({"code": 0, "data": {}, "msg": "success"})


@pytest.fixture(scope="module")
def receiver():
    robot = RobotReceiver()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(robot.app())
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield robot, f"http://127.0.0.1:{port}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def robot(receiver):
    receiver[0].requests.clear()
    receiver[0].answer_busy = False
    return receiver


def test_webhook_alertmanager_format_is_alertmanagers_payload(robot):
    server, base = robot
    resolved = disk_alert("web2", state=AlertState.RESOLVED, resolved_at=SINCE + timedelta(minutes=5))
    notify(WebhookNotifier(WebhookConfig(url=f"{base}/webhook", format="alertmanager")), [disk_alert(), resolved])
    [(_, payload)] = server.requests
    first = disk_alert()
    assert payload == {
        "version": "4", "groupKey": '{}:{alertname="DiskFull"}', "truncatedAlerts": 0, "status": "firing", "receiver": "ops",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {"alertname": "DiskFull", "severity": "P1"},
        "commonAnnotations": {"runbook_url": "https://wiki/disk"},
        "externalURL": "https://itops.example.com",
        "alerts": [
            {"status": "firing", "labels": first.labels, "annotations": first.annotations,
             "startsAt": "2024-05-01T02:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
             "generatorURL": alert_page(first), "fingerprint": first.fingerprint},
            {"status": "resolved", "labels": resolved.labels, "annotations": resolved.annotations,
             "startsAt": "2024-05-01T02:00:00Z", "endsAt": "2024-05-01T02:05:00Z",
             "generatorURL": alert_page(resolved), "fingerprint": resolved.fingerprint},
        ],
    }


def test_webhook_itops_format_carries_rendered_text(robot):
    server, base = robot
    notify(WebhookNotifier(WebhookConfig(url=f"{base}/webhook", headers={"Authorization": "Bearer x"})), [disk_alert()])
    [(_, payload)] = server.requests
    assert payload["version"] == "itops/1"
    assert payload["title"] == "[P1 Ⅰ级 紧急] web1 磁盘已满"
    assert payload["alerts"][0]["severity"] == "P1"
    assert payload["alerts"][0]["state"] == "firing"
    assert payload["alerts"][0]["value"] == 93.5


def test_webhook_links_the_consoles_runbook_page_in_either_format(robot):
    server, base = robot
    alert = runbook_alert()
    notify(WebhookNotifier(WebhookConfig(url=f"{base}/webhook", language="en")), [alert])
    notify(WebhookNotifier(WebhookConfig(url=f"{base}/webhook", format="alertmanager")), [alert])
    [(_, ours), (_, alertmanager_shaped)] = server.requests
    assert (ours["alerts"][0]["runbookURL"], ours["alerts"][0]["url"]) == (RUNBOOK_PAGE.format("en"), alert_page(alert))
    assert f"Runbook: {RUNBOOK_PAGE.format('en')}\n" in ours["text"]
    assert alertmanager_shaped["alerts"][0]["annotations"]["runbook_url"] == RUNBOOK_PAGE.format("zh-CN")
    assert alertmanager_shaped["commonAnnotations"]["runbook_url"] == RUNBOOK_PAGE.format("zh-CN")
    assert alertmanager_shaped["alerts"][0]["generatorURL"] == alert_page(alert)


def test_http_503_is_retryable(robot):
    _, base = robot
    error = failure(WebhookNotifier(WebhookConfig(url=f"{base}/unavailable")), disk_alert())
    assert error.retryable is True
    assert "HTTP 503: maintenance" in str(error)


def test_http_403_is_not_retryable(robot):
    _, base = robot
    error = failure(WebhookNotifier(WebhookConfig(url=f"{base}/forbidden")), disk_alert())
    assert error.retryable is False


def test_connection_refused_is_retryable():
    error = failure(WebhookNotifier(WebhookConfig(url=f"http://127.0.0.1:{free_port()}/webhook")), disk_alert())
    assert error.retryable is True


def test_wecom_sends_markdown(robot):
    server, base = robot
    notify(WecomNotifier(WecomConfig(url=f"{base}/cgi-bin/webhook/send?key={ROBOT_TOKEN}")), [disk_alert()])
    [(_, body)] = server.requests
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["content"].startswith('### <font color="warning">[P1 Ⅰ级 紧急] web1 磁盘已满</font>\n')


def test_wecom_links_the_consoles_runbook_and_alert_pages(robot):
    server, base = robot
    alert = runbook_alert()
    notify(WecomNotifier(WecomConfig(url=f"{base}/cgi-bin/webhook/send?key={ROBOT_TOKEN}")), [alert])
    [(_, body)] = server.requests
    content = body["markdown"]["content"]
    assert f"> **处置手册**: [HostFilesystemFull]({RUNBOOK_PAGE.format('zh-CN')})\n" in content
    assert f"> **告警详情**: [{alert_page(alert)}]({alert_page(alert)})" in content


def test_wecom_long_group_is_cut_to_4096_bytes(robot):
    server, base = robot
    alerts = [disk_alert(f"host-{i:03d}") for i in range(60)]
    notify(WecomNotifier(WecomConfig(url=f"{base}/cgi-bin/webhook/send?key={ROBOT_TOKEN}")), alerts)
    [(_, body)] = server.requests
    assert body["markdown"]["content"].endswith("\n…")


def test_wecom_errcode_is_not_retryable_and_hides_key(robot):
    _, base = robot
    error = failure(WecomNotifier(WecomConfig(url=f"{base}/cgi-bin/webhook/send?key=wrong")), disk_alert())
    assert error.retryable is False
    assert "errcode 93000" in str(error)
    assert "key=wrong" not in str(error)


def test_dingtalk_signed_markdown_is_accepted(robot):
    server, base = robot
    config = DingtalkConfig(url=f"{base}/robot/send?access_token={ROBOT_TOKEN}", secret=SECRET, at_mobiles=["13800000000"])
    notify(DingtalkNotifier(config), [disk_alert()])
    [(_, body)] = server.requests
    assert body["markdown"]["title"] == "[P1 Ⅰ级 紧急] web1 磁盘已满"
    assert body["markdown"]["text"].endswith("\n\n@13800000000")
    assert body["at"] == {"atMobiles": ["13800000000"], "isAtAll": False}


def test_dingtalk_links_the_consoles_runbook_page_in_its_language(robot):
    server, base = robot
    config = DingtalkConfig(url=f"{base}/robot/send?access_token={ROBOT_TOKEN}", secret=SECRET, language="en")
    notify(DingtalkNotifier(config), [runbook_alert()])
    [(_, body)] = server.requests
    assert f"> **Runbook**: [HostFilesystemFull]({RUNBOOK_PAGE.format('en')})\n" in body["markdown"]["text"]


def test_dingtalk_wrong_secret_is_refused_not_retryable(robot):
    _, base = robot
    config = DingtalkConfig(url=f"{base}/robot/send?access_token={ROBOT_TOKEN}", secret="SECwrong")
    error = failure(DingtalkNotifier(config), disk_alert())
    assert error.retryable is False
    assert "errcode 310000" in str(error)


def test_dingtalk_stale_timestamp_is_refused(robot):
    _, base = robot
    config = DingtalkConfig(url=f"{base}/robot/send?access_token={ROBOT_TOKEN}", secret=SECRET)
    error = failure(DingtalkNotifier(config, clock=lambda: time.time() - 7200), disk_alert())
    assert "errcode 310000" in str(error)


def test_dingtalk_rate_limit_is_retryable(robot):
    server, base = robot
    server.answer_busy = True
    config = DingtalkConfig(url=f"{base}/robot/send?access_token={ROBOT_TOKEN}", secret=SECRET)
    error = failure(DingtalkNotifier(config), disk_alert())
    assert error.retryable is True


def test_feishu_signed_card_is_accepted(robot):
    server, base = robot
    notify(FeishuNotifier(FeishuConfig(url=f"{base}/open-apis/bot/v2/hook/{ROBOT_TOKEN}", secret=SECRET)), [disk_alert()])
    [(_, body)] = server.requests
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"] == {"title": {"tag": "plain_text", "content": "[P1 Ⅰ级 紧急] web1 磁盘已满"}, "template": "red"}
    assert "**<font color='red'>告警中 · P1 Ⅰ级 紧急 · DiskFull</font>**" in body["card"]["elements"][0]["content"]


def test_feishu_post_message_in_english(robot):
    server, base = robot
    config = FeishuConfig(url=f"{base}/open-apis/bot/v2/hook/{ROBOT_TOKEN}", secret=SECRET, message_type="post", language="en")
    notify(FeishuNotifier(config), [disk_alert()])
    [(_, body)] = server.requests
    post = body["content"]["post"]["en_us"]
    assert post["title"] == "[P1 Critical] Disk on web1 is full"
    assert post["content"][1] == [{"tag": "text", "text": "FIRING · P1 Critical · DiskFull"}]


def test_feishu_card_and_post_link_the_consoles_runbook_page(robot):
    server, base = robot
    url = f"{base}/open-apis/bot/v2/hook/{ROBOT_TOKEN}"
    notify(FeishuNotifier(FeishuConfig(url=url, secret=SECRET)), [runbook_alert()])
    notify(FeishuNotifier(FeishuConfig(url=url, secret=SECRET, message_type="post")), [runbook_alert()])
    [(_, card), (_, post)] = server.requests
    assert f"> **处置手册**: [HostFilesystemFull]({RUNBOOK_PAGE.format('zh-CN')})\n" in card["card"]["elements"][0]["content"]
    assert [{"tag": "text", "text": f"处置手册: {RUNBOOK_PAGE.format('zh-CN')}"}] in post["content"]["post"]["zh_cn"]["content"]


def test_feishu_wrong_secret_is_refused_not_retryable(robot):
    _, base = robot
    config = FeishuConfig(url=f"{base}/open-apis/bot/v2/hook/{ROBOT_TOKEN}", secret="wrong")
    error = failure(FeishuNotifier(config), disk_alert())
    assert error.retryable is False
    assert "code 19021" in str(error)
    assert ROBOT_TOKEN not in str(error)


# --- Alertmanager ---------------------------------------------------------------------------------------

def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory, receiver):
    binary = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
    assert Path(binary).exists(), "prometheus-alertmanager is not installed (Debian package prometheus-alertmanager)"
    workdir = tmp_path_factory.mktemp("alertmanager")
    # Alertmanager posts to our receiver, so the webhook format can be compared with the real thing.
    (workdir / "alertmanager.yml").write_text(
        "route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 0s\n"
        f"receivers:\n  - name: hook\n    webhook_configs:\n      - url: {receiver[1]}/from-alertmanager\n"
    )
    port = free_port()
    with open(workdir / "alertmanager.log", "wb") as log:
        process = subprocess.Popen(
            [binary, f"--config.file={workdir / 'alertmanager.yml'}", f"--storage.path={workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
            stdout=subprocess.DEVNULL, stderr=log,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{base}/-/ready", timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, (workdir / "alertmanager.log").read_text()
            assert time.monotonic() < deadline, "alertmanager not ready within 20s"
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(10)


def test_alertmanager_receives_labels_annotations_and_times(alertmanager):
    alert = disk_alert("am-web1", firing_since=datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3))
    notify(AlertmanagerNotifier(AlertmanagerConfig(url=alertmanager)), [alert])
    [listed] = [a for a in _get_json(f"{alertmanager}/api/v2/alerts") if a["labels"].get("host") == "am-web1"]
    assert listed["labels"] == {"alertname": "DiskFull", "severity": "P1", "host": "am-web1"}
    assert listed["annotations"] == alert.annotations
    assert listed["generatorURL"] == alert_page(alert)
    assert datetime.fromisoformat(listed["startsAt"]) == alert.firing_since
    assert listed["status"]["state"] == "active"


def test_alertmanager_gets_the_consoles_runbook_page_as_runbook_url(alertmanager):
    alert = runbook_alert("am-runbook", firing_since=datetime.now(UTC).replace(microsecond=0))
    notify(AlertmanagerNotifier(AlertmanagerConfig(url=alertmanager, language="en")), [alert])
    [listed] = [a for a in _get_json(f"{alertmanager}/api/v2/alerts") if a["labels"].get("host") == "am-runbook"]
    assert listed["annotations"] == alert.annotations | {"runbook_url": RUNBOOK_PAGE.format("en")}
    assert listed["generatorURL"] == alert_page(alert)


def test_alertmanager_resolved_alert_leaves_active_list(alertmanager):
    started = datetime.now(UTC) - timedelta(minutes=10)
    notifier = AlertmanagerNotifier(AlertmanagerConfig(url=alertmanager))
    notify(notifier, [disk_alert("am-web2", firing_since=started)])
    assert any(a["labels"].get("host") == "am-web2" for a in _get_json(f"{alertmanager}/api/v2/alerts"))
    resolved = disk_alert("am-web2", firing_since=started, state=AlertState.RESOLVED, resolved_at=datetime.now(UTC) - timedelta(seconds=1))
    notify(notifier, [resolved], dataclasses.replace(FIRING, status="resolved"))
    assert not any(a["labels"].get("host") == "am-web2" for a in _get_json(f"{alertmanager}/api/v2/alerts"))


def test_alertmanager_rejects_alert_without_labels_not_retryable(alertmanager):
    error = failure(AlertmanagerNotifier(AlertmanagerConfig(url=alertmanager)), disk_alert(labels={}))
    assert error.retryable is False
    assert "HTTP 400" in str(error)


def test_webhook_alertmanager_format_has_the_fields_alertmanager_sends(alertmanager, receiver):
    server, _ = receiver
    notify(AlertmanagerNotifier(AlertmanagerConfig(url=alertmanager)), [disk_alert("am-web3", firing_since=datetime.now(UTC))])
    deadline = time.monotonic() + 10
    while not server.from_alertmanager:
        assert time.monotonic() < deadline, "alertmanager sent no webhook within 10s"
        time.sleep(0.05)
    real = server.from_alertmanager[0]
    ours = alertmanager_payload([disk_alert()], FIRING, "zh-CN")
    assert set(ours) == set(real)
    assert set(ours["alerts"][0]) == set(real["alerts"][0])
    assert real["version"] == ours["version"]
    assert real["alerts"][0]["endsAt"] == ours["alerts"][0]["endsAt"]
