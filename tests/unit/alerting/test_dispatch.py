"""Dispatcher behaviour with real asyncio timing at short intervals (tens of milliseconds)."""

import asyncio
import itertools
import time

import pytest
from itops.alerting.dispatch import DispatchConfig, Dispatcher
from itops.alerting.model import Alert, AlertState, Severity
from itops.alerting.notification_log import NotificationLog, Outcome
from itops.alerting.notifiers import NotifyError
from itops.clock import utc_now
from itops.yamlconf import ConfigError, FieldProblem, load_text

FIRING, RESOLVED = AlertState.FIRING, AlertState.RESOLVED


class RecordingNotifier:
    """A real channel stand-in: records what it was sent; fails as told (a list of errors, then success)."""

    def __init__(self, failures: list[NotifyError] | None = None, delay_s: float = 0.0):
        self.calls: list[tuple[float, str, list[tuple[str, AlertState]]]] = []
        self.failures = list(failures or [])
        self.delay_s = delay_s

    async def notify(self, alerts, context):
        await asyncio.sleep(self.delay_s)
        if self.failures:
            raise self.failures.pop(0)
        self.calls.append((time.monotonic(), context.status, [(a.labels["host"], a.state) for a in alerts]))


def alert(host: str, state: AlertState = FIRING, flapping: bool = False, **labels: str) -> Alert:
    labels = {"alertname": "HostDown", "severity": "P2", "host": host, **labels}
    return Alert("host_down", labels, {}, Severity(labels["severity"]), state, flapping=flapping)


def config(text: str) -> DispatchConfig:
    return load_text(text, DispatchConfig)


SIMPLE = config("""
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 50ms
  group_interval: 100ms
  repeat_interval: 1h
retry: {initial_backoff: 20ms, max_backoff: 1s, max_attempts: 3}
""")


def run(dispatch_config: DispatchConfig, receivers: dict, scenario) -> NotificationLog:
    async def main():
        log = NotificationLog()
        dispatcher = Dispatcher(dispatch_config, receivers, log, wall_clock=utc_now)
        await dispatcher.start()
        try:
            await scenario(dispatcher)
        finally:
            await dispatcher.stop()
        return log
    return asyncio.run(main())


def test_alerts_arriving_within_group_wait_are_sent_as_one_notification():
    ops = RecordingNotifier()

    async def scenario(dispatcher):
        dispatcher.ingest([alert("db-1")])
        await asyncio.sleep(0.01)
        dispatcher.ingest([alert("db-2")])
        await asyncio.sleep(0.12)
    run(SIMPLE, {"ops": [ops]}, scenario)
    assert [(status, hosts) for _, status, hosts in ops.calls] == [("firing", [("db-1", FIRING), ("db-2", FIRING)])]


def test_nothing_is_sent_before_group_wait():
    ops = RecordingNotifier()

    async def scenario(dispatcher):
        dispatcher.ingest([alert("db-1")])
        await asyncio.sleep(0.02)
        assert ops.calls == []
        await asyncio.sleep(0.06)
    run(SIMPLE, {"ops": [ops]}, scenario)
    assert len(ops.calls) == 1


def test_resolved_is_notified_once_after_firing():
    ops = RecordingNotifier()

    async def scenario(dispatcher):
        dispatcher.ingest([alert("db-1")])
        await asyncio.sleep(0.08)
        dispatcher.ingest([alert("db-1", RESOLVED)])
        await asyncio.sleep(0.35)
    run(SIMPLE, {"ops": [ops]}, scenario)
    assert [(status, hosts) for _, status, hosts in ops.calls] == [
        ("firing", [("db-1", FIRING)]), ("resolved", [("db-1", RESOLVED)])]


def test_alert_resolved_before_it_was_told_is_dropped_quietly():
    ops = RecordingNotifier()

    async def scenario(dispatcher):
        dispatcher.ingest([alert("db-1")])
        dispatcher.ingest([alert("db-1", RESOLVED)])
        await asyncio.sleep(0.2)
    run(SIMPLE, {"ops": [ops]}, scenario)
    assert ops.calls == []


def test_firing_group_is_repeated_after_repeat_interval():
    ops = RecordingNotifier()
    repeating = config("route: {receiver: ops, group_wait: 10ms, group_interval: 50ms, repeat_interval: 100ms}")

    async def scenario(dispatcher):
        dispatcher.ingest([alert("db-1")])
        await asyncio.sleep(0.36)
    run(repeating, {"ops": [ops]}, scenario)
    gaps = [later - earlier for (earlier, *_), (later, *_) in itertools.pairwise(ops.calls)]
    assert len(ops.calls) in (3, 4)
    assert all(0.09 <= gap <= 0.2 for gap in gaps)


def test_unchanged_group_is_not_resent_before_repeat_interval():
    ops = RecordingNotifier()

    async def scenario(dispatcher):
        dispatcher.ingest([alert("db-1")])
        await asyncio.sleep(0.08)
        dispatcher.ingest([alert("db-1")])  # the evaluator repeats itself; nothing new
        await asyncio.sleep(0.3)
    run(SIMPLE, {"ops": [ops]}, scenario)
    assert len(ops.calls) == 1


def test_flapping_alert_is_notified_once():
    ops = RecordingNotifier()

    async def scenario(dispatcher):
        for state in (FIRING, RESOLVED, FIRING, RESOLVED, FIRING):
            dispatcher.ingest([alert("db-1", state, flapping=True)])
            await asyncio.sleep(0.11)
    run(config("route: {receiver: ops, group_wait: 10ms, group_interval: 50ms, repeat_interval: 50ms}"),
        {"ops": [ops]}, scenario)
    assert [hosts for _, _, hosts in ops.calls] == [[("db-1", FIRING)]]


MANY_ROUTES = config("""
route:
  receiver: ops
  group_wait: 10ms
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

    async def scenario(dispatcher):
        dispatcher.ingest([
            alert("db-1", severity="P1"),
            alert("pr-3", device="pr-3", device_type="printer"),
            alert("sw-1", device="sw-1", responsible_person="zhang"),
            alert("sw-2", device="sw-2", responsible_person="nobody-configured"),
            alert("web-1"),
        ])
        await asyncio.sleep(0.1)
    run(MANY_ROUTES, {name: [n] for name, n in notifiers.items()}, scenario)
    told = {name: sorted(host for _, _, hosts in n.calls for host, _ in hosts) for name, n in notifiers.items()}
    assert told == {"oncall_phone": ["db-1"], "oncall_email": ["db-1"], "office_admin": ["pr-3"], "zhang": ["sw-1"],
                    "ops": ["sw-2", "web-1"]}


def test_retryable_failure_is_retried_with_doubling_backoff_and_every_attempt_logged():
    flaky = RecordingNotifier([NotifyError("503", retryable=True), NotifyError("503", retryable=True)])

    async def scenario(dispatcher):
        dispatcher.ingest([alert("db-1")])
        await asyncio.sleep(0.2)
    log = run(SIMPLE, {"ops": [flaky]}, scenario)
    attempts = list(reversed(log.query()))
    assert [(a.attempt, a.outcome, a.error) for a in attempts] == [
        (1, Outcome.RETRYING, "NotifyError: 503"), (2, Outcome.RETRYING, "NotifyError: 503"), (3, Outcome.SENT, "")]
    first_gap, second_gap = ((b.at - a.at).total_seconds() for a, b in itertools.pairwise(attempts))
    assert 0.02 <= first_gap < second_gap and second_gap >= 0.04
    assert len(flaky.calls) == 1


def test_permanent_failure_is_not_retried():
    broken = RecordingNotifier([NotifyError("bad token", retryable=False)])

    async def scenario(dispatcher):
        dispatcher.ingest([alert("db-1")])
        await asyncio.sleep(0.09)
    log = run(SIMPLE, {"ops": [broken]}, scenario)
    assert [(a.attempt, a.outcome, a.error) for a in log.query()] == [(1, Outcome.FAILED, "NotifyError: bad token")]


def test_channel_that_is_down_does_not_delay_another():
    hanging = RecordingNotifier([NotifyError("timeout", retryable=True)] * 3, delay_s=0.3)
    email = RecordingNotifier()

    async def scenario(dispatcher):
        started = time.monotonic()
        dispatcher.ingest([alert("db-1")])
        await asyncio.sleep(0.1)
        assert [hosts for _, _, hosts in email.calls] == [[("db-1", FIRING)]]
        assert email.calls[0][0] - started < 0.09
    run(SIMPLE, {"ops": [hanging, email]}, scenario)


def test_muted_alert_is_not_told_but_its_resolution_is_when_it_was_told_firing():
    ops = RecordingNotifier()

    async def scenario(dispatcher):
        dispatcher.ingest([alert("db-1")])
        muted = alert("db-2")
        muted.muted_by = ["silence 1234 by wang: swap"]
        dispatcher.ingest([muted])
        await asyncio.sleep(0.08)
        resolved = alert("db-1", RESOLVED)
        resolved.muted_by = ["maintenance w until …"]
        dispatcher.ingest([resolved])
        await asyncio.sleep(0.15)
    run(SIMPLE, {"ops": [ops]}, scenario)
    assert [hosts for _, _, hosts in ops.calls] == [[("db-1", FIRING)], [("db-1", RESOLVED)]]


def test_route_naming_an_unknown_receiver_is_refused():
    with pytest.raises(FieldProblem, match="route.routes\\[0\\].receiver: no receiver named 'pager'; configured: ops"):
        Dispatcher(config("route: {receiver: ops, routes: [{receiver: pager}]}"), {"ops": []}, NotificationLog(),
                   wall_clock=utc_now)


def test_bad_route_config_names_file_line_and_field():
    with pytest.raises(ConfigError, match=r"<config>:3: route.group_wait: expected a duration"):
        config("route:\n  receiver: ops\n  group_wait: soon\n")
