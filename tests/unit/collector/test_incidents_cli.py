"""How `itops incidents` prints an SLA clock from the API's JSON."""

from zoneinfo import ZoneInfo

from itops.collector.incidents_cli import clock_text

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
