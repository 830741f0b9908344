"""The HTML and CSV renderings of the hand-computed October 2026 report (test_monthly_report.py)."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest
from itops.alerting.incidents.store import IncidentStore
from itops.collector.reports.figures.monthly_report import build_monthly_report
from itops.collector.reports.render.to_csv import BOM, render_csv
from itops.collector.reports.render.to_html import render_html
from itops.collector.reports.texts import definitions, label

from tests.unit.collector.reports.figures.test_monthly_report import build_incidents, month_inputs


@pytest.fixture(scope="module")
def report():
    store = IncidentStore.open("sqlite://")
    try:
        ids = build_incidents(store)
        return build_monthly_report(month_inputs(store)), ids
    finally:
        store.dispose()


class _Page(HTMLParser):
    """Collects the text, the tables (as lists of cell texts) and every tag name and attribute seen."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.tags: list[tuple[str, dict]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def table_with_header(page: _Page, first_header: str, containing: str) -> list[list[str]]:
    return next(t for t in page.tables if t[0][0] == first_header and any(containing in c for c in t[0]))


def test_html_zh_has_the_figures_and_definitions(report):
    report, ids = report
    page = parse(render_html(report, "zh-CN"))
    text = "".join(page.text)
    assert "IT 运维月度 SLA 报告" in text and "2026-10-01 00:00 – 2026-11-01 00:00" in text
    headlines = table_with_header(page, "指标", "环比变化")
    assert ["故障总数", "9", "2", "▲ +7"] in headlines
    assert ["响应达标率", "75.0%", "50.0%", "▲ +25.00 个百分点"] in headlines
    assert ["主机可用性", "99.966%", "100.000%", "▼ -0.03 个百分点"] in headlines
    breaches = table_with_header(page, "故障单号", "超时原因")
    assert breaches[1] == [ids["K"], "incident K", "P2 Ⅱ级 重要", "2026-10-26 09:00", "解决", "8小时00分",
                           "10小时00分", "2小时00分", "否", "硬盘故障，备件延迟到货"]
    assert breaches[3][-1] == "值班人员调休未到岗"
    open_rows = table_with_header(page, "故障单号", "月末 SLA 状态")
    assert [row[0] for row in open_rows[1:]] == [ids["G"], ids["H"]]
    assert open_rows[1][6] == "已超时" and open_rows[2][6] == "未超时"
    timings = table_with_header(page, "级别", "MTTA 平均（SLA 时间）")
    assert timings[3][:4] == ["P3 Ⅲ级 一般", "3", "1小时05分", "45分钟"]  # 3900 s, median 2700 s
    for _, sentence in definitions("zh-CN"):
        assert sentence in text


def test_html_en_uses_english_and_report_zone_times(report):
    report, ids = report
    page = parse(render_html(report, "en"))
    text = "".join(page.text)
    assert "Monthly IT operations SLA report" in text and "2026-10 (2026-10-01 00:00 – 2026-11-01 00:00)" in text
    assert "故障" not in text.replace("硬盘故障，备件延迟到货", "")  # only the cause someone typed in Chinese
    open_rows = table_with_header(page, "Incident", "SLA at month end")
    assert open_rows[1][:6] == [ids["G"], "incident G", "P2 Major", "2026-10-31 23:00", "open", "zhao"]
    assert open_rows[1][6:] == ["already breached", "7h 00m"]  # 8 h − 1 h left to resolve
    compliance = table_with_header(page, "Severity", "Within SLA, this month")
    assert ["All", "Resolution", "6", "1", "2", "85.7%", "100.0%"] in compliance
    for _, sentence in definitions("en"):
        assert sentence in text


def test_html_is_self_contained(report):
    report, _ = report
    page = parse(render_html(report, "zh-CN"))
    tags = {tag for tag, _ in page.tags}
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert sum(tag == "svg" for tag, _ in page.tags) == 3  # severity, category, % within SLA
    assert not [attrs for _, attrs in page.tags if any(v and "http" in v for k, v in attrs.items() if k != "xmlns")]
    assert ("html", {"lang": "zh-CN"}) in page.tags


def test_html_bar_lengths_follow_the_counts(report):
    report, _ = report
    page = parse(render_html(report, "en"))
    first_chart = page.tags.index(("svg", next(a for t, a in page.tags if t == "svg")))
    bars = [float(attrs["width"]) for tag, attrs in page.tags[first_chart:] if tag == "rect" and attrs["width"] != "10"]
    # P1 2/1, P2 3/0, P3 3/1, P4 1/0 scaled to the largest (3) over 420 px
    assert bars[:8] == [280.0, 140.0, 420.0, 0.0, 420.0, 140.0, 140.0, 0.0]


def test_csv_round_trip(report):
    report, ids = report
    text = render_csv(report, "zh-CN")
    assert text.startswith(BOM)
    blocks = text[len(BOM):].split("\r\n\r\n")
    parsed = [list(csv.reader(io.StringIO(block))) for block in blocks]
    assert all(block[0][0] == label("section", "zh-CN") for block in parsed)  # one header row each
    by_title = {block[1][0]: block for block in parsed if len(block) > 1}
    severity = by_title[label("incidents_by_severity", "zh-CN")]
    assert [row[1:] for row in severity[1:]] == [["P1", "2", "1"], ["P2", "3", "0"], ["P3", "3", "1"],
                                                 ["P4", "1", "0"], ["合计", "9", "2"]]
    breaches = by_title[label("breaches", "zh-CN")]
    assert breaches[0][6:9] == ["目标（秒）", "实际（秒）", "超出（秒）"]
    assert breaches[1][1:] == [ids["K"], "incident K", "P2", "2026-10-26T09:00:00+08:00", "解决", "28800.0",
                               "36000.0", "7200.0", "否", "硬盘故障，备件延迟到货"]
    timings = by_title[label("timings", "zh-CN")]
    overall = timings[-1]
    assert overall[1:4] == ["合计", "7", repr(14220 / 7)]  # unformatted seconds
    compliance = by_title[label("compliance", "zh-CN")]
    assert compliance[-1][1:] == ["合计", "解决", "6", "1", "2", repr(6 / 7), "1.0"]
    host = by_title[label("availability_host", "zh-CN")]
    assert [row[1] for row in host[1:]] == ["db-01", "web-01"]
    assert float(host[1][3]) == pytest.approx(1 - 1800 / (31 * 86400 - 7200))


def test_csv_english_headers(report):
    report, _ = report
    rows = list(csv.reader(io.StringIO(render_csv(report, "en")[len(BOM):])))
    assert ["Section", "Figure", "Unit", "This month", "Previous month", "Change"] in rows
    assert ["Incidents by severity", "All", "9", "2"] in rows
    definitions_rows = [row for row in rows if row and row[0] == "Definitions"]
    assert [row[2] for row in definitions_rows] == [sentence for _, sentence in definitions("en")]
