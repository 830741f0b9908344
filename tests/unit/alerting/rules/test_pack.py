"""The shipped rule pack: every rule is tested, has its runbook (read as the installed package ships it) in
both languages, and passes the engine's own ``itops rules check`` and ``itops rules test``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from itops.alerting.rules.loader import load_rules
from itops.alerting.dispatch.runbooks import SECTION_HEADINGS, NoSuchRunbook, runbook_names, runbook_section, runbook_text
from itops.alerting.rules.rule_tests import RuleTestFile, main
from itops.common.yaml_config import load_file

REPO = Path(__file__).resolve().parents[4]
RULES_DIR = REPO / "alerting" / "rules" / "pack"
RULE_TESTS_DIR = RULES_DIR / "tests"
RUNBOOKS_DIR = REPO / "runbooks"
REQUIRED_ANNOTATIONS = ("summary", "summary_zh", "description", "description_zh", "runbook")


@pytest.fixture(scope="module")
def rules():
    return load_rules([RULES_DIR])


def _rule_test_files() -> list[Path]:
    return sorted(RULE_TESTS_DIR.glob("*.yaml"))


def _expectations() -> list:
    return [test for path in _rule_test_files() for case in load_file(path, RuleTestFile).tests
            for test in case.alert_rule_test]


def test_every_rule_has_a_firing_unit_test(rules):
    firing = {test.alertname for test in _expectations() if test.exp_alerts}
    assert sorted(rule.name for rule in rules if rule.name not in firing) == []


def test_every_rule_has_a_not_firing_unit_test(rules):
    quiet = {test.alertname for test in _expectations() if not test.exp_alerts}
    assert sorted(rule.name for rule in rules if rule.name not in quiet) == []


def test_rule_unit_tests_name_only_existing_rules(rules):
    names = {rule.name for rule in rules}
    assert sorted({test.alertname for test in _expectations()} - names) == []


def test_every_rule_names_a_runbook(rules):
    assert sorted(rule.name for rule in rules if "runbook" not in rule.annotations) == []


def test_every_runbook_a_rule_names_exists(rules):
    shipped = set(runbook_names())
    named = {rule.name: rule.annotations["runbook"].source for rule in rules if "runbook" in rule.annotations}
    assert sorted(f"{rule}: {runbook}" for rule, runbook in named.items() if runbook not in shipped) == []


def test_every_runbook_has_a_rule_naming_it(rules):
    named = {rule.annotations["runbook"].source for rule in rules if "runbook" in rule.annotations}
    assert sorted(set(runbook_names()) - named) == []


def test_the_package_ships_every_runbook_of_the_folder():
    on_disk = {path.stem for path in RUNBOOKS_DIR.glob("*.md") if path.name != "README.md"}
    assert set(runbook_names()) == on_disk
    assert all(runbook_text(name) == (RUNBOOKS_DIR / f"{name}.md").read_text(encoding="utf-8") for name in on_disk)


@pytest.mark.parametrize("language", sorted(SECTION_HEADINGS))
def test_every_runbook_has_a_section_in_each_language(language):
    problems = []
    for name in runbook_names():
        try:
            if not runbook_section(name, language).strip():
                problems.append(f"runbooks/{name}.md: {SECTION_HEADINGS[language]!r} is empty")
        except NoSuchRunbook as exc:
            problems.append(str(exc))
    assert problems == []


def test_every_runbook_is_listed_in_the_index_with_its_rules_summary(rules):
    index = (RUNBOOKS_DIR / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| \[([A-Za-z0-9]+)\]\(\1\.md\) \|.* \| (.*) \|$", index, re.M))
    assert sorted(set(runbook_names()) ^ set(rows)) == []
    stale = [f"{rule.name}: {rows[rule.name]!r}, the rule says {rule.annotations['summary'].source!r}" for rule in rules
             if rows.get(rule.name, "").replace("\\|", "|") != rule.annotations["summary"].source]
    assert stale == []


def test_every_rule_has_summaries_descriptions_and_its_own_runbook(rules):
    problems = [f"{rule.name}: {key}" for rule in rules for key in REQUIRED_ANNOTATIONS if key not in rule.annotations]
    problems += [f"{rule.name}: runbook {rule.annotations['runbook'].source}" for rule in rules
                 if "runbook" in rule.annotations and rule.annotations["runbook"].source != rule.name]
    assert problems == []


def test_the_pack_passes_rules_check(capsys):
    assert main(["check", str(RULES_DIR)]) == 0, capsys.readouterr().out


def test_all_rule_unit_tests_pass(capsys):
    assert main(["test", *map(str, _rule_test_files())]) == 0, capsys.readouterr().out
