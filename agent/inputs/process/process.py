"""The ``process`` input: count the processes matching each rule, from one psutil scan per gather."""

from __future__ import annotations

import re
from types import ModuleType

import psutil

from itops.agent.checks import CheckMessage, CheckStatus, MessagePart, report_check
from itops.agent.inputs.base import Accumulator, Input
from itops.agent.inputs.process.config import ProcessConfig, ProcessRule
from itops.common.clock import EpochClock, epoch_now

__all__ = ["ProcessInput"]

NOT_RUNNING = CheckMessage("process.not_running", "not running: no matching process")
TOO_FEW = CheckMessage("process.too_few", "{count} running, expected at least {min_count}")
TOO_MANY = CheckMessage("process.too_many", "{count} running, expected at most {max_count}")
RUNNING = CheckMessage("process.running", "{count} running")


class ProcessInput(Input[ProcessConfig]):
    """``system`` is the psutil module, or a stand-in for it in tests."""

    def __init__(self, config: ProcessConfig, clock: EpochClock = epoch_now, system: ModuleType = psutil):
        super().__init__(config, clock)
        self.system = system
        self._cmdline_patterns = [re.compile(rule.cmdline) if rule.cmdline is not None else None for rule in config.processes]

    def gather(self, acc: Accumulator) -> None:
        wants_cmdline = any(self._cmdline_patterns)
        running = [
            (process.info["name"] or "", " ".join(process.info["cmdline"] or ()) if wants_cmdline else "")
            for process in self.system.process_iter(["name", "cmdline"] if wants_cmdline else ["name"])
        ]
        for rule, pattern in zip(self.config.processes, self._cmdline_patterns):
            count = sum(_matches(rule, pattern, name, cmdline) for name, cmdline in running)
            acc.add_sample("itops_process_count", count, {"target": rule.name})
            report_check(acc, self.name, rule.name, *_judge(rule, count))


def _matches(rule: ProcessRule, pattern: re.Pattern | None, name: str, cmdline: str) -> bool:
    if rule.process_name is not None and name != rule.process_name:
        return False
    return pattern is None or pattern.search(cmdline) is not None


def _judge(rule: ProcessRule, count: int) -> tuple[CheckStatus, MessagePart]:
    if count == 0 and rule.min_count > 0:
        return CheckStatus.CRITICAL, NOT_RUNNING()
    if count < rule.min_count:
        return CheckStatus.CRITICAL, TOO_FEW(count=count, min_count=rule.min_count)
    if rule.max_count is not None and count > rule.max_count:
        return CheckStatus.WARNING, TOO_MANY(count=count, max_count=rule.max_count)
    return CheckStatus.OK, RUNNING(count=count)
