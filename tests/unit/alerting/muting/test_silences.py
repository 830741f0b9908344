from datetime import UTC, datetime, timedelta

import pytest
from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.alerting.muting.matchers import Matcher, MatcherError, MuteStage
from itops.alerting.muting.silences import SilenceError, SilenceStore

NOW = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def alert(**labels: str) -> Alert:
    labels = {"alertname": "HighCpu", "severity": "P2", **labels}
    return Alert("high_cpu", labels, {}, Severity.P2, AlertState.FIRING)


def test_equality_regex_and_negative_matchers():
    labels = {"host": "db-1", "site": "sh"}
    assert Matcher.parse('host="db-1"').matches(labels)
    assert Matcher.parse('host=~"db-.*"').matches(labels)
    assert not Matcher.parse('host=~"db"').matches(labels)  # regexes match the whole value
    assert Matcher.parse('site!="bj"').matches(labels)
    assert not Matcher.parse('host!~"db-\\d"').matches(labels)
    assert Matcher.parse('rack=""').matches(labels)  # a missing label is the empty string


def test_unreadable_matcher_names_the_accepted_forms():
    with pytest.raises(MatcherError, match='label="value"'):
        Matcher.parse("host == db-1")


def test_active_silence_mutes_matching_alert_with_author_and_comment(tmp_path):
    store = SilenceStore(tmp_path / "silences.db")
    silence = store.create(['host=~"db-.*"'], NOW, NOW + HOUR, "wang", "disk swap", now=NOW)
    assert store.mutes(alert(host="db-1"), NOW + timedelta(minutes=5)) == f"silence {silence.id[:8]} by wang: disk swap"
    assert store.mutes(alert(host="web-1"), NOW + timedelta(minutes=5)) is None


def test_silence_does_not_mute_before_start_or_after_end(tmp_path):
    store = SilenceStore(tmp_path / "silences.db")
    store.create(['host="db-1"'], NOW + HOUR, NOW + 2 * HOUR, "wang", "later", now=NOW)
    assert store.mutes(alert(host="db-1"), NOW) is None
    assert store.mutes(alert(host="db-1"), NOW + HOUR) is not None
    assert store.mutes(alert(host="db-1"), NOW + 2 * HOUR) is None


def test_expired_silence_stops_muting_and_is_listed_only_with_ended(tmp_path):
    store = SilenceStore(tmp_path / "silences.db")
    silence = store.create(['host="db-1"'], NOW, NOW + HOUR, "wang", "swap", now=NOW)
    expired = store.expire(silence.id, NOW + timedelta(minutes=10))
    assert expired.ends_at == NOW + timedelta(minutes=10)
    assert store.mutes(alert(host="db-1"), NOW + timedelta(minutes=11)) is None
    assert store.list(NOW + timedelta(minutes=11)) == []
    assert [s.id for s in store.list(NOW + timedelta(minutes=11), include_ended=True)] == [silence.id]


def test_silences_survive_reopening_the_store(tmp_path):
    store = SilenceStore(tmp_path / "silences.db")
    silence = store.create(['host="db-1"', 'severity!="P4"'], NOW, NOW + HOUR, "li", "patching", now=NOW)
    store.close()
    reopened = SilenceStore(tmp_path / "silences.db")
    assert reopened.get(silence.id) == silence


def test_expiring_an_ended_silence_is_an_error(tmp_path):
    store = SilenceStore(tmp_path / "silences.db")
    silence = store.create(['host="db-1"'], NOW, NOW + HOUR, "wang", "swap", now=NOW)
    with pytest.raises(SilenceError, match="already ended"):
        store.expire(silence.id, NOW + 2 * HOUR)


@pytest.mark.parametrize(("matchers", "starts", "ends", "author", "comment", "problem"), [
    ([], NOW, NOW + HOUR, "wang", "x", "at least one matcher"),
    (['host=~".*"'], NOW, NOW + HOUR, "wang", "x", "silence every alert"),
    (['host=~"("'], NOW, NOW + HOUR, "wang", "x", "not a valid regular expression"),
    (['host="a"'], NOW + HOUR, NOW, "wang", "x", "must be after starts_at"),
    (['host="a"'], NOW - 2 * HOUR, NOW - HOUR, "wang", "x", "already in the past"),
    (['host="a"'], NOW, NOW + HOUR, " ", "x", "needs an author"),
    (['host="a"'], NOW, NOW + HOUR, "wang", "", "needs a comment"),
    (['host="a"'], NOW.replace(tzinfo=None), NOW + HOUR, "wang", "x", "needs a time zone"),
])
def test_invalid_silence_is_refused_with_a_clear_error(matchers, starts, ends, author, comment, problem):
    with pytest.raises(SilenceError, match=problem):
        SilenceStore().create(matchers, starts, ends, author, comment, now=NOW)


def test_mute_stage_records_every_muters_reason_and_passes_only_unmuted():
    store, other_store = SilenceStore(), SilenceStore()
    store.create(['host="db-1"'], NOW, NOW + HOUR, "wang", "swap", now=NOW)
    other_store.create(['severity="P2"', 'host=~"db-.*"'], NOW, NOW + HOUR, "li", "batch", now=NOW)
    muted, audible = alert(host="db-1"), alert(host="web-1")
    assert MuteStage([store, other_store]).apply([muted, audible], NOW) == [audible]
    assert sorted(reason.split(":")[1] for reason in muted.muted_by) == [" batch", " swap"]
    assert audible.muted_by == []
