"""SLA clocks. Every expected value is worked out by hand in the comments: Asia/Shanghai is UTC+8 all year and
the default business hours are 08:30–17:30 local (a 9-hour business day), Monday to Friday, with the shipped
Chinese holidays and make-up workdays (alerting/incidents/holidays/cn-2026.yaml)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from itops.alerting.incidents.model import AffectedAsset, Category, Incident, IncidentState, Source, TimelineEntry, TimelineKind
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.incidents.sla import SlaPolicy, sla_status_json
from itops.alerting.incidents.sla_config import SeverityTarget, SlaConfig, check_sla
from itops.alerting.muting.maintenance import MaintenancePeriod
from itops.alerting.rules.model import Severity
from itops.alerting.muting.matchers import parse_matchers
from itops.alerting.incidents.sla_calendar import CalendarConfig
from itops.common.yaml_config import ConfigError, load_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = IncidentState
MIN = 60.0
HOUR = 3600.0
POLICY = SlaPolicy(SlaConfig())


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time as the UTC instant the clocks take."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def history(opened: datetime, *moves: tuple[datetime, IncidentState], severity: Severity = Severity.P3,
            assets: tuple[str, ...] = (), severity_changes: tuple[tuple[datetime, Severity], ...] = ()
            ) -> tuple[Incident, list[TimelineEntry]]:
    """An incident opened at ``opened`` that went through ``moves``, as the store would record it."""
    timeline = [TimelineEntry("INC-2026-000001", opened, "wang", TimelineKind.OPENED, None, "open", "UPS 告警")]
    state, acknowledged, resolved = S.OPEN, None, None
    for at, to_state in moves:
        timeline.append(TimelineEntry("INC-2026-000001", at, "wang", TimelineKind.TRANSITION, state.value, to_state.value, None))
        state = to_state
        acknowledged = acknowledged or (at if to_state is S.ACKNOWLEDGED else None)
        resolved = at if to_state is S.RESOLVED else (resolved if to_state is S.CLOSED else None)
    current = severity
    for at, new in severity_changes:
        timeline.append(TimelineEntry("INC-2026-000001", at, "wang", TimelineKind.SEVERITY, current.value, new.value, "升级"))
        current = new
    timeline.sort(key=lambda entry: entry.at)
    incident = Incident(
        id="INC-2026-000001", title="UPS 告警", severity=current, category=Category.ENVIRONMENT,
        assets=tuple(AffectedAsset(name) for name in assets), reporter="wang", assignee="li", state=state,
        cause=None, resolution=None, vendor_ticket=None, signed_off_by=None, signed_off_at=None, opened_at=opened,
        acknowledged_at=acknowledged, resolved_at=resolved, closed_at=moves[-1][0] if state is S.CLOSED else None,
        fingerprints=(), source=Source.MANUAL)
    return incident, timeline


def period(start: datetime, end: datetime, *matchers: str) -> MaintenancePeriod:
    return MaintenancePeriod("机房改造", parse_matchers(matchers), start, end)


# the defaults

def test_default_targets_table():
    targets = SlaConfig().all_targets()
    as_hours = {severity: (t.respond / HOUR, t.respond_calendar, t.resolve / HOUR, t.resolve_calendar)
                for severity, t in targets.items()}
    assert as_hours == {
        Severity.P1: (10 / 60, "7x24", 4, "7x24"),
        Severity.P2: (30 / 60, "7x24", 8, "7x24"),
        Severity.P3: (2, "business_hours", 27, "business_hours"),  # 3 business days × 9 h
        Severity.P4: (24, "7x24", 45, "business_hours"),  # 5 business days × 9 h
    }


def test_default_calendars_are_7x24_and_business_hours():
    calendars = SlaConfig().all_calendars()
    assert {name: c.kind for name, c in calendars.items()} == {"7x24": "7x24", "business_hours": "business_hours"}
    assert (calendars["business_hours"].workday_start, calendars["business_hours"].workday_end) == ("08:30", "17:30")


def test_targets_not_listed_keep_their_defaults_and_custom_calendars_add_to_the_built_in_ones():
    config = load_text("""
calendars:
  office: {kind: business_hours, workday_start: "09:00", workday_end: "18:00"}
targets:
  P1: {respond: 5m, resolve: 2h, resolve_calendar: office}
""", SlaConfig, "sla.yaml", check=check_sla)
    policy = SlaPolicy(config)
    assert policy.targets[Severity.P1] == SeverityTarget(respond=300, respond_calendar="7x24", resolve=7200, resolve_calendar="office")
    assert policy.targets[Severity.P3].resolve == 27 * HOUR
    assert set(config.all_calendars()) == {"7x24", "business_hours", "office"}


# config errors

def test_a_target_naming_an_unknown_calendar_is_an_error_naming_the_field():
    with pytest.raises(ConfigError) as error:
        load_text("targets:\n  P3: {respond: 2h, resolve: 27h, resolve_calendar: ofice}\n", SlaConfig, "sla.yaml", check=check_sla)
    assert str(error.value) == "sla.yaml:2: targets.P3.resolve_calendar: unknown calendar 'ofice'; known: 7x24, business_hours"


def test_a_zero_target_is_an_error():
    with pytest.raises(ConfigError, match=r"targets\.P1\.respond: must be above zero"):
        load_text("targets:\n  P1: {respond: 0s, resolve: 4h}\n", SlaConfig, "sla.yaml", check=check_sla)


def test_a_bad_calendar_is_an_error_naming_its_field():
    text = 'calendars:\n  office:\n    kind: business_hours\n    workday_start: "18:00"\n    workday_end: "09:00"\n'
    with pytest.raises(ConfigError, match=r"^sla\.yaml:5: calendars\.office\.workday_end: must be after workday_start"):
        load_text(text, SlaConfig, "sla.yaml", check=check_sla)


def test_an_unknown_option_is_an_error():
    with pytest.raises(ConfigError, match=r"^sla\.yaml:1: pause_while_waiting: unknown option"):
        load_text("pause_while_waiting: false\n", SlaConfig, "sla.yaml", check=check_sla)


def test_the_policy_refuses_an_unchecked_bad_config():
    config = SlaConfig(targets={Severity.P4: SeverityTarget(respond=60, resolve=60, respond_calendar="nope")})
    with pytest.raises(ValueError, match="targets.P4.respond_calendar: unknown calendar 'nope'"):
        SlaPolicy(config)


# response clock on business hours

def test_business_hours_response_counts_only_working_time_over_a_weekend():
    # P3, opened Fri 2026-03-13 17:00, acknowledged Mon 2026-03-16 08:45:
    # Fri 17:00–17:30 = 30 min, weekend 0, Mon 08:30–08:45 = 15 min → 45 min of a 2 h target.
    incident, timeline = history(sh(2026, 3, 13, 17), (sh(2026, 3, 16, 8, 45), S.ACKNOWLEDGED))
    response = POLICY.status(incident, timeline, sh(2026, 3, 16, 12)).response
    assert (response.elapsed_s, response.remaining_s) == (45 * MIN, 75 * MIN)
    assert (response.state, response.breached, response.deadline) == ("met", False, None)
    assert (response.stopped_at, response.calendar, response.target_s) == (sh(2026, 3, 16, 8, 45), "business_hours", 2 * HOUR)


def test_national_day_holiday_does_not_count_and_exactly_the_target_is_within_sla():
    # P3, opened Wed 2026-09-30 16:30, acknowledged Thu 2026-10-08 09:30. 10-01..10-07 are 国庆节 holidays:
    # Sep 30 16:30–17:30 = 1 h, Oct 8 08:30–09:30 = 1 h → 2 h = the target, which is still met.
    incident, timeline = history(sh(2026, 9, 30, 16, 30), (sh(2026, 10, 8, 9, 30), S.ACKNOWLEDGED))
    response = POLICY.status(incident, timeline, sh(2026, 10, 9)).response
    assert (response.elapsed_s, response.remaining_s, response.state, response.breached) == (2 * HOUR, 0.0, "met", False)


def test_a_makeup_saturday_counts_as_a_working_day():
    # P3, opened Fri 2026-10-09 17:00, acknowledged Mon 2026-10-12 09:00. Sat 10-10 is a 调休 make-up workday:
    # Fri 30 min + Sat 9 h + Mon 08:30–09:00 30 min = 10 h → 8 h over the 2 h target.
    incident, timeline = history(sh(2026, 10, 9, 17), (sh(2026, 10, 12, 9), S.ACKNOWLEDGED))
    response = POLICY.status(incident, timeline, sh(2026, 10, 12, 10)).response
    assert (response.elapsed_s, response.remaining_s, response.state, response.breached) == (10 * HOUR, -8 * HOUR, "breached", True)


# resolution clock: pause and reopen

VENDOR_CASE = (  # P2 (7x24, respond 30 min, resolve 8 h), opened 2026-03-02 09:00
    (sh(2026, 3, 2, 9, 5), S.ACKNOWLEDGED),
    (sh(2026, 3, 2, 9, 10), S.IN_PROGRESS),
    (sh(2026, 3, 2, 10), S.WAITING_FOR_VENDOR),
    (sh(2026, 3, 3, 10), S.IN_PROGRESS),
    (sh(2026, 3, 3, 12), S.RESOLVED),
)


def test_waiting_for_vendor_pauses_the_resolution_clock():
    # Not paused: 09:00→10:00 on 03-02 (1 h) + 10:00→12:00 on 03-03 (2 h) = 3 h of the 8 h target.
    incident, timeline = history(sh(2026, 3, 2, 9), *VENDOR_CASE, severity=Severity.P2)
    status = POLICY.status(incident, timeline, sh(2026, 3, 4))
    assert (status.resolution.elapsed_s, status.resolution.remaining_s) == (3 * HOUR, 5 * HOUR)
    assert (status.resolution.state, status.resolution.stopped_at) == ("met", sh(2026, 3, 3, 12))
    assert (status.response.elapsed_s, status.response.state) == (5 * MIN, "met")


def test_while_waiting_for_vendor_the_clock_is_paused_without_deadline():
    # As at 03-02 15:00 it has waited since 10:00: 1 h counted, paused.
    incident, timeline = history(sh(2026, 3, 2, 9), *VENDOR_CASE, severity=Severity.P2)
    resolution = POLICY.status(incident, timeline, sh(2026, 3, 2, 15)).resolution
    assert (resolution.elapsed_s, resolution.state, resolution.deadline, resolution.stopped_at) == (HOUR, "paused", None, None)


def test_without_the_pause_option_vendor_time_counts():
    # 3 h + the 24 h waiting = 27 h, over the 8 h target.
    incident, timeline = history(sh(2026, 3, 2, 9), *VENDOR_CASE, severity=Severity.P2)
    resolution = SlaPolicy(SlaConfig(pause_while_waiting_for_vendor=False)).status(incident, timeline, sh(2026, 3, 4)).resolution
    assert (resolution.elapsed_s, resolution.state, resolution.breached) == (27 * HOUR, "breached", True)


def test_wall_clock_times_ignore_calendar_and_pause():
    # response 09:00→09:05 = 300 s; resolution 09:00 on 03-02 → 12:00 on 03-03 = 27 h.
    incident, timeline = history(sh(2026, 3, 2, 9), *VENDOR_CASE, severity=Severity.P2)
    assert POLICY.wall_clock_times(incident, timeline, sh(2026, 3, 4)) == (300.0, 27 * HOUR)
    assert POLICY.wall_clock_times(incident, timeline, sh(2026, 3, 2, 9, 1)) == (None, None)


REOPEN_CASE = (  # P1 (7x24, respond 10 min, resolve 4 h), opened 2026-03-02 08:00
    (sh(2026, 3, 2, 8, 5), S.ACKNOWLEDGED),
    (sh(2026, 3, 2, 8, 10), S.IN_PROGRESS),
    (sh(2026, 3, 2, 9), S.RESOLVED),
    (sh(2026, 3, 2, 11), S.IN_PROGRESS),  # reopened
    (sh(2026, 3, 2, 12, 30), S.RESOLVED),
    (sh(2026, 3, 2, 14), S.CLOSED),
)


def test_a_reopened_incident_does_not_count_its_resolved_gap():
    # 08:00→09:00 (1 h) + 11:00→12:30 (1.5 h) = 2.5 h; the 09:00–11:00 gap and the time after 12:30 do not count.
    incident, timeline = history(sh(2026, 3, 2, 8), *REOPEN_CASE, severity=Severity.P1)
    resolution = POLICY.status(incident, timeline, sh(2026, 3, 3)).resolution
    assert (resolution.elapsed_s, resolution.remaining_s, resolution.state) == (2.5 * HOUR, 1.5 * HOUR, "met")
    assert resolution.stopped_at == sh(2026, 3, 2, 12, 30)
    assert POLICY.wall_clock_times(incident, timeline, sh(2026, 3, 3)) == (300.0, 2.5 * HOUR)


def test_status_as_at_an_earlier_moment_uses_only_what_was_known_then():
    incident, timeline = history(sh(2026, 3, 2, 8), *REOPEN_CASE, severity=Severity.P1)
    # At 10:00 it was resolved (at 09:00) after 1 h: stopped, met.
    at_ten = POLICY.status(incident, timeline, sh(2026, 3, 2, 10)).resolution
    assert (at_ten.elapsed_s, at_ten.state, at_ten.stopped_at) == (HOUR, "met", sh(2026, 3, 2, 9))
    # At 11:30 it had been reopened for 30 min: 1.5 h used, 2.5 h left, so it runs out at 11:30 + 2.5 h = 14:00.
    at_half_past_eleven = POLICY.status(incident, timeline, sh(2026, 3, 2, 11, 30)).resolution
    assert (at_half_past_eleven.elapsed_s, at_half_past_eleven.state) == (1.5 * HOUR, "running")
    assert (at_half_past_eleven.deadline, at_half_past_eleven.stopped_at) == (sh(2026, 3, 2, 14), None)
    # At 08:03 nobody had acknowledged yet: the response clock ran 3 min of 10.
    early = POLICY.status(incident, timeline, sh(2026, 3, 2, 8, 3)).response
    assert (early.elapsed_s, early.state, early.stopped_at, early.deadline) == (3 * MIN, "running", None, sh(2026, 3, 2, 8, 10))


def test_a_moment_before_opening_has_nothing_elapsed():
    incident, timeline = history(sh(2026, 3, 2, 8), severity=Severity.P1)
    response = POLICY.status(incident, timeline, sh(2026, 3, 2, 7)).response
    assert (response.elapsed_s, response.state, response.deadline) == (0.0, "running", sh(2026, 3, 2, 8, 10))


# running clocks

def test_breached_while_running_shows_when_it_ran_out():
    # P1 opened 08:00, nobody has acknowledged at 08:25: 25 min of 10 → 15 min over, ran out at 08:10.
    incident, timeline = history(sh(2026, 3, 2, 8), severity=Severity.P1)
    response = POLICY.status(incident, timeline, sh(2026, 3, 2, 8, 25)).response
    assert (response.state, response.breached, response.remaining_s) == ("running", True, -15 * MIN)
    assert response.deadline == sh(2026, 3, 2, 8, 10)


def test_deadline_of_a_running_7x24_clock():
    # P1 opened 08:00, at 08:04: 6 min of response left → 08:10; resolution 4 h → 12:00.
    incident, timeline = history(sh(2026, 3, 2, 8), severity=Severity.P1)
    status = POLICY.status(incident, timeline, sh(2026, 3, 2, 8, 4))
    assert (status.response.remaining_s, status.response.deadline) == (6 * MIN, sh(2026, 3, 2, 8, 10))
    assert (status.resolution.remaining_s, status.resolution.deadline) == (236 * MIN, sh(2026, 3, 2, 12))


def test_deadline_of_a_running_business_hours_clock():
    # P3 opened Fri 2026-03-13 16:30, at 17:00: response 30 min used, 90 min left: Fri 17:00–17:30 takes 30,
    # the other 60 end Mon 08:30 + 60 min = 09:30.
    # Resolution 27 h: Fri 16:30–17:30 1 h, Mon 9 h, Tue 9 h (19 h), Wed 08:30 + 8 h = Wed 2026-03-18 16:30.
    incident, timeline = history(sh(2026, 3, 13, 16, 30))
    status = POLICY.status(incident, timeline, sh(2026, 3, 13, 17))
    assert (status.response.remaining_s, status.response.deadline) == (90 * MIN, sh(2026, 3, 16, 9, 30))
    assert status.resolution.deadline == sh(2026, 3, 18, 16, 30)


def test_a_business_hours_clock_counts_only_inside_working_hours():
    # P3 opened Fri 2026-03-13 16:30: counting at 17:00, not at 17:30 (the hours end), nor on Saturday or
    # the next Monday's 08:29; counting again at 08:30. A 7x24 clock always counts while running.
    incident, timeline = history(sh(2026, 3, 13, 16, 30))
    counting = {at: POLICY.status(incident, timeline, at).response.counting
                for at in (sh(2026, 3, 13, 17), sh(2026, 3, 13, 17, 30), sh(2026, 3, 14, 11), sh(2026, 3, 16, 8, 29),
                           sh(2026, 3, 16, 8, 30))}
    assert list(counting.values()) == [True, False, False, False, True]
    p1, p1_timeline = history(sh(2026, 3, 14, 3), severity=Severity.P1)
    assert POLICY.status(p1, p1_timeline, sh(2026, 3, 14, 3, 5)).response.counting


def test_a_stopped_or_paused_clock_does_not_count():
    incident, timeline = history(sh(2026, 3, 2, 1), (sh(2026, 3, 2, 1, 5), S.ACKNOWLEDGED),
                                 (sh(2026, 3, 2, 2), S.WAITING_FOR_VENDOR), severity=Severity.P1)
    status = POLICY.status(incident, timeline, sh(2026, 3, 2, 3))
    assert (status.response.state, status.response.counting) == ("met", False)
    assert (status.resolution.state, status.resolution.counting) == ("paused", False)


def test_a_clock_does_not_count_inside_maintenance_covering_every_asset():
    incident, timeline = history(sh(2026, 3, 2, 1), severity=Severity.P2, assets=("db-1",))
    during = [period(sh(2026, 3, 2, 1), sh(2026, 3, 2, 3), 'host="db-1"')]
    assert not POLICY.status(incident, timeline, sh(2026, 3, 2, 2), during).response.counting
    assert POLICY.status(incident, timeline, sh(2026, 3, 2, 4), during).response.counting


def test_a_severity_change_uses_the_current_severitys_targets():
    # Opened P3 on Mon 08:00, raised to P1 at 08:02. At 08:20 the P1 target applies: 20 min of 10 on 7x24.
    # Asked at 08:01 it was still P3: 2 h on business hours (which start at 08:30).
    incident, timeline = history(sh(2026, 3, 2, 8), severity=Severity.P3,
                                 severity_changes=((sh(2026, 3, 2, 8, 2), Severity.P1),))
    now = POLICY.status(incident, timeline, sh(2026, 3, 2, 8, 20)).response
    assert (now.target_s, now.calendar, now.breached) == (10 * MIN, "7x24", True)
    before = POLICY.status(incident, timeline, sh(2026, 3, 2, 8, 1)).response
    assert (before.target_s, before.calendar) == (2 * HOUR, "business_hours")


# maintenance

MAINTENANCE_CASE = (  # P2 opened 2026-03-02 01:00, acknowledged 01:30, resolved 05:00; maintenance 01:00–03:00
    (sh(2026, 3, 2, 1, 30), S.ACKNOWLEDGED),
    (sh(2026, 3, 2, 2), S.IN_PROGRESS),
    (sh(2026, 3, 2, 5), S.RESOLVED),
)


def maintenance_status(assets: tuple[str, ...], *matchers: str, policy: SlaPolicy = POLICY):
    incident, timeline = history(sh(2026, 3, 2, 1), *MAINTENANCE_CASE, severity=Severity.P2, assets=assets)
    return policy.status(incident, timeline, sh(2026, 3, 3), [period(sh(2026, 3, 2, 1), sh(2026, 3, 2, 3), *matchers)])


def test_maintenance_covering_every_asset_is_left_out():
    # Both db hosts are covered 01:00–03:00: response 0 (acknowledged inside it), resolution 4 h − 2 h = 2 h.
    status = maintenance_status(("db-1", "db-2"), 'host=~"db-.*"')
    assert (status.response.elapsed_s, status.resolution.elapsed_s) == (0.0, 2 * HOUR)


def test_maintenance_covering_only_one_asset_counts_in_full():
    status = maintenance_status(("db-1", "db-2"), 'host="db-1"')
    assert (status.response.elapsed_s, status.resolution.elapsed_s) == (30 * MIN, 4 * HOUR)


def test_maintenance_covers_a_device_by_its_device_label():
    status = maintenance_status(("ups-1",), 'device="ups-1"')
    assert status.resolution.elapsed_s == 2 * HOUR


def test_maintenance_covers_an_attendance_clock_by_its_clock_label():
    status = maintenance_status(("main-entrance",), 'clock="main-entrance"')
    assert status.resolution.elapsed_s == 2 * HOUR


def test_an_incident_without_assets_is_never_covered():
    status = maintenance_status((), 'host=~"db-.*"')
    assert status.resolution.elapsed_s == 4 * HOUR


def test_maintenance_is_counted_when_exclusion_is_off():
    status = maintenance_status(("db-1",), 'host="db-1"', policy=SlaPolicy(SlaConfig(exclude_maintenance=False)))
    assert status.resolution.elapsed_s == 4 * HOUR


def test_overlapping_periods_are_left_out_once_and_only_up_to_at():
    # Periods 01:00–02:00 and 01:30–03:00 overlap: covered 01:00–03:00. Asked at 02:30, still open:
    # 1.5 h since opening, all of it covered → nothing counted yet; the period after 02:30 is not used.
    incident, timeline = history(sh(2026, 3, 2, 1), severity=Severity.P2, assets=("db-1",))
    periods = [period(sh(2026, 3, 2, 1), sh(2026, 3, 2, 2), 'host="db-1"'),
               period(sh(2026, 3, 2, 1, 30), sh(2026, 3, 2, 3), 'host="db-1"')]
    status = POLICY.status(incident, timeline, sh(2026, 3, 2, 2, 30), periods)
    assert (status.response.elapsed_s, status.response.deadline) == (0.0, sh(2026, 3, 2, 3))  # 02:30 + 30 min


# sources of history

def test_without_a_timeline_the_incidents_own_times_are_used():
    incident, timeline = history(sh(2026, 3, 13, 17), (sh(2026, 3, 16, 8, 45), S.ACKNOWLEDGED),
                                 (sh(2026, 3, 16, 9), S.IN_PROGRESS), (sh(2026, 3, 16, 10), S.RESOLVED))
    # response 45 min as in the weekend case; resolution Fri 30 min + Mon 08:30–10:00 90 min = 2 h.
    status = POLICY.status(incident, (), sh(2026, 3, 17))
    assert (status.response.elapsed_s, status.resolution.elapsed_s, status.resolution.state) == (45 * MIN, 2 * HOUR, "met")


def test_status_from_a_real_store(tmp_path):
    store = IncidentStore.open(f"sqlite:///{tmp_path / 'incidents.db'}")
    try:
        opened = store.open_incident(title="核心交换机 down", severity=Severity.P2, category=Category.NETWORK,
                                     reporter="wang", at=sh(2026, 3, 2, 9))
        store.acknowledge(opened.id, "li", sh(2026, 3, 2, 9, 40))
        store.transition(opened.id, S.WAITING_FOR_VENDOR, "li", sh(2026, 3, 2, 10), vendor_ticket="H3C-1")
        store.transition(opened.id, S.IN_PROGRESS, "li", sh(2026, 3, 2, 20))
        store.resolve(opened.id, "li", sh(2026, 3, 2, 21), "板卡故障", "更换板卡")
        status = POLICY.status(store.get(opened.id), store.timeline(opened.id), sh(2026, 3, 3))
    finally:
        store.dispose()
    # Response 40 min > 30 min target; resolution 09:00→10:00 + 20:00→21:00 = 2 h (10 h waiting paused).
    assert (status.response.elapsed_s, status.response.state) == (40 * MIN, "breached")
    assert (status.resolution.elapsed_s, status.resolution.state) == (2 * HOUR, "met")


def test_status_json_has_every_field_with_iso_times():
    incident, timeline = history(sh(2026, 3, 2, 8), (sh(2026, 3, 2, 8, 5), S.ACKNOWLEDGED), severity=Severity.P1)
    body = sla_status_json(POLICY.status(incident, timeline, sh(2026, 3, 2, 9)))
    assert body["response"] == {"target_s": 600.0, "elapsed_s": 300.0, "remaining_s": 300.0, "deadline": None,
                                "state": "met", "calendar": "7x24", "breached": False,
                                "stopped_at": "2026-03-02T00:05:00+00:00", "counting": False}
    assert body["resolution"] == {"target_s": 14400.0, "elapsed_s": 3600.0, "remaining_s": 10800.0,
                                  "deadline": "2026-03-02T04:00:00+00:00", "state": "running", "calendar": "7x24",
                                  "breached": False, "stopped_at": None, "counting": True}


def test_a_naive_at_is_refused():
    incident, timeline = history(sh(2026, 3, 2, 8))
    with pytest.raises(ValueError, match="aware"):
        POLICY.status(incident, timeline, datetime(2026, 3, 2, 9))


def test_ten_thousand_statuses_print_their_time(capsys):
    """Figures, not an assertion on time: the brief asks for 10,000 statuses well under 3 s."""
    import time
    cases = [history(sh(2026, 3, 2, 9) + timedelta(seconds=i), *VENDOR_CASE, severity=Severity.P3, assets=("db-1",))
             for i in range(100)]
    periods = [period(sh(2026, 3, 2, 1), sh(2026, 3, 2, 3), 'host="db-1"')]
    started = time.perf_counter()
    statuses = [POLICY.status(incident, timeline, sh(2026, 3, 31), periods) for _ in range(100) for incident, timeline in cases]
    with capsys.disabled():
        print(f"\n10,000 SLA statuses: {time.perf_counter() - started:.2f} s")
    assert len(statuses) == 10_000 and all(s.resolution.state == "met" for s in statuses)


def test_calendar_config_object_is_accepted_directly():
    policy = SlaPolicy(SlaConfig(calendars={"night": CalendarConfig(kind="business_hours", workday_start="20:00", workday_end="23:00")},
                                 targets={Severity.P4: SeverityTarget(respond=HOUR, respond_calendar="night", resolve=HOUR)}))
    # P4 opened 2026-03-02 (Mon) 19:00, at 21:00: only 20:00–21:00 counts on the night calendar.
    incident, timeline = history(sh(2026, 3, 2, 19), severity=Severity.P4)
    response = policy.status(incident, timeline, sh(2026, 3, 2, 21)).response
    assert (response.elapsed_s, response.state, response.breached, response.deadline) == (HOUR, "running", False, sh(2026, 3, 2, 21))
