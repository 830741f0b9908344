"""The monthly report as a PDF: rendered from a small hand-built month, then read back with poppler
(pdftotext for the words and figures, pdftoppm for the pages and the charts' pixels)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image  # reportlab's own dependency, so always installed with it
from reportlab.graphics import renderPDF

from itops.alerting.incidents.model import AffectedAsset, Category, IncidentState
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.incidents.sla import SlaPolicy
from itops.alerting.incidents.sla_config import SlaConfig
from itops.alerting.rules.model import Severity
from itops.collector.reports.render.charts import BarSeries, availability_histogram, bar_chart
from itops.collector.reports.figures.inputs import (AvailabilityRow, ConsumableReplacement, MonthlyInputs, NoisyEntity,
                                           report_month)
from itops.collector.reports.figures.monthly_report import MonthlyReport, build_monthly_report
from itops.collector.reports.render.to_csv import BOM, render_csv
from itops.collector.reports.render.to_html import render_html
from itops.collector.reports.render.to_pdf import CID_FONT, PdfFonts, _Builder, pdf_fonts, render_pdf
from itops.collector.reports.render.sections import report_sections
from itops.collector.reports.texts import label

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_S = 86400.0
OCTOBER_S = 31 * DAY_S


def sh(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def october_report() -> MonthlyReport:
    """October 2026: a P1 handled in time, a P2 over both targets (cause given), a P3 still open at month end;
    September: one P1. Three hosts (one down 2 h unplanned), noisy devices, one toner replaced."""
    store = IncidentStore.open("sqlite://")
    quick = store.open_incident(title="核心交换机宕机", severity=Severity.P1, category=Category.NETWORK, reporter="wang",
                                at=sh(10, 12, 9), assets=[AffectedAsset("sw-core-1", "ZC-0001")])
    store.acknowledge(quick.id, "li", sh(10, 12, 9, 5))
    store.transition(quick.id, IncidentState.IN_PROGRESS, "li", sh(10, 12, 9, 10))
    store.resolve(quick.id, "li", sh(10, 12, 11), "光模块故障", "更换光模块")
    slow = store.open_incident(title="财务系统数据库无响应", severity=Severity.P2, category=Category.BASE_SOFTWARE,
                               reporter="wang", at=sh(10, 13, 10))
    store.acknowledge(slow.id, "zhao", sh(10, 13, 11))  # 60 min against a 30 min target
    store.transition(slow.id, IncidentState.IN_PROGRESS, "zhao", sh(10, 13, 11, 5))
    store.resolve(slow.id, "zhao", sh(10, 13, 20), "存储控制器电源模块故障", "更换电源模块")  # 10 h against 8 h
    pending = store.open_incident(title="打印机卡纸", severity=Severity.P3, category=Category.HARDWARE, reporter="wang",
                                  at=sh(10, 30, 10))
    store.acknowledge(pending.id, "li", sh(10, 30, 10, 30))
    earlier = store.open_incident(title="机房空调告警", severity=Severity.P1, category=Category.ENVIRONMENT,
                                  reporter="wang", at=sh(9, 15, 14))
    store.acknowledge(earlier.id, "li", sh(9, 15, 14, 5))
    store.transition(earlier.id, IncidentState.IN_PROGRESS, "li", sh(9, 15, 14, 6))
    store.resolve(earlier.id, "li", sh(9, 15, 15), "滤网堵塞", "清洗滤网")
    october = report_month("2026-10")
    incidents = store.list(opened_between=(october.start, october.end))
    previous = store.list(opened_between=(october.previous().start, october.previous().end))
    timelines = store.timelines([i.id for i in incidents + previous])
    store.dispose()

    def host(name: str, unplanned_s: float, asset: str | None = None) -> AvailabilityRow:
        return AvailabilityRow("host", name, asset, OCTOBER_S, 0.0, unplanned_s, 0.0, 1.0)

    return build_monthly_report(MonthlyInputs(
        month=october, previous_month=october.previous(), incidents=incidents, timelines=timelines,
        previous_incidents=previous, sla=SlaPolicy(SlaConfig()), maintenance=[],
        availability=[host("srv-erp-01", 7200, "ZC-1001"), host("srv-mail-01", 0), host("pc-fin-03", 0)],
        previous_availability=[host("srv-erp-01", 0, "ZC-1001")],
        noisy=[NoisyEntity("device", "printer-3f", 17), NoisyEntity("host", "srv-erp-01", 4)],
        consumables=[ConsumableReplacement("printer-3f", "Black Toner Cartridge", sh(10, 20, 15), 3.0, 100.0)],
        generated_at=sh(11, 1, 1),
    ))


@pytest.fixture(scope="module")
def report() -> MonthlyReport:
    return october_report()


@pytest.fixture(scope="module")
def pdf_zh(report, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "2026-10.zh-CN.pdf"
    path.write_bytes(render_pdf(report, "zh-CN"))
    return path


@pytest.fixture(scope="module")
def pdf_en(report, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "2026-10.en.pdf"
    path.write_bytes(render_pdf(report, "en"))
    return path


def pdf_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def page_images(path: Path, out_dir: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(out_dir / "page")], check=True)
    return sorted(out_dir.glob("page-*.png"))


def chart_blue_pixels(image: Path) -> int:
    """Pixels of the "this month" / response bars' blue (#1565C0, 21/101/192). Nothing else on a page comes within
    12 of it in every channel: text is black or grey, the headings' darker blue lightens towards white."""
    with Image.open(image) as picture:
        data = picture.convert("RGB").tobytes()
    return sum(1 for i in range(0, len(data), 3)
               if abs(data[i] - 21) <= 12 and abs(data[i + 1] - 101) <= 12 and abs(data[i + 2] - 192) <= 12)


def squeezed(text: str) -> str:
    """pdftotext -layout spaces CJK text as the layout needs; compare without any white space."""
    return re.sub(r"\s+", "", text)


def page_with(path: Path, heading: str, pages: int) -> int:
    return next(n for n in range(1, pages + 1) if heading in pdf_text(path, n))


def test_chinese_headings_come_back_as_text(pdf_zh):
    text = pdf_text(pdf_zh)
    for heading in ("IT 运维月度 SLA 报告", "关键指标", "按级别统计故障", "按领域统计故障", "SLA 达成率", "SLA 超时清单",
                    "月末未结故障（本月发生）", "可用性", "告警最多的设备（前 10）", "耗材更换", "口径说明"):
        assert heading in text, heading


def test_english_headings_come_back_as_text(pdf_en):
    text = pdf_text(pdf_en)
    for heading in ("Monthly IT operations SLA report", "Headline figures", "Incidents by severity", "SLA compliance",
                    "SLA breaches", "Incidents open at month end", "Noisiest devices (top 10)", "Definitions"):
        assert heading in text, heading


def test_cover_names_the_month_and_the_generation_time_in_the_report_zone(pdf_zh):
    cover = pdf_text(pdf_zh, 1)
    assert "2026-10" in cover
    assert "2026-10-01 00:00 – 2026-11-01 00:00" in cover
    assert "2026-11-01 01:00" in cover  # generated 2026-10-31 17:00 UTC = 11-01 01:00 in Shanghai
    assert "Asia/Shanghai" in cover


def test_key_figures_are_printed(pdf_zh):
    text = pdf_text(pdf_zh)
    # the P2 was acknowledged after 60 min (target 30 min) and resolved after 10 h (target 8 h): both breached
    response, resolution = [squeezed(line) for line in text.splitlines() if "财务系统数据库" in line]
    # clock, target, actual, over by, still open at month end, then the reason (the cause: no breach reason
    # was written), which wraps in its cell
    assert "2026-10-13响应30分钟1小时00分30分钟否存储控制器电源" in response
    assert "2026-10-13解决8小时00分10小时00分2小时00分否存储控制器电源" in resolution
    # response within SLA: P1 met, P2 breached, P3 met (30 min < 2 h) → 2 of 3 = 66.7%
    assert "66.7%" in text
    # srv-erp-01 down 2 h of 744 h → 1 − 7200/2678400 = 99.731%
    assert "99.731%" in text and "srv-erp-01" in text and "ZC-1001" in text
    assert "printer-3f" in text and "17" in text
    assert "打印机卡纸" in text  # open at month end


@pytest.mark.parametrize(("language", "footer"), [("zh-CN", "第 {n} 页 / 共 {total} 页"), ("en", "Page {n} of {total}")])
def test_page_numbers_count_every_page(language, footer, pdf_zh, pdf_en, tmp_path):
    path = pdf_zh if language == "zh-CN" else pdf_en
    total = len(page_images(path, tmp_path))
    assert total >= 4
    for n in range(1, total + 1):
        assert footer.format(n=n, total=total).replace(" ", "") in squeezed(pdf_text(path, n))


def test_chart_pages_are_not_blank(pdf_zh, tmp_path):
    pages = page_images(pdf_zh, tmp_path)
    severity_page = page_with(pdf_zh, "按级别统计故障", len(pages))
    definitions_page = page_with(pdf_zh, "口径说明", len(pages))
    assert chart_blue_pixels(pages[severity_page - 1]) > 100
    assert chart_blue_pixels(pages[definitions_page - 1]) == 0  # the same count on a page without charts


def test_definitions_are_stated_in_full(pdf_zh, pdf_en):
    zh = squeezed(pdf_text(pdf_zh))
    en = re.sub(r"\s+", " ", pdf_text(pdf_en))
    assert "可用性：1−非计划停机时间÷（统计时长−计划维护时间）" in zh
    assert "数据完整度：统计周期中有监控数据的时间占比。" in zh
    assert "Availability: 1 − unplanned downtime ÷ (period − planned maintenance)" in en


def test_a_character_the_font_lacks_is_set_in_the_cid_font():
    fonts = PdfFonts("WenQuanYiMicroHei", frozenset(map(ord, "abc<")))
    assert fonts.markup("a<龘") == f'a&lt;<font name="{CID_FONT}">龘</font>'


def test_the_cid_font_alone_renders_chinese_that_reads_back(report, tmp_path, monkeypatch):
    cid_only = pdf_fonts(Path("/nonexistent/font.ttc"))
    assert cid_only == PdfFonts(CID_FONT, None)
    monkeypatch.setattr("itops.collector.reports.render.to_pdf.pdf_fonts", lambda: cid_only)
    path = tmp_path / "cid.pdf"
    path.write_bytes(render_pdf(report, "zh-CN"))
    text = pdf_text(path)
    assert "口径说明" in text and "按级别统计故障" in text


def test_the_wqy_font_is_embedded_when_installed(pdf_zh):
    fonts = subprocess.run(["pdffonts", str(pdf_zh)], check=True, capture_output=True, text=True).stdout
    assert "WenQuanYiMicroHei" in fonts


def test_bar_chart_draws_one_bar_per_value(tmp_path):
    font = pdf_fonts().name
    drawing = bar_chart(["P1", "P2"], [BarSeries("上月", [1, 0]), BarSeries("本月", [3, 2])], font=font)
    renderPDF.drawToFile(drawing, str(tmp_path / "bars.pdf"))
    [png] = page_images(tmp_path / "bars.pdf", tmp_path)
    assert chart_blue_pixels(png) > 200


def test_availability_histogram_buckets():
    drawing = availability_histogram([0.5, 0.96, 0.995, 0.9999, 1.0, None], font=pdf_fonts().name,
                                     series_name="count", unknown_label="—")
    chart = drawing.contents[0]
    assert chart.data == [(1, 1, 1, 2, 1)]
    assert chart.categoryAxis.categoryNames == ["< 95%", "95–99%", "99–99.9%", "≥ 99.9%", "—"]


def _header_titles(report: MonthlyReport, language: str) -> list[str]:
    """Every table header of the PDF: the cover's headline figures, then each section's columns."""
    cover = [label(key, language) for key in ("figure", "this_month", "previous_month", "change")]
    return cover + [column.title for section in report_sections(report, language, shortened=True)
                    if section.key not in ("headlines", "definitions") for column in section.columns]


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_column_headers_wrap_between_words_never_inside_one(language, report, pdf_zh, pdf_en):
    text = pdf_text(pdf_en if language == "en" else pdf_zh)
    words = set(text[:text.rindex(label("definitions", language))].split())  # the tables, not the definitions' prose
    latin = {word for title in _header_titles(report, language)
             for word in re.findall(r"[A-Za-z][A-Za-z%/-]*[A-Za-z]", title)}
    assert latin >= {"Assignee", "Asset", "number", "Completeness"} if language == "en" else latin >= {"SLA"}
    broken = sorted(word for word in latin if word not in words and not any(word in w for w in words))
    assert broken == [], f"header words split across lines: {broken}"


def test_a_chinese_header_breaks_between_characters_and_keeps_latin_words_whole():
    builder = _Builder(october_report(), "zh-CN", pdf_fonts())
    column = builder.cell_width("月末未") + 1
    lines = builder.header_cell("月末未解决", column).text.split("<br/>")
    assert [squeezed(re.sub(r"<[^>]+>", "", line)) for line in lines] == ["月末未", "解决"]
    lines = builder.header_cell("月末 SLA 状态", builder.cell_width("月末") + 1).text.split("<br/>")
    assert [re.sub(r"<[^>]+>", "", line) for line in lines] == ["月末", "SLA", "状态"]


def test_durations_print_minutes_and_seconds_as_exact_as_the_csv(report, pdf_en, pdf_zh):
    # The overall MTTA is the mean of 5 min, 60 min and 30 min: 1900 s, i.e. 31 min 40 s, not "32m".
    assert "31m 40s" in pdf_text(pdf_en) and "31分40秒" in squeezed(pdf_text(pdf_zh))
    assert "31m 40s" in render_html(report, "en") and "31分40秒" in render_html(report, "zh-CN")
    rows = list(csv.reader(io.StringIO(render_csv(report, "en").removeprefix(BOM))))
    assert ["Headline figures", "MTTA mean (SLA time)", "seconds", "1900.0", "300.0", "1600.0"] in rows
    assert "+26m 40s" in pdf_text(pdf_en)  # the change on September's 5 min, 1600 s
