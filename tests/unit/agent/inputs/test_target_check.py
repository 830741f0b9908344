"""The per-target check loop: one check per target in the targets' order, failures as verdicts, timing,
probing several targets at once."""

from __future__ import annotations

import threading
import time

import pytest

from itops.agent.batcher import GatherResult
from itops.agent.checks import CheckMessage, CheckStatus
from itops.agent.inputs.base import InputConfig
from itops.agent.inputs.target_check import TargetCheck, Verdict

STATUS_NAMES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"]
TEST_MESSAGES = {}
ANSWERED = CheckMessage("probe.answered", "answered {answer}", TEST_MESSAGES)
DOWN = CheckMessage("probe.down", "down: {error}", TEST_MESSAGES)


class ProbeConfig(InputConfig, tag="probe"):
    targets: list[str]


class TargetDown(Exception):
    pass


class ProbeInput(TargetCheck[ProbeConfig, str, str]):
    """Probes by calling ``probes[target]()``; a ``TargetDown`` is the target's CRITICAL check."""

    name = "probe"
    failures = (TargetDown,)

    def __init__(self, probes: dict, parallel_targets: int = 1):
        super().__init__(ProbeConfig(targets=list(probes)))
        self.probes = probes
        self.parallel_targets = parallel_targets

    def targets(self) -> list[str]:
        return self.config.targets

    def check_labels(self, target: str) -> dict[str, str]:
        return {"site": "hq"}

    def probe(self, target: str) -> str:
        return self.probes[target]()

    def describe_failure(self, failure: TargetDown) -> Verdict:
        return CheckStatus.CRITICAL, DOWN(error=failure)

    def judge(self, acc, target: str, answer: str, duration_s: float) -> Verdict:
        acc.add_sample("itops_probe_answer_length", len(answer), {"target": target})
        return CheckStatus.OK, ANSWERED(answer=answer)


def gather(input_: ProbeInput) -> GatherResult:
    acc = GatherResult({})
    input_.gather(acc)
    return acc


def checks(acc: GatherResult) -> list[tuple[str, str, str, str]]:
    return [(result.check, result.target, STATUS_NAMES[result.status], result.message) for result in acc.checks]


def answer(text: str):
    return lambda: text


def down(reason: str):
    def probe():
        raise TargetDown(reason)
    return probe


def test_each_target_is_one_check_named_after_the_input_with_its_samples():
    acc = gather(ProbeInput({"a": answer("yes"), "b": answer("no")}))
    assert checks(acc) == [("probe", "a", "OK", "answered yes"), ("probe", "b", "OK", "answered no")]
    assert [(name, labels["target"], value) for name, labels, value, _ in acc.samples
            if name == "itops_probe_answer_length"] == [("itops_probe_answer_length", "a", 3.0), ("itops_probe_answer_length", "b", 2.0)]
    assert {(label.name, label.value) for label in acc.checks[0].labels} == {("site", "hq")}


def test_a_failure_the_input_names_is_the_verdict_of_its_target_only():
    acc = gather(ProbeInput({"a": down("refused"), "b": answer("yes")}))
    assert checks(acc) == [("probe", "a", "CRITICAL", "down: refused"), ("probe", "b", "OK", "answered yes")]
    assert [labels["target"] for name, labels, _, _ in acc.samples if name == "itops_probe_answer_length"] == ["b"]


def test_an_exception_the_input_does_not_name_fails_the_gather_for_the_runner():
    def broken():
        raise KeyError("bug")
    with pytest.raises(KeyError):
        gather(ProbeInput({"a": answer("yes"), "b": broken}))


def test_the_check_takes_as_long_as_its_probe_even_when_it_fails():
    def slow_timeout():
        time.sleep(0.05)
        raise TargetDown("timed out")
    acc = gather(ProbeInput({"slow": slow_timeout}))
    (result,) = acc.checks
    assert (STATUS_NAMES[result.status], result.message) == ("CRITICAL", "down: timed out")
    assert 0.05 <= result.duration_seconds < 1
    status_series = {labels["status"]: value for name, labels, value, _ in acc.samples if name == "itops_check_status"}
    assert status_series == {"ok": 0.0, "warning": 0.0, "critical": 1.0, "unknown": 0.0}


def test_one_at_a_time_each_check_is_reported_before_the_next_target_is_probed():
    acc = GatherResult({})
    reported_before = []

    def probe_counting_checks():
        reported_before.append(len(acc.checks))
        return "yes"
    ProbeInput({"a": probe_counting_checks, "b": probe_counting_checks, "c": probe_counting_checks}).gather(acc)
    assert reported_before == [0, 1, 2]


def test_several_targets_are_probed_at_once_and_reported_in_their_order():
    all_probing = threading.Barrier(3, timeout=5)  # broken, and the gather failed, unless three probes wait together
    finished = []

    def probe_together(name: str, delay_s: float):
        def probe():
            all_probing.wait()
            time.sleep(delay_s)
            finished.append(name)
            return name
        return probe
    probes = {"first": probe_together("first", 0.1), "second": probe_together("second", 0.05),
              "third": probe_together("third", 0)}
    acc = gather(ProbeInput(probes, parallel_targets=3))
    assert finished == ["third", "second", "first"]
    assert [target for _, target, _, _ in checks(acc)] == ["first", "second", "third"]


def test_no_more_targets_than_parallel_targets_are_probed_at_once():
    lock = threading.Lock()
    pairs = threading.Barrier(2, timeout=5)
    running, most_running = 0, 0

    def probe():
        nonlocal running, most_running
        with lock:
            running += 1
            most_running = max(most_running, running)
        pairs.wait()
        with lock:
            running -= 1
        return "yes"
    acc = gather(ProbeInput({f"t{number}": probe for number in range(6)}, parallel_targets=2))
    assert most_running == 2
    assert len(acc.checks) == 6
