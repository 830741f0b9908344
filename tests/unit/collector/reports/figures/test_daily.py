"""The daily inspection report: trend forecasts (hand-computed), what needs attention, and both renderings."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from itops.alerting.incidents.model import AffectedAsset, Category
from itops.alerting.incidents.sla import SlaConfig, SlaPolicy
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.rules.model import Severity
from itops.collector.reports.figures.daily import (
    Attention, OpenIncident, build_daily_inspection, days_until_empty, days_until_full, render_daily_html,
    render_daily_text,
)
from itops.collector.records.entities import Entity, EntityCheck, EntityMetric

DAY_S = 86400.0
GENERATED = datetime(2026, 10, 14, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
ZONE = "Asia/Shanghai"


def test_rising_usage_is_full_when_its_line_reaches_one():
    assert days_until_full([(0.0, 0.5), (DAY_S, 0.6), (2 * DAY_S, 0.7)]) == pytest.approx(3.0)


def test_falling_toner_is_empty_when_its_line_reaches_zero():
    points = [(0.0, 0.9), (DAY_S, 0.8), (2 * DAY_S, 0.7), (3 * DAY_S, 0.6)]
    assert days_until_empty(points) == pytest.approx(6.0)


def test_the_fit_counts_from_the_fitted_value_not_the_last_reading():
    # Fitted line 0.5 + 0.1/day, at day 2 it stands at 0.7 although the last reading says 0.72.
    assert days_until_full([(0.0, 0.49), (DAY_S, 0.61), (2 * DAY_S, 0.70)]) == pytest.approx(
        (1 - (0.6 + 0.105)) / 0.105)


def test_no_forecast_from_less_of_the_week_than_asked():
    three_hours = [(h * 3600.0, 0.26 + 0.001 * h) for h in range(4)]
    two_days = [(h * 3600.0, 0.26 + 0.001 * h) for h in range(2 * 24)]
    assert days_until_full(three_hours, 7 * DAY_S, min_coverage=1 / 7) is None
    assert days_until_empty([(t, 1 - v) for t, v in three_hours], 7 * DAY_S, min_coverage=1 / 7) is None
    assert days_until_full(two_days, 7 * DAY_S, min_coverage=1 / 7) is not None
    assert days_until_full(two_days, 7 * DAY_S) is None  # the rule engine's default: half the window


@pytest.mark.parametrize("points", [[], [(0.0, 0.2), (DAY_S, 0.5)], [(0.0, 0.5), (DAY_S, 0.5), (2 * DAY_S, 0.5)],
                                    [(0.0, 0.7), (DAY_S, 0.6), (2 * DAY_S, 0.5)]])
def test_no_forecast_without_a_rising_trend_over_three_points(points):
    assert days_until_full(points) is None


def entity(kind, name, status="ok", metrics=(), checks=(), open_alerts=0) -> Entity:
    return Entity(kind=kind, name=name, agent="a1", status=status, last_seen=GENERATED - timedelta(minutes=5),
                  open_alerts=open_alerts, metrics=tuple(metrics), checks=tuple(checks))


ENTITIES = [
    entity("backup", "erp-db", "critical", [EntityMetric("newest_file_age", 200_000.0)],
           [EntityCheck("file_freshness", "erp-db", "CRITICAL", "last erp-db older than 26 h", GENERATED)]),
    entity("ups", "ups-1", "ok", [EntityMetric("battery_charge", 1.0),
                                  EntityMetric("battery_replace_needed", 1.0)]),
    entity("printer", "prn-<1>", "warning", [EntityMetric("lowest_supply_remaining", 0.08, "Cyan Toner")],
           [EntityCheck("printer_supply", "prn-<1>", "WARNING", "Cyan Toner low", GENERATED)], open_alerts=1),
    entity("host", "pc-1", "ok", [EntityMetric("cpu_usage", 0.25),
                                  EntityMetric("fullest_filesystem_usage", 0.931, "/var")]),
    entity("host", "old-pc", "offline"),
]
FORECASTS = [
    Attention("toner", "prn-<1>", "Cyan Toner", 2.5),
    Attention("toner", "prn-2", "Black Toner", 8.0),  # beyond the week's horizon
    Attention("disk", "pc-1", "/var", 4.0),
    Attention("certificate", "pc-1", "https://erp.example", 10.0),
    Attention("certificate", "pc-1", "/etc/ssl/far.pem", 20.0),
]


@pytest.fixture
def incidents(tmp_path):
    store = IncidentStore.open(f"sqlite:///{tmp_path / 'incidents.db'}")
    opened = store.open_incident(title="ERP slow", severity=Severity.P1, category=Category.APPLICATION,
                                 reporter="wang", at=GENERATED - timedelta(minutes=4),
                                 assets=[AffectedAsset("erp-1", "IT-9")])
    late = store.open_incident(title="Printer jam", severity=Severity.P2, category=Category.HARDWARE,
                               reporter="wang", at=GENERATED - timedelta(minutes=50))
    store.acknowledge(late.id, "li", GENERATED - timedelta(minutes=40))
    policy = SlaPolicy(SlaConfig())
    rows = [OpenIncident(i, policy.status(i, store.timeline(i.id), GENERATED)) for i in (store.get(opened.id),
                                                                                         store.get(late.id))]
    yield rows
    store.dispose()


def report_of(incidents):
    return build_daily_inspection(ENTITIES, list(reversed(incidents)), FORECASTS, date(2026, 10, 14), ZONE, GENERATED)


def test_attention_keeps_forecasts_within_their_horizon_then_adds_battery_and_backup(incidents):
    report = report_of(incidents)
    assert [(a.kind, a.entity, a.item, a.days_left) for a in report.attention] == [
        ("toner", "prn-<1>", "Cyan Toner", 2.5), ("disk", "pc-1", "/var", 4.0),
        ("certificate", "pc-1", "https://erp.example", 10.0), ("ups_battery", "ups-1", "", None),
        ("backup", "erp-db", "", None)]
    assert report.attention[-1].check.message_in("en") == "last erp-db older than 26 h"


def test_entities_are_grouped_by_kind_and_counted_by_status(incidents):
    report = report_of(incidents)
    assert [e.name for e in report.entities] == ["old-pc", "pc-1", "prn-<1>", "ups-1", "erp-db"]
    assert report.status_counts() == {"critical": 1, "warning": 1, "offline": 1, "unknown": 0, "ok": 2}


def test_incidents_are_ordered_by_severity(incidents):
    assert [o.incident.title for o in report_of(incidents).incidents] == ["ERP slow", "Printer jam"]


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
    report = build_daily_inspection([], [], [], date(2026, 10, 14), ZONE, GENERATED)
    assert "== Needs attention tomorrow ==\nNone\n" in render_daily_text(report, "en")
    assert render_daily_html(report, "en").count('<p class="muted">None</p>') == 2


def test_a_report_made_before_the_evening_run_says_it_is_interim():
    evening = GENERATED + timedelta(hours=2)
    early = build_daily_inspection([], [], [], date(2026, 10, 14), ZONE, GENERATED, evening_at=evening)
    assert early.interim
    assert render_daily_text(early, "en").startswith(
        "Daily IT inspection 2026-10-14\n"
        "Interim report as of 2026-10-14 18:00; the report made at 2026-10-14 20:00 is the record of the day.\n"
        "Generated: 2026-10-14 18:00 (Asia/Shanghai)\n")
    assert '<p class="interim">临时报告：截至 2026-10-14 18:00。以每晚 2026-10-14 20:00 生成的日报为准。</p>' in \
        render_daily_html(early, "zh-CN")


def test_the_evening_run_itself_is_the_record_not_interim():
    on_time = build_daily_inspection([], [], [], date(2026, 10, 14), ZONE, GENERATED, evening_at=GENERATED)
    assert not on_time.interim
    assert "Interim" not in render_daily_text(on_time, "en") and 'class="interim"' not in render_daily_html(on_time, "en")
