"""Messages people read: titles with severity names, texts in their language, times in their zone."""

from datetime import UTC, datetime

from itops.alerting.dispatch.messages import (
    DEFAULT_SEVERITY_STYLES,
    MessageSettings,
    SeverityStyle,
    render_message,
    truncate_utf8,
)
from itops.alerting.rules.model import Alert, AlertState, Severity

SINCE = datetime(2024, 5, 1, 2, 0, 0, tzinfo=UTC)
RESOLVED = datetime(2024, 5, 1, 3, 5, 30, tzinfo=UTC)
ZH = MessageSettings(language="zh-CN")
EN = MessageSettings(language="en")


def disk_alert(**changes) -> Alert:
    fields = dict(
        rule="disk_full",
        labels={"alertname": "DiskFull", "severity": "P1", "host": "web1", "mountpoint": "/"},
        annotations={"summary": "Disk / on web1 is 93% full", "summary_zh": "web1 的磁盘 / 已用 93%",
                     "description": "Less than 7% left.", "description_zh": "剩余不足 7%。",
                     "runbook_url": "https://wiki.example.com/runbooks/disk"},
        severity=Severity.P1, state=AlertState.FIRING, value=93.5, firing_since=SINCE,
    )
    return Alert(**(fields | changes))


def test_zh_title_names_severity_and_chinese_summary():
    message = render_message([disk_alert()], resolved=False, settings=ZH)
    assert message.title == "[P1 Ⅰ级 紧急] web1 的磁盘 / 已用 93%"
    assert message.colour == "red"


def test_en_title_uses_english_summary():
    assert render_message([disk_alert()], False, EN).title == "[P1 Critical] Disk / on web1 is 93% full"


def test_zh_falls_back_to_english_annotation_when_no_zh():
    alert = disk_alert(annotations={"summary": "Disk full"})
    assert render_message([alert], False, ZH).title == "[P1 Ⅰ级 紧急] Disk full"


def test_title_falls_back_to_alertname_without_summary():
    assert render_message([disk_alert(annotations={})], False, EN).title == "[P1 Critical] DiskFull"


def test_firing_text_in_chinese_with_local_time():
    text = render_message([disk_alert()], False, ZH).as_text()
    assert text == (
        "[P1 Ⅰ级 紧急] web1 的磁盘 / 已用 93%\n\n"
        "告警中 · P1 Ⅰ级 紧急 · DiskFull\n"
        "摘要: web1 的磁盘 / 已用 93%\n"
        "详情: 剩余不足 7%。\n"
        "开始于: 2024-05-01 10:00:00 (UTC+08:00)\n"
        "当前值: 93.5\n"
        "标签: alertname=DiskFull, host=web1, mountpoint=/, severity=P1\n"
        "处置手册: https://wiki.example.com/runbooks/disk\n"
    )


def test_configured_time_zone_is_used():
    text = render_message([disk_alert()], False, MessageSettings(language="en", time_zone="Europe/Berlin")).as_text()
    assert "Since: 2024-05-01 04:00:00 (UTC+02:00)\n" in text


def test_resolved_message_says_when_and_how_long():
    alert = disk_alert(state=AlertState.RESOLVED, resolved_at=RESOLVED)
    message = render_message([alert], resolved=True, settings=ZH)
    assert message.title == "[已恢复] [P1 Ⅰ级 紧急] web1 的磁盘 / 已用 93%"
    assert message.colour == "green"
    text = message.as_text()
    assert "已恢复 · P1 Ⅰ级 紧急 · DiskFull\n" in text
    assert "恢复于: 2024-05-01 11:05:30 (UTC+08:00)\n持续: 1 小时 5 分\n" in text


def test_resolved_duration_in_english():
    alert = disk_alert(state=AlertState.RESOLVED, resolved_at=RESOLVED)
    assert "Lasted: 1 h 5 min\n" in render_message([alert], True, EN).as_text()


def test_group_title_counts_alerts_and_takes_worst_severity():
    minor = disk_alert(severity=Severity.P3, labels={"alertname": "DiskFull", "host": "web2"})
    message = render_message([minor, disk_alert()], False, ZH)
    assert message.title == "[P1 Ⅰ级 紧急] DiskFull 等 2 条告警"
    assert [section.heading for section in message.sections] == ["告警中 · P3 Ⅲ级 一般 · DiskFull", "告警中 · P1 Ⅰ级 紧急 · DiskFull"]
    assert render_message([minor, disk_alert()], False, EN).title == "[P1 Critical] 2 alerts: DiskFull"


def test_configured_severity_style_replaces_default():
    styles = DEFAULT_SEVERITY_STYLES | {Severity.P1: SeverityStyle(name_zh="一级", name_en="Sev1", colour="orange")}
    message = render_message([disk_alert()], False, MessageSettings(language="en", severity_styles=styles))
    assert message.title == "[P1 Sev1] Disk / on web1 is 93% full"
    assert message.colour == "orange"


def test_external_url_adds_link_to_the_alerts_console_page():
    alert = disk_alert()
    text = render_message([alert], False, MessageSettings(language="en", external_url="https://itops.example.com/")).as_text()
    assert f"Details: https://itops.example.com/console/#/alerts/{alert.fingerprint}\n" in text


def _named_runbook_alert() -> Alert:
    return disk_alert(annotations={"summary": "Disk full", "runbook": "HostFilesystemFull"})


def test_a_named_runbook_links_the_consoles_runbook_page_in_the_message_language():
    settings = MessageSettings(language="zh-CN", external_url="https://itops.example.com")
    section = render_message([_named_runbook_alert()], False, settings).sections[0]
    [runbook] = [f for f in section.fields if f.name == "处置手册"]
    assert (runbook.value, runbook.link) == (
        "HostFilesystemFull", "https://itops.example.com/console/#/runbooks/HostFilesystemFull?language=zh-CN")


def test_a_named_runbook_without_external_url_has_no_link():
    assert "Runbook" not in render_message([_named_runbook_alert()], False, EN).as_text()


def test_the_rules_own_runbook_url_wins_over_the_console_page():
    alert = disk_alert(annotations={"summary": "Disk full", "runbook": "HostFilesystemFull",
                                    "runbook_url": "https://wiki.example.com/disk"})
    text = render_message([alert], False, MessageSettings(language="en", external_url="https://itops.example.com")).as_text()
    assert "Runbook: https://wiki.example.com/disk\n" in text and "#/runbooks/" not in text


def test_flapping_alert_is_marked():
    assert render_message([disk_alert(flapping=True)], False, EN).sections[0].heading == "FIRING · P1 Critical · DiskFull (flapping)"


def test_markdown_uses_robot_colour_markup_and_links():
    markdown = render_message([disk_alert()], False, EN).as_markdown(lambda text, colour: f"<{colour}>{text}</{colour}>")
    assert markdown.startswith("### <red>[P1 Critical] Disk / on web1 is 93% full</red>\n\n**<red>FIRING · P1 Critical · DiskFull</red>**\n")
    assert "> **Runbook**: [https://wiki.example.com/runbooks/disk](https://wiki.example.com/runbooks/disk)" in markdown


def test_html_escapes_text_and_colours_title():
    alert = disk_alert(annotations={"summary": "<b>x</b> & y"})
    page = render_message([alert], False, EN).as_html()
    assert '<h2 style="color:#D32F2F">[P1 Critical] &lt;b&gt;x&lt;/b&gt; &amp; y</h2>' in page


def test_truncate_utf8_never_splits_a_character():
    assert truncate_utf8("磁盘已满", 10, marker="…") == "磁盘…"
    assert truncate_utf8("short", 10) == "short"


def test_the_value_reads_in_its_unit_and_else_as_a_number():
    texts = {"zh-CN": "1 小时 16 分", "en": "1 h 16 min"}
    assert "当前值: 1 小时 16 分\n" in render_message([disk_alert(value=4560, value_texts=texts)], False, ZH).as_text()
    assert "Value: 1 h 16 min\n" in render_message([disk_alert(value=4560, value_texts=texts)], False, EN).as_text()
    assert "Value: 0.562\n" in render_message([disk_alert(value=0.5619999999999635)], False, EN).as_text()
