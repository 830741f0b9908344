"""How `itops incidents` prints an SLA clock from the API's JSON, and reads the times typed for --at."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from itops.collector.cli.incidents import clock_text, parse_when

SHANGHAI = ZoneInfo("Asia/Shanghai")


def clock(**fields) -> dict:
    return {"state": "running", "breached": False, "remaining_s": 1380.0, "deadline": "2026-11-24T06:05:00+00:00",
            "counting": True, **fields}


def test_a_running_clock_shows_time_left_and_its_deadline_in_the_zone():
    assert clock_text(clock(), SHANGHAI) == "23m left (by 11-24 14:05)"


def test_a_clock_off_the_clock_says_so():
    assert clock_text(clock(counting=False, remaining_s=3600.0), SHANGHAI) == "1h00m left, off the clock (by 11-24 14:05)"


def test_stopped_paused_and_breached_clocks():
    assert clock_text(clock(state="met", deadline=None), SHANGHAI) == "met"
    assert clock_text(clock(state="paused", deadline=None, counting=False), SHANGHAI) == "paused, 23m left"
    assert clock_text(clock(breached=True, remaining_s=-3900.0), SHANGHAI) == "BREACHED +1h05m"
    assert clock_text(clock(state="breached", breached=True, deadline=None), SHANGHAI) == "BREACHED"

MORNING = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.mark.parametrize(("typed", "meant"), [
    ("03:12", datetime(2026, 12, 4, 3, 12, tzinfo=SHANGHAI)),  # earlier today
    ("22:40", datetime(2026, 12, 3, 22, 40, tzinfo=SHANGHAI)),  # not yet today: last night
    ("09:00", datetime(2026, 12, 4, 9, 0, tzinfo=SHANGHAI)),  # exactly now
    ("2026-12-03 22:40", datetime(2026, 12, 3, 22, 40, tzinfo=SHANGHAI)),
    ("2026-12-03T22:40:30", datetime(2026, 12, 3, 22, 40, 30, tzinfo=SHANGHAI)),
    ("2026-12-03T22:40+00:00", datetime(2026, 12, 3, 22, 40, tzinfo=UTC)),  # an offset is taken as written
    ("2026-12-03T14:40:00Z", datetime(2026, 12, 3, 14, 40, tzinfo=UTC)),
])
def test_when_is_read_in_the_zone_and_a_bare_time_is_its_latest_occurrence(typed, meant):
    assert parse_when(typed, SHANGHAI, MORNING) == meant


@pytest.mark.parametrize("typed", ["yesterday", "25:00", "2026-13-01 10:00", ""])
def test_when_that_is_no_time_says_what_is_expected(typed):
    with pytest.raises(ValueError, match=r"expected local time in Asia/Shanghai \(2026-12-03 22:40, or 03:12"):
        parse_when(typed, SHANGHAI, MORNING)
