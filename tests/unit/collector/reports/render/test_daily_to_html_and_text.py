"""The daily inspection report rendered: text in both languages and one HTML page, from a hand-built day."""

from __future__ import annotations

import re
from datetime import timedelta

from itops.collector.reports.figures.daily_inspection import build_daily_inspection
from itops.collector.reports.render.daily_to_html_and_text import render_daily_html, render_daily_text
from tests.unit.collector.reports.daily_day import DAY, GENERATED, ZONE, report_of


def test_text_in_chinese_shows_states_readings_and_sla_clocks(incidents):
    text = render_daily_text(report_of(incidents), "zh-CN")
    assert text.startswith("IT 巡检日报 2026-10-14\n生成时间: 2026-10-14 18:00 (Asia/Shanghai)\n")
    assert "概况: 严重 1 · 警告 1 · 离线 1 · 未知 0 · 正常 2" in text
    assert "- 耗材将尽: prn-<1> Cyan Toner — 约 2.5 天后耗尽" in text
    assert "- 证书即将过期: pc-1 https://erp.example — 10 天后过期" in text
    assert "- UPS 电池需更换: ups-1\n" in text
    assert "- 备份过期或缺失: erp-db — last erp-db older than 26 h" in text
    assert "- 正常 pc-1: CPU 25 %; 最满分区 93.1 % (/var)\n" in text
    # P1 opened 4 minutes ago: 10 min to respond, 6 left; the P2 was acknowledged, its 8 h resolution runs.
    assert re.search(r"\[P1 [^\]]+\] ERP slow — 待响应, 处理人 未分派, 2026-10-14 17:56; 响应 剩余 6分钟", text)
    assert re.search(r"\[P2 [^\]]+\] Printer jam — 已响应, .*; 解决 剩余 7小时10分", text)


def test_text_in_english(incidents):
    text = render_daily_text(report_of(incidents), "en")
    assert "Summary: Critical 1 · Warning 1 · Offline 1 · Unknown 0 · OK 2" in text
    assert "- Disk filling up: pc-1 /var — full in about 4 days" in text
    assert "- Warning prn-<1>: Lowest supply 8 % (Cyan Toner); alerts 1; Cyan Toner low; last seen 2026-10-14 17:55" in text
    assert "response left 6m" in text and "resolution left 7h 10m" in text


def test_html_is_one_escaped_self_contained_page_for_phones(incidents):
    page = render_daily_html(report_of(incidents), "zh-CN")
    assert page.startswith('<!DOCTYPE html><html lang="zh-CN">')
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "prn-&lt;1&gt;" in page and "prn-<1>" not in page
    assert not re.search(r"<(script|link|img)\b|src=|href=", page), "the page must need no other file"
    assert "<h2>明日需关注</h2>" in page and "<h3>打印机</h3>" in page


def test_an_empty_day_says_none(tmp_path):
    report = build_daily_inspection([], [], [], DAY, ZONE, GENERATED)
    assert "== Needs attention tomorrow ==\nNone\n" in render_daily_text(report, "en")
    assert render_daily_html(report, "en").count('<p class="muted">None</p>') == 2


def test_a_report_made_before_the_evening_run_says_it_is_interim():
    evening = GENERATED + timedelta(hours=2)
    early = build_daily_inspection([], [], [], DAY, ZONE, GENERATED, evening_at=evening)
    assert render_daily_text(early, "en").startswith(
        "Daily IT inspection 2026-10-14\n"
        "Interim report as of 2026-10-14 18:00; the report made at 2026-10-14 20:00 is the record of the day.\n"
        "Generated: 2026-10-14 18:00 (Asia/Shanghai)\n")
    assert '<p class="interim">临时报告：截至 2026-10-14 18:00。以每晚 2026-10-14 20:00 生成的日报为准。</p>' in \
        render_daily_html(early, "zh-CN")


def test_the_evening_run_itself_is_the_record_not_interim():
    on_time = build_daily_inspection([], [], [], DAY, ZONE, GENERATED, evening_at=GENERATED)
    assert "Interim" not in render_daily_text(on_time, "en") and 'class="interim"' not in render_daily_html(on_time, "en")
