"""The monthly SLA report as an A4 PDF (reportlab platypus): cover, tables, charts, definitions, page numbers.

Chinese needs a font with its glyphs: WenQuanYi Micro Hei (Debian fonts-wqy-microhei) when installed, else
reportlab's built-in CID font STSong-Light. Any character the chosen TrueType font lacks is set in the CID
font instead, so no glyph ever prints as an empty box. Labels, definitions and number formats come from
``texts`` — the same words as the HTML and CSV renderers.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from itops.alerting.dispatch.messages import Language
from itops.alerting.rules.model import Severity
from itops.collector.reports.render.charts import (
    PREVIOUS_COLOUR,
    SECOND_COLOUR,
    BarSeries,
    availability_histogram,
    bar_chart,
)
from itops.collector.reports.figures.monthly_report import Headline, MonthlyReport
from itops.collector.reports.render.sections import Section, format_value, report_sections
from itops.collector.reports.texts import MISSING, format_local_time, format_signed, label

__all__ = ["PdfFonts", "pdf_fonts", "render_pdf"]

WQY_MICROHEI_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CID_FONT = "STSong-Light"
MAX_COLUMNS = 10  # a section with more is split into two tables: beyond this the figures would wrap
MAX_COLUMN_PT = 140  # long texts (titles, reasons) wrap rather than squeeze the other columns
HEADER_SHARE = 0.5  # a header may wrap onto two lines, so it claims half its length
# A header wraps between words, and between CJK characters (where Chinese breaks): these are its pieces.
_HEADER_PIECE_RE = re.compile(r"\s*(?:[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+)")
HEADER_BACKGROUND = colors.HexColor("#E3EAF2")
GRID_COLOUR = colors.HexColor("#B0BEC5")
PAGE_MARGIN = 18 * mm
TEXT_WIDTH_PT = A4[0] - 2 * PAGE_MARGIN
CELL_PADDING_PT = 3
# Chart titles are the PDF's alone (HTML and CSV show the same figures as tables), so they live here.
_CHART_TITLES = {
    "severity": ("各级别故障数：本月与上月", "Incidents by severity: this month and last"),
    "compliance": ("各级别 SLA 达成率（%）", "% within SLA by severity"),
    "availability": ("可用性分布（对象数；“—”为整月处于维护）",
                     "Availability distribution (entities; — = in maintenance all month)"),
}


@dataclass(frozen=True)
class PdfFonts:
    name: str  # the font every style uses
    glyphs: frozenset[int] | None  # code points it has; None: the CID font, used for everything

    def has_glyphs(self, text: str) -> bool:
        """Whether the font alone can set ``text``."""
        return self.glyphs is None or all(ord(char) in self.glyphs for char in text)

    def markup(self, text: str) -> str:
        """Paragraph markup of plain ``text``: escaped, characters the font lacks switched to the CID font."""
        if self.glyphs is None:
            return escape(text)
        parts = []
        for char in text:
            safe = escape(char)
            parts.append(safe if ord(char) in self.glyphs or char in "\n\t " else f'<font name="{CID_FONT}">{safe}</font>')
        return "".join(parts)


@functools.cache
def pdf_fonts(truetype_path: Path = WQY_MICROHEI_PATH) -> PdfFonts:
    """Register the fonts once per process; the CID font is always registered, as the fallback."""
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    if not truetype_path.is_file():
        return PdfFonts(CID_FONT, None)
    font = TTFont("WenQuanYiMicroHei", str(truetype_path), subfontIndex=0)
    pdfmetrics.registerFont(font)
    return PdfFonts(font.fontName, frozenset(font.face.charToGlyph))


class _Styles:
    def __init__(self, font: str):
        base = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=10)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=8, leading=10.5)
        self.title = ParagraphStyle("title", parent=base, fontSize=24, leading=32, spaceAfter=12)
        self.h1 = ParagraphStyle("h1", parent=base, fontSize=14, leading=19, spaceBefore=10, spaceAfter=6,
                                 textColor=colors.HexColor("#0D47A1"), keepWithNext=1)
        self.h2 = ParagraphStyle("h2", parent=base, fontSize=11, leading=15, spaceBefore=8, spaceAfter=4, keepWithNext=1)


class _Builder:
    """Turns one report into platypus flowables in one language: ``report_sections`` as tables, plus charts."""

    def __init__(self, report: MonthlyReport, language: Language, fonts: PdfFonts):
        self.report, self.language, self.fonts = report, language, fonts
        self.styles = _Styles(fonts.name)

    def t(self, key: str) -> str:
        return label(key, self.language)

    def para(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(self.fonts.markup(text), style or self.styles.body)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> Table:
        """A full-width grid, shaded header repeated on every page, numbers right-aligned. A cell that fits its
        column on one line in the main font is a plain string: laying out a Paragraph costs far more, and a
        breaches table has thousands of cells. Headers and cells that wrap or need the fallback font are
        Paragraphs."""
        cell_style, right = self.styles.cell, ParagraphStyle("cell_right", parent=self.styles.cell, alignment=2)
        widths = [[self.cell_width(text) for text in row] for row in rows]
        column_widths = self.column_widths(header, widths)
        cells: list[list] = [[self.header_cell(h, width) for h, width in zip(header, column_widths)]]
        for row, row_widths in zip(rows, widths):
            cells.append([text if width <= room and "\n" not in text and self.fonts.has_glyphs(text)
                          else self.para(text, right if is_number else cell_style)
                          for text, width, room, is_number in zip(row, row_widths, column_widths, numeric)])
        table = Table(cells, colWidths=column_widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND), ("GRID", (0, 0), (-1, -1), 0.4, GRID_COLOUR),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2), ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING_PT),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING_PT),
            ("FONTNAME", (0, 1), (-1, -1), self.fonts.name), ("FONTSIZE", (0, 1), (-1, -1), cell_style.fontSize),
            ("LEADING", (0, 1), (-1, -1), cell_style.leading),
            *(("ALIGN", (i, 1), (i, -1), "RIGHT") for i, is_number in enumerate(numeric) if is_number),
        ]))
        return table

    def cell_width(self, text: str) -> float:
        """Points a one-line cell needs, padding included."""
        return pdfmetrics.stringWidth(text, self.fonts.name, self.styles.cell.fontSize) + 2 * CELL_PADDING_PT + 1

    def column_widths(self, header: Sequence[str], cell_widths: Sequence[Sequence[float]]) -> list[float]:
        """Each column as wide as its longest cell (headers may wrap, long texts are capped), scaled to the page;
        never narrower than the widest word of its header, which is never broken."""
        cells = [max([row[i] for row in cell_widths], default=0) for i in range(len(header))]
        words = [max(self.cell_width(piece.strip()) for piece in _header_pieces(title)) for title in header]
        unwrapped = [max(self.cell_width(title), cell) for title, cell in zip(header, cells)]
        if sum(unwrapped) <= TEXT_WIDTH_PT:
            return _fit(unwrapped, TEXT_WIDTH_PT, words)
        # A wrapped header keeps a closing bracket on its line (CJK line breaking), hence a character's slack.
        slack = self.styles.cell.fontSize
        return _fit([min(max(self.cell_width(title) * HEADER_SHARE + slack, cell), MAX_COLUMN_PT)
                     for title, cell in zip(header, cells)], TEXT_WIDTH_PT, words)

    def header_cell(self, title: str, column_width: float) -> Paragraph:
        """The header in lines that fit the column, broken between words (and CJK characters) only."""
        lines: list[str] = []
        for piece in _header_pieces(title):
            joined = (lines[-1] + piece) if lines else piece.strip()
            if lines and self.cell_width(joined) <= column_width:
                lines[-1] = joined
            else:
                lines.append(piece.strip())
        return Paragraph("<br/>".join(self.fonts.markup(line) for line in lines), self.styles.cell)

    def chart(self, key: str, drawing) -> KeepTogether:
        zh, en = _CHART_TITLES[key]
        return KeepTogether([Spacer(1, 3 * mm), self.para(zh if self.language == "zh-CN" else en, self.styles.h2), drawing])

    def local(self, moment) -> str:
        return format_local_time(moment, self.report.time_zone)

    def cover(self) -> list:
        month = self.report.month
        bounds = f"{self.local(month.start)} – {self.local(month.end)}"
        period = f"{month.label}（{bounds}）" if self.language == "zh-CN" else f"{month.label} ({bounds})"
        return [
            Spacer(1, 50 * mm), self.para(self.t("title"), self.styles.title),
            self.para(f"{self.t('period')}: {period}"),
            self.para(f"{self.t('generated_at')}: {self.local(self.report.generated_at)}"),
            self.para(f"{self.t('time_zone')}: {self.report.time_zone}"),
            Spacer(1, 12 * mm), self.para(self.t("headlines"), self.styles.h1), self.headlines_table(), PageBreak(),
        ]

    def headlines_table(self) -> Table:
        def value(headline: Headline, figure: float | None) -> str:
            unit = "availability" if headline.key.startswith("availability") else headline.unit
            return format_value(figure, unit, self.language, self.report.time_zone)

        rows = [(self.t(h.key), value(h, h.current), value(h, h.previous), format_signed(h.change, h.unit, self.language))
                for h in self.report.headlines]
        return self.table([self.t(k) for k in ("figure", "this_month", "previous_month", "change")], rows,
                          [False, True, True, True])

    def section(self, section: Section) -> list:
        """Heading, note and table of one section; a table too wide for the page is split, first column repeated."""
        heading = self.styles.h2 if section.key.startswith("availability_") else self.styles.h1  # under "availability"
        flowables: list = [self.para(section.title, heading)]
        if section.note:
            flowables.append(self.para(section.note, self.styles.small))
        if not section.rows:
            return [*flowables, self.para(self.t("none"))]
        texts = [[format_value(v, c.unit, self.language, self.report.time_zone) for v, c in zip(row, section.columns)]
                 for row in section.rows]
        numeric = [c.unit not in ("text", "severity", "time") for c in section.columns]
        for part in _column_groups(len(section.columns)):
            flowables += [self.table([section.columns[i].title for i in part], [[row[i] for i in part] for row in texts],
                                     [numeric[i] for i in part]), Spacer(1, 2 * mm)]
        return flowables

    def definitions(self, section: Section) -> list:
        colon = "：" if self.language == "zh-CN" else ": "
        return [PageBreak(), self.para(section.title, self.styles.h1),
                *(Paragraph(f"<u>{self.fonts.markup(term)}</u>{colon}{self.fonts.markup(text)}", self.styles.body)
                  for term, text in section.rows)]

    def severity_chart(self) -> KeepTogether:
        current, previous = self.report.current, self.report.previous
        return self.chart("severity", bar_chart([s.value for s in Severity], [
            BarSeries(self.t("previous_month"), [previous.by_severity[s] for s in Severity], PREVIOUS_COLOUR),
            BarSeries(self.t("this_month"), [current.by_severity[s] for s in Severity])], font=self.fonts.name))

    def compliance_chart(self) -> KeepTogether:
        rows = [r for r in self.report.current.compliance if r.severity is not None]
        return self.chart("compliance", bar_chart([r.severity.value for r in rows], [
            BarSeries(self.t("response_within"), [_percent(r.response.within_ratio) for r in rows]),
            BarSeries(self.t("resolution_within"), [_percent(r.resolution.within_ratio) for r in rows], SECOND_COLOUR)],
            font=self.fonts.name, value_axis_max=100, value_suffix="%"))

    def availability_chart(self) -> KeepTogether:
        values = [line.row.availability for s in self.report.availability if s.kind for line in s.lines]
        return self.chart("availability", availability_histogram(values, font=self.fonts.name,
                                                                 series_name=self.t("count"), unknown_label=MISSING))

    def story(self) -> list:
        sections = {section.key: section for section in report_sections(self.report, self.language, shortened=True)}
        charts = {"incidents_by_severity": self.severity_chart, "compliance": self.compliance_chart,
                  "availability": self.availability_chart}
        story = self.cover()
        for key, section in sections.items():
            if key == "headlines":
                continue  # on the cover
            if key == "definitions":
                story += self.definitions(section)
                continue
            story += self.section(section)
            if key in charts:
                story.append(charts[key]())
        return story


def _header_pieces(title: str) -> list[str]:
    """``title`` as the pieces a line may break between: words (with the space before them) and CJK characters."""
    return _HEADER_PIECE_RE.findall(title) or [title]


def _fit(wanted: Sequence[float], available: float, floors: Sequence[float]) -> list[float]:
    """Widths filling ``available``: stretched alike when there is room, else the widest capped at one width
    so that narrow columns (figures, dates) keep theirs and only long texts wrap more; no column goes below
    its floor (its header's widest word)."""
    wanted = [max(w, floor) for w, floor in zip(wanted, floors)]
    total = sum(wanted)
    if total <= available:
        return [w * available / total for w in wanted]
    low, high = 0.0, max(wanted)  # the cap at which the capped widths, floors kept, fill the page
    for _ in range(40):
        cap = (low + high) / 2
        if sum(max(min(w, cap), floor) for w, floor in zip(wanted, floors)) > available:
            high = cap
        else:
            low = cap
    return [max(min(w, low), floor) for w, floor in zip(wanted, floors)]


def _column_groups(count: int) -> list[list[int]]:
    """Column indexes per table: all in one, or, past MAX_COLUMNS, halves that both start with the first column."""
    if count <= MAX_COLUMNS:
        return [list(range(count))]
    middle = (count + 1) // 2
    return [list(range(middle)), [0, *range(middle, count)]]


def _percent(ratio: float | None) -> float | None:
    return None if ratio is None else ratio * 100


def _page_footer(language: Language, number: int, total: int) -> str:
    return f"第 {number} 页 / 共 {total} 页" if language == "zh-CN" else f"Page {number} of {total}"


class _NumberedCanvas(canvas.Canvas):
    """Holds every page until the end so each footer can say how many pages there are."""

    def __init__(self, *args, language: Language, font: str, running_title: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._language, self._font, self._running_title = language, font, running_title

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self.setFont(self._font, 8)
            self.setFillColor(colors.HexColor("#607D8B"))
            width, _ = A4
            self.drawCentredString(width / 2, 10 * mm, _page_footer(self._language, number, len(self._pages)))
            if number > 1:
                self.drawString(PAGE_MARGIN, A4[1] - 11 * mm, self._running_title)
            super().showPage()
        super().save()


def render_pdf(report: MonthlyReport, language: Language) -> bytes:
    fonts = pdf_fonts()
    builder = _Builder(report, language, fonts)
    buffer = io.BytesIO()
    title = f"{label('title', language)} {report.month.label}"
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=PAGE_MARGIN, rightMargin=PAGE_MARGIN,
                                 topMargin=PAGE_MARGIN, bottomMargin=PAGE_MARGIN, title=title, author="itops")
    # The running title is drawn with the main font only; every character of the titles is in WQY / the CID font.
    document.build(builder.story(), canvasmaker=functools.partial(_NumberedCanvas, language=language, font=fonts.name,
                                                                  running_title=title))
    return buffer.getvalue()
