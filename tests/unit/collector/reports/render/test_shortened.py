"""Long tables in the monthly report: HTML and PDF show the most telling rows and say how many there are in
all; the CSV keeps every row. Built on test_report_pdf.py's October with its breaches list replaced by many."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta

import pytest
from itops.alerting.rules.model import Severity
from itops.collector.reports.figures.inputs import AvailabilityRow
from itops.collector.reports.figures.monthly_report import AvailabilityLine, Breach, MonthlyReport
from itops.collector.reports.render.to_csv import BOM, render_csv
from itops.collector.reports.render.to_html import render_html
from itops.collector.reports.render.to_pdf import _Builder, pdf_fonts, render_pdf
from itops.collector.reports.render.sections import AVAILABILITY_ROWS_SHOWN, BREACH_ROWS_SHOWN, report_sections
from reportlab.platypus import Paragraph

from tests.unit.collector.reports.render.test_to_pdf import OCTOBER_S, october_report, pdf_text, sh, squeezed
from tests.unit.collector.reports.render.test_render import parse, table_with_header

BREACHES = BREACH_ROWS_SHOWN + 30
HOSTS = AVAILABILITY_ROWS_SHOWN + 5


def breach(number: int) -> Breach:
    """Severities cycle P4, P3, P2, P1; the overrun grows with the number, so within a severity the
    highest numbers are furthest over."""
    severity = list(Severity)[3 - number % 4]
    return Breach(f"INC-2026-{number:06d}", f"故障 {number}", severity, sh(10, 1) + timedelta(minutes=number),
                  "resolution", 3600.0, 3600.0 + 60.0 * number, False, "—")


@pytest.fixture(scope="module")
def report() -> MonthlyReport:
    october = october_report()
    hosts = tuple(AvailabilityLine(AvailabilityRow("host", f"host-{n:02d}", None, OCTOBER_S, 0.0, 60.0 * (HOSTS - n),
                                                   0.0, 1.0), None) for n in range(HOSTS))  # worst first
    availability = tuple(replace(summary, lines=hosts) if summary.kind == "host" else summary
                         for summary in october.availability)
    return replace(october, current=replace(october.current, breaches=tuple(breach(n) for n in range(BREACHES))),
                   availability=availability)


def worst_first() -> list[str]:
    ranked = sorted(range(BREACHES), key=lambda n: (list(Severity).index(breach(n).severity), -n))
    return [breach(n).incident_id for n in ranked]


def sections(report: MonthlyReport, shortened: bool) -> dict:
    return {section.key: section for section in report_sections(report, "zh-CN", shortened=shortened)}


def test_shortened_breaches_are_the_most_severe_then_furthest_over(report):
    shown = sections(report, shortened=True)["breaches"]
    assert [row[0] for row in shown.rows] == worst_first()[:BREACH_ROWS_SHOWN]
    assert shown.note == f"共 {BREACHES} 条，此处列出最严重的 {BREACH_ROWS_SHOWN} 条（按级别、超出时长排列；完整列表见 CSV）"


def test_unshortened_sections_keep_every_row_in_report_order(report):
    full = sections(report, shortened=False)
    assert [row[0] for row in full["breaches"].rows] == [breach(n).incident_id for n in range(BREACHES)]
    assert full["breaches"].note is None
    assert len(full["availability_host"].rows) == HOSTS and full["availability_host"].note is None


def test_a_table_within_the_limit_is_not_cut_nor_noted(report):
    few = replace(report, current=replace(report.current, breaches=tuple(breach(n) for n in range(3))))
    shown = sections(few, shortened=True)["breaches"]
    assert [row[0] for row in shown.rows] == [breach(n).incident_id for n in range(3)] and shown.note is None


def test_shortened_availability_is_the_worst_with_a_note(report):
    hosts = sections(report, shortened=True)["availability_host"]
    assert [row[0] for row in hosts.rows] == [f"host-{n:02d}" for n in range(AVAILABILITY_ROWS_SHOWN)]
    assert hosts.note == f"最差的 {AVAILABILITY_ROWS_SHOWN} 项（完整列表见 CSV）"


def test_english_note_says_how_many_in_all(report):
    [shown] = [s for s in report_sections(report, "en", shortened=True) if s.key == "breaches"]
    assert shown.note == (f"The {BREACH_ROWS_SHOWN} most serious of {BREACHES} (by severity, then time over target; "
                          "full list in the CSV)")


def test_csv_lists_every_breach_and_host(report):
    rows = list(csv.reader(io.StringIO(render_csv(report, "zh-CN").removeprefix(BOM))))
    assert sorted(row[1] for row in rows if row and row[0] == "SLA 超时清单") == sorted(worst_first())
    assert len([row for row in rows if row and row[0] == "主机可用性"]) == HOSTS


def test_html_shows_the_note_and_the_cut_table(report):
    page = parse(render_html(report, "zh-CN"))
    table = table_with_header(page, "故障单号", "超出")
    assert [row[0] for row in table[1:]] == worst_first()[:BREACH_ROWS_SHOWN]
    assert f"共 {BREACHES} 条，此处列出最严重的 {BREACH_ROWS_SHOWN} 条" in "".join(page.text)


def test_pdf_says_how_many_more_and_lists_the_worst(report, tmp_path):
    path = tmp_path / "long.pdf"
    path.write_bytes(render_pdf(report, "zh-CN"))
    text = squeezed(pdf_text(path))
    assert squeezed(f"共 {BREACHES} 条，此处列出最严重的 {BREACH_ROWS_SHOWN} 条") in text
    worst, cut = worst_first()[0], worst_first()[-1]
    assert worst in text and cut not in text


def test_pdf_cells_that_fit_are_plain_text_the_rest_paragraphs(report):
    builder = _Builder(report, "zh-CN", pdf_fonts())
    lacking = next(chr(c) for c in range(0x4E00, 0x9FFF) if c not in builder.fonts.glyphs)
    long_title = "财务系统数据库无响应，" * 8
    table = builder.table(["单号", "标题", "时长"], [["INC-1", "短标题", "1小时"], ["INC-2", long_title, f"2{lacking}"]],
                          [False, False, True])
    cells = table._cellvalues
    assert all(isinstance(cell, Paragraph) for cell in cells[0])  # headers may wrap
    assert cells[1] == ["INC-1", "短标题", "1小时"]
    assert cells[2][0] == "INC-2"
    assert isinstance(cells[2][1], Paragraph)  # wraps
    assert isinstance(cells[2][2], Paragraph)  # a character only the fallback font has

