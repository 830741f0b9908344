"""On-call schedules. Expected people and instants are worked out by hand in the comments: Asia/Shanghai is
UTC+8 all year; Europe/Berlin is UTC+1 (CET) until 2026-03-29 02:00 and from 2026-10-25 03:00, UTC+2 (CEST)
in between."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from itops.alerting.incidents.oncall import OnCall, OnCallConfig, Shift, UnknownSchedule, check_oncall
from itops.common.yaml_config import ConfigError, load_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEIVERS = ("wang-phone", "li-phone", "zhao-phone", "anna-mail", "ben-mail")

OPS_YAML = """
people:
  wang: {display_name: 王工, receiver: wang-phone}
  li: {display_name: 李工, receiver: li-phone}
  zhao: {receiver: zhao-phone}
  anna: {receiver: anna-mail}
  ben: {receiver: ben-mail}
schedules:
  ops:
    time_zone: Asia/Shanghai
    rotation: {members: [wang, li, zhao], start: "2026-01-05 09:00", shift: 1w}
    overrides:
      - {person: zhao, start: "2026-11-24 18:00", end: "2026-11-25 09:00"}
      - {person: wang, start: "2026-11-24 20:00", end: "2026-11-24 22:00"}
  berlin:
    time_zone: Europe/Berlin
    rotation: {members: [anna, ben], start: "2026-03-23 09:00", shift: 1w}
  berlin-daily:
    time_zone: Europe/Berlin
    rotation: {members: [anna, ben], start: "2026-03-27 09:00", shift: 1d}
    overrides:
      - {person: ben, start: "2026-03-29 01:00", end: "2026-03-29 04:00"}
"""


def load(text: str) -> OnCallConfig:
    return load_text(text, OnCallConfig, "oncall.yaml", check=lambda config: check_oncall(config, RECEIVERS))


ONCALL = OnCall(load(OPS_YAML))


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# a weekly rotation in a zone without daylight saving

def test_the_first_member_starts_at_the_rotation_start():
    assert ONCALL.who("ops", sh(2026, 1, 5, 9)) == "wang"


def test_handoff_happens_exactly_one_shift_later():
    assert ONCALL.who("ops", sh(2026, 1, 12, 8, 59)) == "wang"
    assert ONCALL.who("ops", sh(2026, 1, 12, 9)) == "li"
    assert ONCALL.who("ops", sh(2026, 1, 19, 9)) == "zhao"
    assert ONCALL.who("ops", sh(2026, 1, 26, 9)) == "wang"  # round again


def test_before_the_start_the_turns_run_backwards():
    assert ONCALL.who("ops", sh(2026, 1, 5, 8, 59)) == "zhao"  # turn −1 is the last member


def test_many_turns_later():
    # 2026-01-05 → 2026-11-23 is 322 days = 46 weeks; turn 46 % 3 = 1 → li, from Mon 11-23 09:00.
    assert ONCALL.who("ops", sh(2026, 11, 23, 9)) == "li"
    assert ONCALL.who("ops", sh(2026, 11, 23, 8, 59)) == "wang"  # turn 45 % 3 = 0


# overrides

def test_an_override_wins_from_its_start_until_just_before_its_end():
    assert ONCALL.who("ops", sh(2026, 11, 24, 17, 59)) == "li"
    assert ONCALL.who("ops", sh(2026, 11, 24, 18)) == "zhao"
    assert ONCALL.who("ops", sh(2026, 11, 25, 8, 59)) == "zhao"
    assert ONCALL.who("ops", sh(2026, 11, 25, 9)) == "li"  # the end is exclusive


def test_the_latest_starting_override_wins_where_they_overlap():
    assert ONCALL.who("ops", sh(2026, 11, 24, 20)) == "wang"
    assert ONCALL.who("ops", sh(2026, 11, 24, 21, 59)) == "wang"
    assert ONCALL.who("ops", sh(2026, 11, 24, 22)) == "zhao"


def test_of_overrides_starting_together_the_later_listed_wins():
    oncall = OnCall(load(OPS_YAML.replace('{person: wang, start: "2026-11-24 20:00"', '{person: wang, start: "2026-11-24 18:00"')))
    assert oncall.who("ops", sh(2026, 11, 24, 18)) == "wang"
    assert oncall.who("ops", sh(2026, 11, 24, 22)) == "zhao"


def test_shifts_layer_overrides_over_the_rotation():
    assert ONCALL.shifts("ops", sh(2026, 11, 24), sh(2026, 11, 26)) == [
        Shift("li", sh(2026, 11, 24), sh(2026, 11, 24, 18)),
        Shift("zhao", sh(2026, 11, 24, 18), sh(2026, 11, 24, 20)),
        Shift("wang", sh(2026, 11, 24, 20), sh(2026, 11, 24, 22)),
        Shift("zhao", sh(2026, 11, 24, 22), sh(2026, 11, 25, 9)),
        Shift("li", sh(2026, 11, 25, 9), sh(2026, 11, 26)),
    ]


def test_shifts_across_rotation_handoffs_are_clipped_to_the_range():
    assert ONCALL.shifts("ops", sh(2026, 1, 11), sh(2026, 1, 20)) == [
        Shift("wang", sh(2026, 1, 11), sh(2026, 1, 12, 9)),
        Shift("li", sh(2026, 1, 12, 9), sh(2026, 1, 19, 9)),
        Shift("zhao", sh(2026, 1, 19, 9), sh(2026, 1, 20)),
    ]


def test_an_empty_range_has_no_shifts():
    assert ONCALL.shifts("ops", sh(2026, 1, 11), sh(2026, 1, 11)) == []


# a zone with daylight saving: handoffs keep their local time

def test_weekly_handoff_keeps_local_time_after_spring_forward():
    # Turn 0 begins Mon 03-23 09:00 CET = 08:00 UTC. Turn 1 begins Mon 03-30 09:00 CEST = 07:00 UTC (167 h later).
    assert ONCALL.who("berlin", utc(2026, 3, 23, 8)) == "anna"
    assert ONCALL.who("berlin", utc(2026, 3, 30, 6, 59)) == "anna"
    assert ONCALL.who("berlin", utc(2026, 3, 30, 7)) == "ben"


def test_weekly_handoff_keeps_local_time_after_fall_back():
    # 03-23 → 10-26 is 217 days = 31 weeks; turn 31 % 2 = 1 → ben from Mon 10-26 09:00 CET = 08:00 UTC.
    assert ONCALL.who("berlin", utc(2026, 10, 26, 7, 59)) == "anna"
    assert ONCALL.who("berlin", utc(2026, 10, 26, 8)) == "ben"


def test_daily_shifts_around_spring_forward_and_an_override_in_local_time():
    # Handoffs at 09:00 Berlin: 03-28 09:00 CET = 08:00 UTC (ben), 03-29 09:00 CEST = 07:00 UTC (anna): ben's
    # turn lasts 23 h. The override 03-29 01:00 CET (00:00 UTC) – 04:00 CEST (02:00 UTC) is two real hours.
    assert ONCALL.shifts("berlin-daily", utc(2026, 3, 28), utc(2026, 3, 30)) == [
        Shift("anna", utc(2026, 3, 28), utc(2026, 3, 28, 8)),
        Shift("ben", utc(2026, 3, 28, 8), utc(2026, 3, 29, 7)),
        Shift("anna", utc(2026, 3, 29, 7), utc(2026, 3, 30)),
    ]
    assert ONCALL.who("berlin-daily", utc(2026, 3, 29, 1, 59)) == "ben"


def test_people_keep_their_receivers_and_display_names():
    assert (ONCALL.people["wang"].receiver, ONCALL.people["wang"].display_name) == ("wang-phone", "王工")
    assert ONCALL.people["zhao"].display_name == ""


# errors

def test_an_unknown_schedule_is_named():
    with pytest.raises(UnknownSchedule, match="no on-call schedule named 'dba' \\(known: berlin, berlin-daily, ops\\)"):
        ONCALL.who("dba", sh(2026, 1, 5))


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="aware"):
        ONCALL.who("ops", datetime(2026, 1, 5, 9))


@pytest.mark.parametrize(("change", "message"), [
    (("receiver: wang-phone", "receiver: wang-phon"),
     "oncall.yaml:3: people.wang.receiver: unknown receiver 'wang-phon' (alerting.receivers: anna-mail, ben-mail, li-phone, wang-phone, zhao-phone)"),
    (("members: [wang, li, zhao]", "members: [wang, lee, zhao]"),
     "oncall.yaml:11: schedules.ops.rotation.members[1]: unknown person 'lee' (people: anna, ben, li, wang, zhao)"),
    (("members: [wang, li, zhao]", "members: []"), "oncall.yaml:11: schedules.ops.rotation.members: name at least one person"),
    (("{person: zhao, start", "{person: zho, start"), "oncall.yaml:13: schedules.ops.overrides[0].person: unknown person 'zho'"),
    (('end: "2026-11-25 09:00"', 'end: "2026-11-24 09:00"'),
     "oncall.yaml:13: schedules.ops.overrides[0].end: must be after start (2026-11-24 18:00)"),
    (('start: "2026-01-05 09:00"', 'start: "next monday"'),
     "oncall.yaml:11: schedules.ops.rotation.start: expected a local time such as '2026-01-05 09:00', got 'next monday'"),
    (("shift: 1w}", "shift: 30m}"), "oncall.yaml:11: schedules.ops.rotation.shift: must be at least 1h"),
    (("time_zone: Asia/Shanghai", "time_zone: Asia/Beijing"), "oncall.yaml:10: schedules.ops.time_zone: unknown time zone 'Asia/Beijing'"),
])
def test_config_errors_name_file_line_and_field(change, message):
    with pytest.raises(ConfigError) as error:
        load(OPS_YAML.replace(*change))
    assert str(error.value).startswith(message)


def test_the_empty_config_has_no_schedules():
    with pytest.raises(UnknownSchedule, match="none configured"):
        OnCall(OnCallConfig()).who("ops", sh(2026, 1, 5))
