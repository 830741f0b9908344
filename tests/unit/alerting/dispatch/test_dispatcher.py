"""Dispatcher behaviour on virtual time (tests/virtual_time.py): waits end exactly at their deadlines, so the
durations are the realistic ones and every time is asserted exactly, however busy the machine is."""

import asyncio
from datetime import timedelta

import pytest
from itops.alerting.dispatch.config import DispatchConfig
from itops.alerting.dispatch.dispatcher import Dispatcher
from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.alerting.dispatch.notification_log import NotificationAttempt, NotificationLog, Outcome
from itops.alerting.notifiers.base import NotifyError
from itops.common.yaml_config import ConfigError, FieldProblem, load_text

from tests.virtual_time import EPOCH, run_virtual

FIRING, RESOLVED = AlertState.FIRING, AlertState.RESOLVED
MINUTE, HOUR = 60.0, 3600.0


class RecordingNotifier:
    """A real channel stand-in: records when (loop time) it was sent what; fails as told (a list of errors,
    then success), each attempt taking ``delay_s``."""

    def __init__(self, failures: list[NotifyError] | None = None, delay_s: float = 0.0):
        self.calls: list[tuple[float, str, list[tuple[str, AlertState]]]] = []
        self.failures = list(failures or [])
        self.delay_s = delay_s

    async def notify(self, alerts, context):
        await asyncio.sleep(self.delay_s)
        if self.failures:
            raise self.failures.pop(0)
        self.calls.append((asyncio.get_running_loop().time(), context.status, [(a.labels["host"], a.state) for a in alerts]))


def alert(host: str, state: AlertState = FIRING, flapping: bool = False, **labels: str) -> Alert:
    labels = {"alertname": "HostDown", "severity": "P2", "host": host, **labels}
    return Alert("host_down", labels, {}, Severity(labels["severity"]), state, flapping=flapping)


def config(text: str) -> DispatchConfig:
    return load_text(text, DispatchConfig)


SIMPLE = config("""
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
retry: {initial_backoff: 1s, max_backoff: 1m, max_attempts: 3}
""")


def run(dispatch_config: DispatchConfig, receivers: dict, scenario, log: NotificationLog | None = None) -> NotificationLog:
    """Run ``scenario(dispatcher, at)`` on virtual time from 0; ``await at(t)`` sleeps until loop time t."""
    async def main():
        loop = asyncio.get_running_loop()
        dispatcher = Dispatcher(dispatch_config, receivers, log, wall_clock=loop.wall_clock)
        await dispatcher.start()
        try:
            await scenario(dispatcher, lambda t: asyncio.sleep(t - loop.time()))
        finally:
            await dispatcher.stop()
        return log
    log = log if log is not None else NotificationLog()
    return run_virtual(main())


def test_alerts_arriving_within_group_wait_are_sent_as_one_notification_at_its_end():
    ops = RecordingNotifier()

    async def scenario(dispatcher, at):
        dispatcher.ingest([alert("db-1")])
        await at(10)
        dispatcher.ingest([alert("db-2")])
        await at(HOUR)
    run(SIMPLE, {"ops": [ops]}, scenario)
    assert ops.calls == [(30.0, "firing", [("db-1", FIRING), ("db-2", FIRING)])]


def test_nothing_is_sent_before_group_wait():
    ops = RecordingNotifier()

    async def scenario(dispatcher, at):
        dispatcher.ingest([alert("db-1")])
        await at(29.9)
        assert ops.calls == []
        await at(30.1)
    run(SIMPLE, {"ops": [ops]}, scenario)
    assert [when for when, *_ in ops.calls] == [30.0]


def test_resolved_is_notified_once_at_the_next_group_interval():
    ops = RecordingNotifier()

    async def scenario(dispatcher, at):
        dispatcher.ingest([alert("db-1")])
        await at(MINUTE)
        dispatcher.ingest([alert("db-1", RESOLVED)])
        await at(HOUR)
    run(SIMPLE, {"ops": [ops]}, scenario)
    assert ops.calls == [(30.0, "firing", [("db-1", FIRING)]), (330.0, "resolved", [("db-1", RESOLVED)])]


def test_alert_resolved_before_it_was_told_is_dropped_quietly():
    ops = RecordingNotifier()

    async def scenario(dispatcher, at):
        dispatcher.ingest([alert("db-1")])
        dispatcher.ingest([alert("db-1", RESOLVED)])
        await at(HOUR)
    run(SIMPLE, {"ops": [ops]}, scenario)
    assert ops.calls == []


def test_firing_group_is_repeated_at_the_first_group_interval_after_repeat_interval():
    ops = RecordingNotifier()
    repeating = config("route: {receiver: ops, group_wait: 10s, group_interval: 1m, repeat_interval: 10m}")

    async def scenario(dispatcher, at):
        dispatcher.ingest([alert("db-1")])
        await at(35 * MINUTE)
    run(repeating, {"ops": [ops]}, scenario)
    assert [when for when, *_ in ops.calls] == [10.0, 610.0, 1210.0, 1810.0]


def test_a_repeat_carries_the_current_annotations_and_a_new_text_alone_sends_nothing():
    texts = []

    class TextNotifier(RecordingNotifier):
        async def notify(self, alerts, context):
            texts.append((asyncio.get_running_loop().time(), [a.annotations["summary"] for a in alerts]))

    repeating = config("route: {receiver: ops, group_wait: 10s, group_interval: 1m, repeat_interval: 10m}")

    async def scenario(dispatcher, at):
        first = alert("db-1")
        first.annotations = {"summary": "disk 91% full"}
        dispatcher.ingest([first])
        await at(5 * MINUTE)
        later = alert("db-1")
        later.annotations = {"summary": "disk 97% full"}
        dispatcher.refresh([later, alert("never-ingested")])
        await at(11 * MINUTE)
    run(repeating, {"ops": [TextNotifier()]}, scenario)
    assert texts == [(10.0, ["disk 91% full"]), (610.0, ["disk 97% full"])]


def test_unchanged_group_is_not_resent_before_repeat_interval():
    ops = RecordingNotifier()

    async def scenario(dispatcher, at):
        dispatcher.ingest([alert("db-1")])
        await at(MINUTE)
        dispatcher.ingest([alert("db-1")])  # the evaluator repeats itself; nothing new
        await at(4 * HOUR)
    run(SIMPLE, {"ops": [ops]}, scenario)
    assert [when for when, *_ in ops.calls] == [30.0]


def test_firing_told_before_a_restart_is_repeated_from_when_the_log_says_it_was_sent():
    """The notification log dates the last send with the wall clock; three hours before this dispatcher
    starts, so the 4 h repeat falls due one hour in, at the group interval that follows."""
    ops, log = RecordingNotifier(), NotificationLog()
    log.record(NotificationAttempt(EPOCH - timedelta(hours=3), "ops", "RecordingNotifier[0]", "0:ops:{alertname='HostDown'}",
                                   (alert("db-1").fingerprint,), "firing", Outcome.SENT, "", 1))

    async def scenario(dispatcher, at):
        dispatcher.ingest([alert("db-1")])
        await at(2 * HOUR)
    run(SIMPLE, {"ops": [ops]}, scenario, log)
    assert [when for when, *_ in ops.calls] == [30.0 + 12 * 300.0]


def test_flapping_alert_is_notified_once():
    ops = RecordingNotifier()

    async def scenario(dispatcher, at):
        for step, state in enumerate((FIRING, RESOLVED, FIRING, RESOLVED, FIRING)):
            dispatcher.ingest([alert("db-1", state, flapping=True)])
            await at((step + 1) * 2 * MINUTE)
    run(config("route: {receiver: ops, group_wait: 10s, group_interval: 1m, repeat_interval: 1m}"),
        {"ops": [ops]}, scenario)
    assert ops.calls == [(10.0, "firing", [("db-1", FIRING)])]


MANY_ROUTES = config("""
route:
  receiver: ops
  group_wait: 10s
  routes:
    - matchers: ['severity="P1"']
      receiver: oncall_phone
      continue: true
    - matchers: ['severity="P1"']
      receiver: oncall_email
    - matchers: ['device_type="printer"']
      receiver: office_admin
    - matchers: ['device=~".+"']
      receiver: ops
      receiver_label: responsible_person
""")


def test_routing_by_severity_continue_printer_and_responsible_person():
    notifiers = {name: RecordingNotifier() for name in ("ops", "oncall_phone", "oncall_email", "office_admin", "zhang")}

    async def scenario(dispatcher, at):
        dispatcher.ingest([
            alert("db-1", severity="P1"),
            alert("pr-3", device="pr-3", device_type="printer"),
            alert("sw-1", device="sw-1", responsible_person="zhang"),
            alert("sw-2", device="sw-2", responsible_person="nobody-configured"),
            alert("web-1"),
        ])
        await at(MINUTE)
    run(MANY_ROUTES, {name: [n] for name, n in notifiers.items()}, scenario)
    told = {name: sorted(host for _, _, hosts in n.calls for host, _ in hosts) for name, n in notifiers.items()}
    assert told == {"oncall_phone": ["db-1"], "oncall_email": ["db-1"], "office_admin": ["pr-3"], "zhang": ["sw-1"],
                    "ops": ["sw-2", "web-1"]}


def test_retryable_failure_is_retried_with_doubling_backoff_and_every_attempt_logged():
    flaky = RecordingNotifier([NotifyError("503", retryable=True), NotifyError("503", retryable=True)])

    async def scenario(dispatcher, at):
        dispatcher.ingest([alert("db-1")])
        await at(MINUTE)
    log = run(SIMPLE, {"ops": [flaky]}, scenario)
    attempts = list(reversed(log.query()))
    assert [(a.at - EPOCH, a.attempt, a.outcome, a.error) for a in attempts] == [
        (timedelta(seconds=30), 1, Outcome.RETRYING, "NotifyError: 503"),
        (timedelta(seconds=31), 2, Outcome.RETRYING, "NotifyError: 503"),
        (timedelta(seconds=33), 3, Outcome.SENT, "")]
    assert len(flaky.calls) == 1


def test_permanent_failure_is_not_retried():
    broken = RecordingNotifier([NotifyError("bad token", retryable=False)])

    async def scenario(dispatcher, at):
        dispatcher.ingest([alert("db-1")])
        await at(4 * MINUTE)  # before the next group interval tries the group again
    log = run(SIMPLE, {"ops": [broken]}, scenario)
    assert [(a.attempt, a.outcome, a.error) for a in log.query()] == [(1, Outcome.FAILED, "NotifyError: bad token")]


def test_channel_that_is_down_does_not_delay_another():
    hanging = RecordingNotifier([NotifyError("timeout", retryable=True)], delay_s=5 * MINUTE)
    email = RecordingNotifier()

    async def scenario(dispatcher, at):
        dispatcher.ingest([alert("db-1")])
        await at(2 * MINUTE)  # the hanging channel's first attempt ends at 330 s
    log = run(SIMPLE, {"ops": [hanging, email]}, scenario)
    assert email.calls == [(30.0, "firing", [("db-1", FIRING)])]
    assert [(a.integration, a.at - EPOCH) for a in log.query()] == [("RecordingNotifier[1]", timedelta(seconds=30))]


def test_muted_alert_is_not_told_but_its_resolution_is_when_it_was_told_firing():
    ops = RecordingNotifier()

    async def scenario(dispatcher, at):
        dispatcher.ingest([alert("db-1")])
        muted = alert("db-2")
        muted.muted_by = ["silence 1234 by wang: swap"]
        dispatcher.ingest([muted])
        await at(MINUTE)
        resolved = alert("db-1", RESOLVED)
        resolved.muted_by = ["maintenance w until …"]
        dispatcher.ingest([resolved])
        await at(HOUR)
    run(SIMPLE, {"ops": [ops]}, scenario)
    assert ops.calls == [(30.0, "firing", [("db-1", FIRING)]), (330.0, "resolved", [("db-1", RESOLVED)])]


def test_route_naming_an_unknown_receiver_is_refused():
    with pytest.raises(FieldProblem, match="route.routes\\[0\\].receiver: no receiver named 'pager'; configured: ops"):
        Dispatcher(config("route: {receiver: ops, routes: [{receiver: pager}]}"), {"ops": []}, NotificationLog(),
                   wall_clock=lambda: EPOCH)


def test_bad_route_config_names_file_line_and_field():
    with pytest.raises(ConfigError, match=r"<config>:3: route.group_wait: expected a duration"):
        config("route:\n  receiver: ops\n  group_wait: soon\n")
