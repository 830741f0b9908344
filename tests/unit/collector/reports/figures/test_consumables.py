from datetime import UTC, datetime, timedelta

from itops.collector.reports.figures.consumables import supply_replacements
from itops.collector.reports.figures.inputs import ConsumableReplacement

START = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
END = START + timedelta(days=31)
HOUR_MS = 3_600_000


def _hourly(first: datetime, ratios: list[float]) -> tuple[list[int], list[float]]:
    first_ms = int(first.timestamp() * 1000)
    return [first_ms + i * HOUR_MS for i in range(len(ratios))], ratios


def _found(first: datetime, ratios: list[float]) -> list[ConsumableReplacement]:
    return supply_replacements("printer-1", "Black Toner Cartridge", *_hourly(first, ratios), START, END)


def test_new_cartridge_is_a_jump_of_at_least_40_points():
    [replacement] = _found(START + timedelta(days=3), [0.12, 0.08, 0.05, 0.97, 0.96])
    assert replacement == ConsumableReplacement("printer-1", "Black Toner Cartridge", START + timedelta(days=3, hours=3),
                                                5.0, 97.0)


def test_small_rises_are_noise_not_replacements():
    assert _found(START + timedelta(days=3), [0.30, 0.25, 0.64, 0.60, 0.62]) == []


def test_exactly_40_points_counts():
    assert [(r.level_before, r.level_after) for r in _found(START + timedelta(days=1), [0.10, 0.50])] == [(10.0, 50.0)]


def test_level_gap_from_some_remaining_measures_from_the_last_real_level():
    # While a supply reports -3 ("some remaining") no ratio is sent: the points jump over those hours.
    timestamps = [int((START + timedelta(days=2)).timestamp() * 1000), int((START + timedelta(days=9)).timestamp() * 1000)]
    [replacement] = supply_replacements("p", "Cyan Toner", timestamps, [0.15, 1.0], START, END)
    assert replacement.at == START + timedelta(days=9) and replacement.level_before == 15.0


def test_first_hour_of_the_month_counts_and_the_previous_month_does_not():
    assert [r.at for r in _found(START - timedelta(hours=1), [0.02, 0.99])] == [START]
    assert _found(START - timedelta(hours=3), [0.02, 0.99, 0.98]) == []
    assert _found(END - timedelta(hours=1), [0.02, 0.99]) == []


def test_two_replacements_in_a_month():
    assert len(_found(START, [0.05, 1.0, 0.5, 0.04, 0.95])) == 2
