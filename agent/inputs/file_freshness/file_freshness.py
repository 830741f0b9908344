"""The ``file_freshness`` input: age and size of the newest file matching each glob."""

from __future__ import annotations

import glob
import os
import stat

from itops.agent.checks import CheckMessage, CheckStatus
from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.file_freshness.config import FileFreshnessConfig, FreshnessRule
from itops.agent.inputs.target_check import TargetCheck, Verdict

__all__ = ["FileFreshnessInput"]

NO_FILE = CheckMessage("file_freshness.no_file", "no file matches {pattern}")
TOO_OLD = CheckMessage("file_freshness.too_old",
                       "last {target} older than {max_age_h:g} h: {file} modified {age_h:.1f} h ago")
TOO_SMALL = CheckMessage("file_freshness.too_small",
                         "last {target} smaller than {min_size_text}: {file} is {size_text}")
FRESH = CheckMessage("file_freshness.fresh", "last {target} {file} modified {age_h:.1f} h ago, {size_text}")
NewestFile = tuple[str, os.stat_result]


class FileFreshnessInput(TargetCheck[FileFreshnessConfig, FreshnessRule, NewestFile | None]):
    def targets(self) -> list[FreshnessRule]:
        return self.config.files

    def target_name(self, rule: FreshnessRule) -> str:
        return rule.target

    def probe(self, rule: FreshnessRule) -> NewestFile | None:
        return _newest_file(rule.path)

    def judge(self, acc: Accumulator, rule: FreshnessRule, newest: NewestFile | None, duration_s: float) -> Verdict:
        if newest is None:
            return CheckStatus.CRITICAL, NO_FILE(pattern=rule.path)
        path, status = newest
        age_s = self.clock() - status.st_mtime
        labels = {"target": rule.target}
        acc.add_sample("itops_file_newest_age_seconds", age_s, labels)
        acc.add_sample("itops_file_newest_size_bytes", status.st_size, labels)
        name = os.path.basename(path)
        if age_s > rule.max_age:
            return CheckStatus.CRITICAL, TOO_OLD(target=rule.target, max_age_h=rule.max_age / 3600, file=name,
                                                 age_h=age_s / 3600)
        if status.st_size < rule.min_size:
            return CheckStatus.CRITICAL, TOO_SMALL(target=rule.target, min_size_text=_size(rule.min_size), file=name,
                                                   size_text=_size(status.st_size))
        return CheckStatus.OK, FRESH(target=rule.target, file=name, age_h=age_s / 3600, size_text=_size(status.st_size))


def _newest_file(pattern: str) -> NewestFile | None:
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


def _size(size_bytes: int) -> str:
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size_bytes >= factor:
            return f"{size_bytes / factor:.1f} {unit}"
    return f"{size_bytes} B"
