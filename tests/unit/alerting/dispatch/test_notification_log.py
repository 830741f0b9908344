from datetime import UTC, datetime, timedelta, timezone

import pytest
from itops.alerting.dispatch.notification_log import (
    NotificationAttempt,
    NotificationLog,
    Outcome,
)

T0 = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)


def attempt(minutes: int, receiver: str = "oncall", outcome: Outcome = Outcome.SENT, number: int = 1) -> NotificationAttempt:
    return NotificationAttempt(T0 + timedelta(minutes=minutes), receiver, "Phone[0]", "0:oncall:{}", ("a1", "b2"),
                               "firing", outcome, "" if outcome is Outcome.SENT else "timeout", number)


@pytest.fixture
def notification_log(tmp_path):
    log = NotificationLog(tmp_path / "nflog.db")
    for entry in (attempt(0, outcome=Outcome.RETRYING), attempt(1, number=2), attempt(2, "office"),
                  attempt(3, "office", Outcome.FAILED)):
        log.record(entry)
    return log


def test_attempt_round_trips_every_field(notification_log):
    assert notification_log.query(receiver="oncall", outcome=Outcome.SENT) == [attempt(1, number=2)]


def test_query_is_newest_first(notification_log):
    assert [a.at.minute for a in notification_log.query()] == [3, 2, 1, 0]


def test_query_by_receiver(notification_log):
    assert [a.at.minute for a in notification_log.query(receiver="office")] == [3, 2]


def test_query_by_time_range_since_inclusive_until_exclusive(notification_log):
    found = notification_log.query(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3))
    assert [a.at.minute for a in found] == [2, 1]


def test_query_by_outcome(notification_log):
    assert [a.outcome for a in notification_log.query(outcome=Outcome.FAILED)] == [Outcome.FAILED]


def test_query_limit(notification_log):
    assert len(notification_log.query(limit=2)) == 2


def test_times_in_other_zones_are_stored_as_utc_and_ordered(tmp_path):
    log = NotificationLog(tmp_path / "nflog.db")
    shanghai = timezone(timedelta(hours=8))
    log.record(attempt(10))
    log.record(NotificationAttempt(T0.astimezone(shanghai), "oncall", "Phone[0]", "k", (), "resolved", Outcome.SENT, "", 1))
    assert [a.at for a in log.query()] == [T0 + timedelta(minutes=10), T0]


def test_last_sent_is_the_latest_delivered_attempt_of_a_group_and_integration():
    log = NotificationLog()
    base = datetime(2024, 6, 1, tzinfo=UTC)
    for minutes, outcome, status in ((0, Outcome.SENT, "firing"), (1, Outcome.FAILED, "resolved"), (2, Outcome.SENT, "firing")):
        log.record(NotificationAttempt(at=base + timedelta(minutes=minutes), receiver="ops", integration="Webhook[0]",
                                       group_key="g", fingerprints=("a", "b"), status=status, outcome=outcome,
                                       error="", attempt=1))
    last = log.last_sent("g", "Webhook[0]")
    assert (last.at, last.status, last.fingerprints) == (base + timedelta(minutes=2), "firing", ("a", "b"))
    assert log.last_sent("g", "Email[0]") is None and log.last_sent("other", "Webhook[0]") is None
