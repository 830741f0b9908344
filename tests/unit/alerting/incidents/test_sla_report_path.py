"""``SlaPolicy.status_and_wall_clock_times``, the monthly report's one call per incident: the same answers as
``status`` and ``wall_clock_times`` asked apart. Cases and helpers from test_sla.py (hand-worked there)."""

from __future__ import annotations

import pytest
from itops.alerting.rules.model import Severity

from tests.unit.alerting.incidents.test_sla import HOUR, MAINTENANCE_CASE, MIN, POLICY, S, history, period, sh

AT = sh(2026, 3, 3)
DURING = period(sh(2026, 3, 2, 1), sh(2026, 3, 2, 3), 'host="db-1"')  # 01:00–03:00, while the incident ran
AFTER = period(sh(2026, 3, 2, 6), sh(2026, 3, 2, 9), 'host="db-1"')  # after its resolution at 05:00


@pytest.mark.parametrize("moves", [
    MAINTENANCE_CASE,  # resolved 05:00
    MAINTENANCE_CASE[:2],  # acknowledged, still in progress at AT
    (),  # still open at AT
    (*MAINTENANCE_CASE, (sh(2026, 3, 2, 7), S.IN_PROGRESS)),  # reopened inside AFTER
], ids=["resolved", "in_progress", "open", "reopened"])
def test_together_equals_apart(moves):
    incident, timeline = history(sh(2026, 3, 2, 1), *moves, severity=Severity.P2, assets=("db-1",))
    periods = [DURING, AFTER]
    together = POLICY.status_and_wall_clock_times(incident, timeline, AT, periods)
    assert together == (POLICY.status(incident, timeline, AT, periods), *POLICY.wall_clock_times(incident, timeline, AT))


def test_maintenance_after_the_final_resolution_changes_nothing():
    # Resolved at 05:00: only 01:00–03:00 is left out (response 0, resolution 4 h − 2 h), whatever comes later.
    incident, timeline = history(sh(2026, 3, 2, 1), *MAINTENANCE_CASE, severity=Severity.P2, assets=("db-1",))
    status, wall_response_s, wall_resolution_s = POLICY.status_and_wall_clock_times(incident, timeline, AT, [DURING, AFTER])
    assert (status.response.elapsed_s, status.resolution.elapsed_s) == (0.0, 2 * HOUR)
    assert (wall_response_s, wall_resolution_s) == (30 * MIN, 4 * HOUR)


def test_maintenance_after_a_reopen_is_left_out():
    # Resolved 05:00, reopened 07:00 and still in progress at AT (next midnight): unresolved 01:00–05:00 and
    # 07:00–24:00 = 21 h; 01:00–03:00 and 07:00–09:00 (inside AFTER) covered → 17 h.
    incident, timeline = history(sh(2026, 3, 2, 1), *MAINTENANCE_CASE, (sh(2026, 3, 2, 7), S.IN_PROGRESS),
                                 severity=Severity.P2, assets=("db-1",))
    status, _, wall_resolution_s = POLICY.status_and_wall_clock_times(incident, timeline, AT, [DURING, AFTER])
    assert (status.resolution.elapsed_s, status.resolution.state, status.resolution.breached) == (17 * HOUR, "running", True)
    assert wall_resolution_s is None  # not resolved at AT


def test_maintenance_between_acknowledgement_and_resolution_is_left_out_of_resolution():
    # Acknowledged 01:30, resolved 05:00; maintenance 02:00–04:00: response 30 min, resolution 4 h − 2 h.
    incident, timeline = history(sh(2026, 3, 2, 1), *MAINTENANCE_CASE, severity=Severity.P2, assets=("db-1",))
    later = period(sh(2026, 3, 2, 2), sh(2026, 3, 2, 4), 'host="db-1"')
    status, _, _ = POLICY.status_and_wall_clock_times(incident, timeline, AT, [later, AFTER])
    assert (status.response.elapsed_s, status.resolution.elapsed_s) == (30 * MIN, 2 * HOUR)
