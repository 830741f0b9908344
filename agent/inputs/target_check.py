"""The base of inputs that check each of their targets on its own (a port, a URL, a host, a file, a clock).

The base owns the loop: it probes each target, ``parallel_targets`` at a time in worker threads, times the
probe, and reports one check per target, named after the input, with ``report_check``. A probe that raises
one of the input's ``failures`` gives the verdict ``describe_failure`` says; a probe that returns gives the
samples and verdict of ``judge``. Any other exception ends the gather for the runner to count, as for every
input. An input says only what is its own: its targets, how to probe one and what the outcome means.
"""

from __future__ import annotations

import abc
import concurrent.futures
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from itops.agent.checks import CheckStatus, MessagePart, report_check
from itops.agent.inputs.base import Accumulator, ConfigT, Input

__all__ = ["TargetCheck", "Verdict"]

TargetT = TypeVar("TargetT")
ProbedT = TypeVar("ProbedT")
Verdict = tuple[CheckStatus, MessagePart | Sequence[MessagePart]]


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What probing one target gave: what the probe returned or the failure it raised, and how long it took."""

    probed: object
    failure: Exception | None
    duration_s: float


class TargetCheck(Input[ConfigT], Generic[ConfigT, TargetT, ProbedT]):
    """``failures``: the exceptions a probe raises when the target is down or unreadable, which
    ``describe_failure`` turns into a verdict. ``parallel_targets``: how many targets are probed at once."""

    failures: ClassVar[tuple[type[Exception], ...]] = ()
    parallel_targets: ClassVar[int] = 1

    @abc.abstractmethod
    def targets(self) -> Sequence[TargetT]:
        """The configured targets, in the order their checks are reported."""

    def target_name(self, target: TargetT) -> str:
        """The check's ``target``."""
        return str(target)

    def check_labels(self, target: TargetT) -> dict[str, str]:
        """Labels of the check besides ``check`` and ``target``."""
        return {}

    @abc.abstractmethod
    def probe(self, target: TargetT) -> ProbedT:
        """Look at one target (in a worker thread when ``parallel_targets`` > 1); adds nothing to the gather."""

    def describe_failure(self, failure: Exception) -> Verdict:
        """The verdict on a target whose probe raised one of ``failures``."""
        raise failure

    @abc.abstractmethod
    def judge(self, acc: Accumulator, target: TargetT, probed: ProbedT, duration_s: float) -> Verdict:
        """The samples (added to ``acc``) and the verdict of a probe that returned ``probed``."""

    def gather(self, acc: Accumulator) -> None:
        targets = self.targets()
        workers = min(len(targets), self.parallel_targets)
        if workers <= 1:
            self._report_each(acc, targets, map(self._probe, targets))
            return
        with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix=self.name) as executor:
            self._report_each(acc, targets, executor.map(self._probe, targets))

    def _probe(self, target: TargetT) -> _Outcome:
        started = time.monotonic()
        try:
            probed = self.probe(target)
        except self.failures as failure:
            return _Outcome(None, failure, time.monotonic() - started)
        return _Outcome(probed, None, time.monotonic() - started)

    def _report_each(self, acc: Accumulator, targets: Sequence[TargetT], outcomes: Iterable[_Outcome]) -> None:
        """Each target's check as soon as its probe is done, in the targets' order."""
        for target, outcome in zip(targets, outcomes):
            if outcome.failure is not None:
                status, message = self.describe_failure(outcome.failure)
            else:
                status, message = self.judge(acc, target, outcome.probed, outcome.duration_s)
            report_check(acc, self.name, self.target_name(target), status, message, outcome.duration_s,
                         self.check_labels(target))
