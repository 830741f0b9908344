"""Bar charts for the PDF report, drawn with reportlab.graphics so they stay vector and searchable.

The functions take plain figures (labels and numbers), not the report: the PDF renderer decides what to
plot, this module only how.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors

__all__ = ["AVAILABILITY_BUCKETS", "CURRENT_COLOUR", "PREVIOUS_COLOUR", "SECOND_COLOUR", "BarSeries",
           "availability_histogram", "bar_chart"]

CHART_WIDTH_PT = 440
CHART_HEIGHT_PT = 200
PREVIOUS_COLOUR = colors.HexColor("#90A4AE")  # last month, greyed
CURRENT_COLOUR = colors.HexColor("#1565C0")
SECOND_COLOUR = colors.HexColor("#2E7D32")  # a second figure of the same month

# Lower bounds (ratio 0–1) and labels of the availability distribution, worst bucket first.
AVAILABILITY_BUCKETS: tuple[tuple[float, str], ...] = (
    (0.0, "< 95%"), (0.95, "95–99%"), (0.99, "99–99.9%"), (0.999, "≥ 99.9%"),
)
BUCKET_LOWER_BOUNDS = [low for low, _ in AVAILABILITY_BUCKETS]


@dataclass(frozen=True, slots=True)
class BarSeries:
    name: str  # shown in the legend
    values: Sequence[float | None]  # one per category; None is drawn as no bar, labelled "—"
    colour: colors.Color = CURRENT_COLOUR


def bar_chart(categories: Sequence[str], series: Sequence[BarSeries], *, font: str, value_axis_max: float | None = None,
              value_suffix: str = "") -> Drawing:
    """Grouped vertical bars, one group per category, one bar per series, the value written above each bar."""
    drawing = Drawing(CHART_WIDTH_PT, CHART_HEIGHT_PT)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 45, 45, CHART_WIDTH_PT - 70, CHART_HEIGHT_PT - 75
    chart.data = [tuple(0 if value is None else value for value in s.values) for s in series]
    chart.categoryAxis.categoryNames = list(categories)
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top, step = (value_axis_max, value_axis_max / 5) if value_axis_max else _count_axis(max(map(max, chart.data), default=0))
    chart.valueAxis.valueMax, chart.valueAxis.valueStep = top, step
    chart.valueAxis.labelTextFormat = "%g" + value_suffix.replace("%", "%%")
    chart.groupSpacing = 10
    chart.barSpacing = 2
    for index, one in enumerate(series):
        chart.bars[index].fillColor = one.colour
        chart.bars[index].strokeColor = None
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    chart.barLabelFormat = "values"
    chart.barLabelArray = [tuple(_bar_label(value, value_suffix) for value in s.values) for s in series]
    drawing.add(chart)
    if len(series) > 1:
        drawing.add(_legend(series, font))
    return drawing


def availability_histogram(availabilities: Sequence[float | None], *, font: str, series_name: str,
                           unknown_label: str) -> Drawing:
    """How many entities fall in each availability bucket; None (fully in maintenance) gets its own bar."""
    counts = [0] * len(AVAILABILITY_BUCKETS)
    unknown = 0
    for value in availabilities:
        if value is None:
            unknown += 1
            continue
        counts[max(0, bisect.bisect_right(BUCKET_LOWER_BOUNDS, value) - 1)] += 1
    labels = [label for _, label in AVAILABILITY_BUCKETS] + [unknown_label]
    return bar_chart(labels, [BarSeries(series_name, [*counts, unknown])], font=font)


def _bar_label(value: float | None, suffix: str) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}{suffix}" if suffix else f"{value:g}"


def _count_axis(highest: float) -> tuple[int, int]:
    """Top and step of a value axis for counts: whole 1/2/5×10ⁿ steps, the top a little above the highest bar."""
    target = max(highest * 1.15, 1)
    magnitude = max(1, 10 ** math.floor(math.log10(target / 5)))
    step = next(m * magnitude for m in (1, 2, 5, 10) if target / (m * magnitude) <= 6)
    return step * math.ceil(target / step), step


def _legend(series: Sequence[BarSeries], font: str) -> Legend:
    legend = Legend()
    legend.x, legend.y = 50, CHART_HEIGHT_PT - 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName = font
    legend.fontSize = 8
    legend.dx = legend.dy = 8
    legend.deltax = 110
    legend.colorNamePairs = [(s.colour, s.name) for s in series]
    return legend
