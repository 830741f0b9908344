"""The monthly report as one self-contained HTML page for e-mail and printing: a style block, tables and
inline SVG bar charts, no script and nothing fetched. Times are shown in the report's zone.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from itops.alerting.dispatch.messages import COLOUR_HEX, Language
from itops.alerting.rules.model import Severity
from itops.collector.reports.figures.monthly_report import Headline, MonthlyReport
from itops.collector.reports.render.sections import Section, Unit, format_value, report_sections
from itops.collector.reports.texts import (
    MISSING,
    category_name,
    format_local_time,
    format_percent,
    format_signed,
    label,
    severity_name,
)

__all__ = ["render_html"]

_NUMBER_CELL = ' class="num"'
_THIS_MONTH_COLOUR = COLOUR_HEX["blue"]
_PREVIOUS_MONTH_COLOUR = "#B0BEC5"
_STYLE = """
body { font-family: "Microsoft YaHei", "WenQuanYi Micro Hei", "PingFang SC", Arial, sans-serif; color: #212121;
       max-width: 960px; margin: 0 auto; padding: 16px; font-size: 13px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; border-bottom: 2px solid #1565C0; }
.meta { color: #616161; margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { border: 1px solid #CFD8DC; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #ECEFF1; } td.num { text-align: right; white-space: nowrap; }
tr { page-break-inside: avoid; } .good { color: #2E7D32; } .bad { color: #C62828; } .note { color: #616161; }
dt { font-weight: bold; margin-top: 6px; } dd { margin: 2px 0 0 16px; }
@media print { body { max-width: none; } h2 { page-break-after: avoid; } }
@page { size: A4; margin: 15mm; }
"""


def render_html(report: MonthlyReport, language: Language) -> str:
    sections = {section.key: section for section in report_sections(report, language, shortened=True)}
    zone = report.time_zone

    def table(key: str) -> str:
        return _section_html(sections[key], language, zone)

    parts = [
        f"<h1>{_e(label('title', language))}</h1>",
        _meta(report, language),
        f"<h2>{_e(label('headlines', language))}</h2>", _headlines_html(report.headlines, language),
        table("incidents_by_severity"), _severity_chart(report, language),
        table("incidents_by_category"), _category_chart(report, language),
        table("timings"), table("compliance"), _compliance_chart(report, language),
        table("breaches"), table("open_at_month_end"), table("availability"),
        *(table(key) for key in sections if key.startswith("availability_")),
        table("noisy"), table("consumables"), _definitions_html(sections["definitions"]),
    ]
    title = f"{label('title', language)} {report.month.label}"
    return (f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n<title>{_e(title)}</title>\n'
            f"<style>{_STYLE}</style>\n</head>\n<body>\n" + "\n".join(parts) + "\n</body>\n</html>\n")


def _e(text: object) -> str:
    return html.escape(str(text))


def _meta(report: MonthlyReport, language: Language) -> str:
    zone = report.time_zone
    bounds = f"{format_local_time(report.month.start, zone)} – {format_local_time(report.month.end, zone)}"
    period = f"{report.month.label}（{bounds}）" if language == "zh-CN" else f"{report.month.label} ({bounds})"
    items = ((label("period", language), period), (label("time_zone", language), zone),
             (label("generated_at", language), format_local_time(report.generated_at, zone)))
    return '<p class="meta">' + " · ".join(f"{_e(name)}: {_e(value)}" for name, value in items) + "</p>"


def _section_html(section: Section, language: Language, time_zone: str) -> str:
    heading = f"<h2>{_e(section.title)}</h2>"
    note = f'<p class="note">{_e(section.note)}</p>' if section.note else ""
    if not section.rows:
        return f"{heading}<p>{_e(label('none', language))}</p>"
    numeric = [column.unit not in ("text", "severity", "time") for column in section.columns]
    head = "".join(f"<th>{_e(column.title)}</th>" for column in section.columns)
    body = "".join(
        "<tr>" + "".join(f"<td{_NUMBER_CELL if is_number else ''}>"
                         f"{_e(format_value(value, column.unit, language, time_zone))}</td>"
                         for value, column, is_number in zip(row, section.columns, numeric, strict=True)) + "</tr>"
        for row in section.rows)
    return f"{heading}{note}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _headlines_html(headlines: Sequence[Headline], language: Language) -> str:
    head = "".join(f"<th>{_e(label(key, language))}</th>" for key in ("figure", "this_month", "previous_month",
                                                                       "change"))
    rows = []
    for headline in headlines:
        unit: Unit = "availability" if headline.key.startswith("availability") else headline.unit
        current, previous = (_e(format_value(value, unit, language, "UTC")) for value in (headline.current,
                                                                                         headline.previous))
        change, css = headline.change, _NUMBER_CELL
        if change:
            improved = (change > 0) == (headline.better == "higher")
            css = ' class="num good"' if improved else ' class="num bad"'
        arrow = "" if not change else ("▲ " if change > 0 else "▼ ")
        rows.append(f"<tr><td>{_e(label(headline.key, language))}</td><td{_NUMBER_CELL}>{current}</td>"
                    f"<td{_NUMBER_CELL}>{previous}</td>"
                    f"<td{css}>{arrow}{_e(format_signed(change, headline.unit, language))}</td></tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _definitions_html(section: Section) -> str:
    items = "".join(f"<dt>{_e(term)}</dt><dd>{_e(text)}</dd>" for term, text in section.rows)
    return f"<h2>{_e(section.title)}</h2><dl>{items}</dl>"


def _severity_chart(report: MonthlyReport, language: Language) -> str:
    groups = [(severity_name(s, language), [report.current.by_severity[s], report.previous.by_severity[s]])
              for s in Severity]
    return _bar_chart(groups, _month_series(language), lambda value: f"{value:g}")


def _category_chart(report: MonthlyReport, language: Language) -> str:
    groups = [(category_name(c, language), [n, report.previous.by_category[c]])
              for c, n in report.current.by_category.items()]
    return _bar_chart(groups, _month_series(language), lambda value: f"{value:g}")


def _compliance_chart(report: MonthlyReport, language: Language) -> str:
    """Share within SLA this month per severity, response and resolution side by side; no bar = no outcome."""
    groups = [(severity_name(row.severity, language),
               [row.response.within_ratio, row.resolution.within_ratio]) for row in report.current.compliance]
    series = [(label("response_within", language), COLOUR_HEX["blue"]),
              (label("resolution_within", language), COLOUR_HEX["green"])]
    return _bar_chart(groups, series, format_percent, scale_max=1.0)


def _month_series(language: Language) -> list[tuple[str, str]]:
    return [(label("this_month", language), _THIS_MONTH_COLOUR), (label("previous_month", language),
                                                                  _PREVIOUS_MONTH_COLOUR)]


def _bar_chart(groups: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[tuple[str, str]],
               value_text: Callable[[float], str], scale_max: float | None = None) -> str:
    """Horizontal grouped bars: one group per row label, one bar per series; values written at the bar end."""
    label_w, bar_w, bar_h, gap, legend_h = 180, 420, 12, 10, 22
    group_h = len(series) * (bar_h + 2) + gap
    height = legend_h + len(groups) * group_h
    top = scale_max or max((v for _, values in groups for v in values if v is not None), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 90}" height="{height}" '
             f'role="img" style="font-family:inherit;font-size:11px">']
    x = label_w
    for name, colour in series:
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="13">{_e(name)}</text>')
        x += 16 + 9 * len(name) + 24
    for index, (group, values) in enumerate(groups):
        y = legend_h + index * group_h
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_h}" text-anchor="end">{_e(group)}</text>')
        for offset, ((_, colour), value) in enumerate(zip(series, values, strict=True)):
            bar_y = y + offset * (bar_h + 2)
            width = 0 if value is None else round(bar_w * value / top, 1)
            text = MISSING if value is None else value_text(value)
            parts.append(f'<rect x="{label_w}" y="{bar_y}" width="{width}" height="{bar_h}" fill="{colour}"/>'
                         f'<text x="{label_w + width + 4}" y="{bar_y + bar_h - 2}">{_e(text)}</text>')
    parts.append("</svg>")
    return f"<div>{''.join(parts)}</div>"
