import pytest

from itops.alerting.rules.sample_windows import COVERED_FUNCTIONS, WINDOW_FUNCTIONS, SampleWindow, evaluate_window


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


def test_coverage_counts_each_sample_as_one_sampling_interval():
    five_second_samples = _window([(t, 0.26) for t in (0.0, 5.0, 10.0)])
    assert five_second_samples.coverage(10.0, 6 * 3600.0) == pytest.approx(15.0 / 21600.0)
    assert _window([(0.0, 1.0), (60.0, 1.0)]).coverage(60.0, 120.0) == pytest.approx(1.0)
    assert _window([(0.0, 1.0)]).coverage(0.0, 60.0) == 0.0  # one sample: no interval to go by
    assert _window([(t * 60.0, 1.0) for t in range(100)]).coverage(99 * 60.0, 600.0) == 1.0


@pytest.mark.parametrize("function", sorted(COVERED_FUNCTIONS))
def test_a_window_function_does_not_answer_from_seconds_of_a_long_window(function):
    # The false alarm: a disk 26 % used, filling a little in its first seconds, "full in 2d 23m".
    first_seconds = _window([(0.0, 0.2600), (5.0, 0.2601), (10.0, 0.2602)])
    assert evaluate_window(function, first_seconds, 10.0, 6 * 3600.0) is None
    assert evaluate_window(function, first_seconds, 10.0, 6 * 3600.0, min_coverage=0.0) is not None


def test_a_window_function_answers_once_half_its_window_is_covered():
    window = _window([(h * 600.0, 0.26 + 0.001 * h) for h in range(18)])  # 3 h of 10-minute samples
    assert evaluate_window("seconds_until_full", window, 17 * 600.0, 6 * 3600.0) is not None
    assert evaluate_window("seconds_until_full", window, 17 * 600.0, 6 * 3600.0, min_coverage=0.75) is None


def test_last_and_absent_need_no_coverage():
    one_sample = _window([(0.0, 0.5)])
    assert evaluate_window("last", one_sample, 0.0, 0.0) == 0.5
    assert evaluate_window("absent", one_sample, 30.0, 3600.0) == 30.0
