"""The ``file_freshness`` input: age and size of the newest file matching each glob."""

from __future__ import annotations

import glob
import os
import stat
import time

from itops.agent.checks import CheckStatus, report_check
from itops.agent.inputs.base import Accumulator, Input
from itops.agent.inputs.file_freshness.config import FileFreshnessConfig, FreshnessRule

__all__ = ["FileFreshnessInput"]

CHECK = "file_freshness"


class FileFreshnessInput(Input[FileFreshnessConfig]):
    name = "file_freshness"
    config_model = FileFreshnessConfig

    def gather(self, acc: Accumulator) -> None:
        for rule in self.config.files:
            started = time.monotonic()
            status, message = self._check(acc, rule)
            report_check(acc, CHECK, rule.target, status, message, time.monotonic() - started)

    def _check(self, acc: Accumulator, rule: FreshnessRule) -> tuple[CheckStatus, str]:
        newest = _newest_file(rule.path)
        if newest is None:
            return CheckStatus.CRITICAL, f"no file matches {rule.path}"
        path, status = newest
        age_s = self.clock() - status.st_mtime
        labels = {"target": rule.target}
        acc.add_sample("itops_file_newest_age_seconds", age_s, labels)
        acc.add_sample("itops_file_newest_size_bytes", status.st_size, labels)
        name = os.path.basename(path)
        if age_s > rule.max_age:
            return (CheckStatus.CRITICAL,
                    f"last {rule.target} older than {rule.max_age / 3600:g} h: {name} modified {_hours(age_s)} ago")
        if status.st_size < rule.min_size:
            return (CheckStatus.CRITICAL,
                    f"last {rule.target} smaller than {_size(rule.min_size)}: {name} is {_size(status.st_size)}")
        return CheckStatus.OK, f"last {rule.target} {name} modified {_hours(age_s)} ago, {_size(status.st_size)}"

def _newest_file(pattern: str) -> tuple[str, os.stat_result] | None:
    """The most recently modified regular file matching ``pattern``; files deleted meanwhile are skipped."""
    newest = None
    for path in glob.iglob(pattern, recursive=True):
        try:
            status = os.stat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISREG(status.st_mode) and (newest is None or status.st_mtime > newest[1].st_mtime):
            newest = (path, status)
    return newest


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def _size(size_bytes: int) -> str:
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size_bytes >= factor:
            return f"{size_bytes / factor:.1f} {unit}"
    return f"{size_bytes} B"
