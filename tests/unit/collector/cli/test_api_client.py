"""The one table and number format of the ``itops`` CLI: columns line up with Chinese text, numbers are rounded."""

from zoneinfo import ZoneInfo

import pytest
from itops.collector.cli.api_client import display_width, local_time, number_text, table


def test_chinese_text_takes_two_columns_and_combining_marks_none():
    assert display_width("机房UPS") == 7
    assert display_width("ａ") == 2  # full-width Latin
    assert display_width("é") == 1  # e + combining acute


def test_columns_line_up_by_display_width():
    rendered = table(("HOST", "LOCATION", "STATE"), [("pc-1", "三楼机房", "online"), ("pc-22", "HQ 3F", "OFFLINE")])
    rows = rendered.splitlines()
    state_column = {display_width(row[:row.index(state)]) for row, state in zip(rows, ("STATE", "online", "OFFLINE"))}
    assert state_column == {5 + 2 + 8 + 2}  # "pc-22", "三楼机房" (8 columns wide), two spaces after each


@pytest.mark.parametrize("value, text", [
    (0.5619999999999635, "0.562"), (785.957, "786"), (3.0, "3"), (12345.6, "12346"), (0.0001234, "0.0001234"),
    (-0.25, "-0.25"), (1e20, "100000000000000000000"), (float("nan"), "nan"),
])
def test_numbers_have_four_significant_digits_and_no_exponent(value, text):
    assert number_text(value) == text


def test_float_cells_are_rounded_and_other_cells_kept():
    assert table(("RATIO", "COUNT"), [(0.5619999999999635, 7)]).splitlines()[1] == "0.562  7"


def test_local_times_are_to_the_second_and_the_zone_is_said_once():
    shanghai = ZoneInfo("Asia/Shanghai")
    assert local_time("2026-11-24T06:05:00.123456+00:00", shanghai) == "2026-11-24 14:05:00"
    assert local_time(1_795_500_300_999, shanghai) == "2026-11-24 14:05:00"
    rendered = table(("AT",), [(local_time(1_795_500_300_999, shanghai),), ("2026-11-24 14:05:00",)], shanghai)
    assert rendered.splitlines()[0] == "times in Asia/Shanghai"
    assert rendered.count("Asia/Shanghai") == 1
