"""One zh-CN term per concept across the catalogues the console, notifications and reports share: acknowledging
is 响应 everywhere, 确认 is kept for the requester's sign-off, and the four severities follow one pattern."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from itops.alerting.dispatch import messages
from itops.alerting.incidents import escalation, model, policy
from itops.collector.reports import texts
from itops.collector.reports.render import daily_to_html_and_text
from itops.common.metric_catalogue import catalogue

ROOT = Path(__file__).resolve().parents[2]
I18N_JS = ROOT / "collector" / "console" / "static" / "i18n.js"
_JS_TEXT = re.compile(r'"([\w.]+)":\s*\[\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"\s*\]', re.S)

# concept: (how the English names it, the one zh-CN term for it)
CONCEPTS = {
    "acknowledge": (re.compile(r"acknowledg", re.I), "响应"),
    "sign-off": (re.compile(r"sign(ed)?[- ]off", re.I), "确认"),
    "close": (re.compile(r"\bclos(e|ed|ing)\b", re.I), "关闭"),
    "severity": (re.compile(r"\bseverit", re.I), "级别"),
}
# a zh-CN term that belongs to one concept only: (term, the concept it is kept for)
RESERVED = (("确认", "sign-off"),)
SEVERITY_PATTERN = re.compile(r"^(Ⅰ|Ⅱ|Ⅲ|Ⅳ)级 \w{2}$")


def console_texts() -> dict[str, tuple[str, str]]:
    return {f"i18n.js {key}": (zh, en) for key, zh, en in _JS_TEXT.findall(I18N_JS.read_text(encoding="utf-8"))}


def shared_texts() -> dict[str, tuple[str, str]]:
    """Every (zh-CN, en) pair of the Python catalogues, named by where it is."""
    pairs = {f"reports {key}": pair for key, pair in texts._LABELS.items()}
    pairs |= {f"reports state {state.value}": pair for state, pair in texts._STATE_NAMES.items()}
    for term_zh, term_en, definition_zh, definition_en in texts._DEFINITIONS:
        pairs[f"reports definition {term_en}"] = (term_zh, term_en)
        pairs[f"reports definition text {term_en}"] = (definition_zh, definition_en)
    for name, table in (("words", daily_to_html_and_text._WORDS), ("kinds", daily_to_html_and_text._KINDS),
                        ("statuses", daily_to_html_and_text._STATUSES)):
        pairs |= {f"daily {name} {key}": pair for key, pair in table.items()}
    pairs |= {f"messages {key}": (zh, messages._WORDS["en"][key]) for key, zh in messages._WORDS["zh-CN"].items()}
    pairs |= {f"categories {c.value}": pair for c, pair in model._CATEGORY_NAMES.items()}
    pairs |= {f"incident notes {key}": (note["zh-CN"], note["en"]) for key, note in policy._NOTES.items()}
    pairs |= {f"escalation {key}": (escalation._ANNOTATIONS[f"{key}_zh"], escalation._ANNOTATIONS[key])
              for key in ("summary", "description")}
    for kind, entries in (("metric", catalogue().metrics), ("reading", catalogue().readings)):
        for name, entry in entries.items():
            pairs[f"{kind} {name}"] = (entry.zh_cn, entry.en)
            pairs |= {f"{kind} {name} = {value}": (words.zh_cn, words.en) for value, words in entry.values.items()}
    return pairs


def all_texts() -> dict[str, tuple[str, str]]:
    return console_texts() | shared_texts()


def glossary_problems(pairs: dict[str, tuple[str, str]]) -> list[str]:
    problems = []
    for where, (zh, en) in pairs.items():
        for concept, (english, term) in CONCEPTS.items():
            if english.search(en) and term not in zh:
                problems.append(f"{where}: {en!r} is {concept}, so its zh-CN says {term}, not {zh!r}")
        for term, concept in RESERVED:
            if term in zh and not CONCEPTS[concept][0].search(en):
                problems.append(f"{where}: {term} is kept for {concept}, but {zh!r} is {en!r}")
    return problems


def test_the_catalogues_are_read():
    assert console_texts()["i18n.js action.ack"] == ("响应", "Acknowledge")
    assert len(shared_texts()) > 150


def test_each_concept_has_one_zh_cn_term():
    assert glossary_problems(all_texts()) == []


@pytest.mark.parametrize(("zh", "en"), [("已确认", "Acknowledged"), ("确认", "Acknowledge"), ("处理", "Closed"),
                                        ("已确认数", "Acknowledged"), ("确认时间", "Opened")])
def test_a_mixed_vocabulary_is_found(zh, en):
    assert glossary_problems({"example": (zh, en)}) != []


def test_the_four_severities_follow_one_pattern():
    console = console_texts()
    names = {severity.value: style.name_zh for severity, style in messages.DEFAULT_SEVERITY_STYLES.items()}
    for level, numeral in zip(("P1", "P2", "P3", "P4"), "ⅠⅡⅢⅣ", strict=True):
        assert SEVERITY_PATTERN.match(names[level]) and names[level].startswith(numeral), names[level]
        assert console[f"i18n.js severity.{level}"] == (names[level], f"{level} {messages.DEFAULT_SEVERITY_STYLES[model.Severity(level)].name_en}")
