import pytest

from itops.alerting.windows import WINDOW_FUNCTIONS, SampleWindow


def _window(points):
    window = SampleWindow(retention_s=10**9)
    for t_s, value in points:
        window.add(t_s, value)
    return window


def test_seconds_until_full_extrapolates_the_trend_to_one():
    # 0.50 → 0.60 over 10 hours: 0.01 per hour, 40 hours left from 0.60.
    window = _window([(h * 3600.0, 0.5 + 0.01 * h) for h in range(11)])
    assert WINDOW_FUNCTIONS["seconds_until_full"](window, 10 * 3600.0, 86400.0) == pytest.approx(40 * 3600.0)


def test_seconds_until_full_is_none_when_not_rising_or_too_few_samples():
    cleanup = _window([(0.0, 0.9), (3600.0, 0.91), (7200.0, 0.5)])
    assert WINDOW_FUNCTIONS["seconds_until_full"](cleanup, 7200.0, 86400.0) is None
    assert WINDOW_FUNCTIONS["seconds_until_full"](_window([(0.0, 0.5), (60.0, 0.6)]), 60.0, 86400.0) is None


def test_seconds_until_full_never_goes_below_zero():
    window = _window([(0.0, 0.98), (60.0, 0.99), (120.0, 1.0), (180.0, 1.0)])
    assert WINDOW_FUNCTIONS["seconds_until_full"](window, 180.0, 3600.0) == 0.0
