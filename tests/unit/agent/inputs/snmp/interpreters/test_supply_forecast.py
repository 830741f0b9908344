"""Forecasts of when a supply runs out, from successive polls of a recording whose level the test changes."""

from __future__ import annotations

import pytest
from itops.agent.inputs.snmp.interpreters.supply_forecast import HISTORY_STATE_KEY
from tests.unit.agent.inputs.snmp.interpreters.printer_helpers import NOW_S, poll, printer_walk, samples, set_supply, value

DAY_S = 86400.0
HOUR_S = 3600.0
LEVEL_COLUMN = 9
EMPTY = "itops_printer_supply_forecast_empty_seconds"
FULL = "itops_printer_supply_forecast_full_seconds"


@pytest.fixture
def walk():
    return printer_walk("jetdirect_m130nw")  # supply 1: Black Cartridge, 28 of 100


def poll_levels(walk, state, levels, start_s=NOW_S, step_s=DAY_S, supply=1):
    """Poll once per level, ``step_s`` apart; the accumulator of the last poll."""
    for number, level in enumerate(levels):
        set_supply(walk, LEVEL_COLUMN, supply, level)
        acc, _ = poll(walk, state, start_s + number * step_s)
    return acc


def test_falling_level_forecasts_seconds_until_empty(walk):
    acc = poll_levels(walk, {}, [40, 39, 38, 37, 36, 35])  # one percent a day
    assert value(acc, EMPTY, supply="1") == pytest.approx(35 * DAY_S)


def test_forecast_uses_least_squares_over_noisy_levels(walk):
    acc = poll_levels(walk, {}, [50, 48, 49, 46, 47, 44])
    slope_per_day = -0.18 / 17.5  # Σ(t−t̄)(r−r̄) / Σ(t−t̄)² over the six points, t in days
    assert value(acc, EMPTY, supply="1") == pytest.approx(0.44 / -slope_per_day * DAY_S)


def test_no_forecast_before_enough_points(walk):
    acc = poll_levels(walk, {}, [40, 39, 38, 37])
    assert samples(acc, EMPTY) == []


def test_no_forecast_before_enough_span(walk):
    acc = poll_levels(walk, {}, [40, 39, 38, 37, 36, 35, 34, 33], step_s=3 * HOUR_S)
    assert samples(acc, EMPTY) == []


def test_flat_trend_has_no_forecast(walk):
    acc = poll_levels(walk, {}, [40, 40, 40, 40, 40, 40])
    assert samples(acc, EMPTY) == []


def test_rising_trend_has_no_forecast(walk):
    acc = poll_levels(walk, {}, [30, 31, 32, 33, 34, 35])
    assert samples(acc, EMPTY) == []


def test_replaced_supply_resets_history(walk):
    state = {}
    poll_levels(walk, state, [12, 10, 8, 6, 4, 2])
    acc = poll_levels(walk, state, [100], start_s=NOW_S + 6 * DAY_S)
    assert samples(acc, EMPTY) == []
    assert state[HISTORY_STATE_KEY]["1|toner|black"] == [[NOW_S + 6 * DAY_S, 1.0]]
    acc = poll_levels(walk, state, [99, 98, 97, 96, 95], start_s=NOW_S + 7 * DAY_S)
    assert value(acc, EMPTY, supply="1") == pytest.approx(95 * DAY_S)


def test_rise_short_of_a_replacement_keeps_history(walk):
    state = {}
    poll_levels(walk, state, [40, 39, 38, 37, 36])
    poll_levels(walk, state, [75], start_s=NOW_S + 5 * DAY_S)  # 39 points: the printer re-estimated its level
    assert len(state[HISTORY_STATE_KEY]["1|toner|black"]) == 6


def test_history_keeps_one_point_per_hour(walk):
    state = {}
    poll_levels(walk, state, [28] * 13, step_s=10 * 60)
    times = [point[0] for point in state[HISTORY_STATE_KEY]["1|toner|black"]]
    assert times == [NOW_S, NOW_S + HOUR_S, NOW_S + 2 * HOUR_S]


def test_history_keeps_thirty_days(walk):
    state = {}
    poll_levels(walk, state, list(range(90, 50, -1)))  # 40 daily polls
    history = state[HISTORY_STATE_KEY]["1|toner|black"]
    assert len(history) == 31
    assert history[0][0] == NOW_S + 9 * DAY_S


def test_sentinel_level_keeps_history_and_gives_no_forecast(walk):
    state = {}
    poll_levels(walk, state, [40, 39, 38, 37, 36, 35])
    acc = poll_levels(walk, state, [-3], start_s=NOW_S + 6 * DAY_S)
    assert samples(acc, EMPTY) == []
    assert len(state[HISTORY_STATE_KEY]["1|toner|black"]) == 6


def test_receptacle_forecasts_seconds_until_full():
    ricoh = printer_walk("ricoh_mpc3002")  # supply 2: Waste Toner, space left 100 of 100
    acc = poll_levels(ricoh, {}, [50, 48, 46, 44, 42, 40], supply=2)  # two percent of space a day
    assert value(acc, FULL, supply="2") == pytest.approx(20 * DAY_S)
    assert samples(acc, EMPTY, supply="2") == []


def test_supplies_not_seen_for_the_window_are_forgotten(walk):
    state = {}
    poll_levels(walk, state, [40])
    poll(printer_walk("brother"), state, NOW_S + 31 * DAY_S)
    assert "1|toner|black" not in state[HISTORY_STATE_KEY]
