"""The file_freshness input on real files whose modification times the tests set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from itops.agent.batcher import GatherResult
from itops.agent.inputs.file_freshness.config import FileFreshnessConfig
from itops.agent.inputs.file_freshness.file_freshness import FileFreshnessInput
from itops.common.yaml_config import ConfigError, load_text

STATUS_NAMES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"]
NOW = 1_740_000_000.0
HOUR = 3600


def backup(directory: Path, name: str, hours_old: float, size: int = 2048) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    os.utime(path, (NOW - hours_old * HOUR, NOW - hours_old * HOUR))
    return path


def gather(text: str) -> GatherResult:
    acc = GatherResult({})
    FileFreshnessInput(load_text(text, FileFreshnessConfig, "agent.yaml"), clock=lambda: NOW).gather(acc)
    return acc


def erp_rule(directory: Path, extra: str = "") -> str:
    return f"type: file_freshness\nfiles:\n  - {{name: ERP database backup, path: '{directory}/erp-*.sql.gz', max_age: 26h{extra}}}\n"


def results(acc: GatherResult) -> list[tuple[str, str, str]]:
    return [(result.target, STATUS_NAMES[result.status], result.message) for result in acc.checks]


def samples(acc: GatherResult) -> dict[str, float]:
    return {name: value for name, _, value, _ in acc.samples if name.startswith("itops_file_")}


def test_recent_backup_is_ok_with_age_and_size_of_the_newest(tmp_path):
    backup(tmp_path, "erp-monday.sql.gz", 50, size=100)
    backup(tmp_path, "erp-tuesday.sql.gz", 2, size=3 * 2**20)
    acc = gather(erp_rule(tmp_path))
    assert results(acc) == [("ERP database backup", "OK", "last ERP database backup erp-tuesday.sql.gz modified 2.0 h ago, 3.0 MiB")]
    assert samples(acc) == {"itops_file_newest_age_seconds": 2.0 * HOUR, "itops_file_newest_size_bytes": 3 * 2**20}


def test_backup_older_than_max_age_is_critical(tmp_path):
    backup(tmp_path, "erp-monday.sql.gz", 27.5)
    acc = gather(erp_rule(tmp_path))
    assert results(acc) == [("ERP database backup", "CRITICAL",
                             "last ERP database backup older than 26 h: erp-monday.sql.gz modified 27.5 h ago")]
    assert samples(acc)["itops_file_newest_age_seconds"] == 27.5 * HOUR


def test_backup_smaller_than_min_size_is_critical(tmp_path):
    backup(tmp_path, "erp-tuesday.sql.gz", 1, size=512)
    assert results(gather(erp_rule(tmp_path, ", min_size: 1MiB"))) == [
        ("ERP database backup", "CRITICAL", "last ERP database backup smaller than 1.0 MiB: erp-tuesday.sql.gz is 512 B")]


def test_no_matching_file_is_critical(tmp_path):
    backup(tmp_path, "crm-tuesday.sql.gz", 1)
    acc = gather(erp_rule(tmp_path))
    assert results(acc) == [("ERP database backup", "CRITICAL", f"no file matches {tmp_path}/erp-*.sql.gz")]
    assert samples(acc) == {}


def test_missing_directory_is_critical(tmp_path):
    assert results(gather(erp_rule(tmp_path / "unmounted")))[0][1:] == ("CRITICAL", f"no file matches {tmp_path}/unmounted/erp-*.sql.gz")


def test_directories_matching_the_glob_are_not_files(tmp_path):
    backup(tmp_path, "erp-old.sql.gz", 40)
    (tmp_path / "erp-new.sql.gz").mkdir()
    assert samples(gather(erp_rule(tmp_path)))["itops_file_newest_age_seconds"] == 40 * HOUR


def test_double_star_searches_subdirectories(tmp_path):
    backup(tmp_path / "2025" / "02", "erp-19.sql.gz", 3)
    text = f"type: file_freshness\nfiles: [{{path: '{tmp_path}/**/erp-*.sql.gz', max_age: 1d}}]\n"
    assert results(gather(text)) == [(f"{tmp_path}/**/erp-*.sql.gz", "OK",
                                      f"last {tmp_path}/**/erp-*.sql.gz erp-19.sql.gz modified 3.0 h ago, 2.0 KiB")]


def test_missing_max_age_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"agent.yaml:2: files\[0\]: object missing required field `max_age`"):
        load_text("type: file_freshness\nfiles: [{path: /srv/backup/*}]\n", FileFreshnessConfig, "agent.yaml")
