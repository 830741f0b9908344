"""The catalogue of check messages against every key the agent (and the collector's hardware check) says, and
rendering in the reader's language with the agent's free text as the fallback."""

from __future__ import annotations

import importlib
import pkgutil
import re
import string

import pytest

import itops.agent
from itops.agent.checks import CHECK_MESSAGES
from itops.common.units import format_duration, format_percent
from itops.collector.records.check_messages import CATALOGUE, render_check_message, rendered_messages
from itops.collector.records.inventory import HARDWARE_MESSAGE_KEYS


def _agent_messages() -> dict:
    for module in pkgutil.walk_packages(itops.agent.__path__, "itops.agent."):
        importlib.import_module(module.name)  # each input declares its messages at import
    return dict(CHECK_MESSAGES)


def _arguments(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_an_agent_says_has_chinese_and_english_text():
    said = _agent_messages()
    assert len(said) > 80  # every input's messages were found
    missing = sorted(set(said) - set(CATALOGUE))
    assert missing == [], f"keys the agent says that the collector's catalogue lacks: {missing}"


def test_the_catalogue_has_no_key_nobody_says():
    unsaid = sorted(set(CATALOGUE) - set(_agent_messages()) - set(HARDWARE_MESSAGE_KEYS))
    assert unsaid == [], f"catalogue keys no agent input and no collector check says: {unsaid}"


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_both_languages_name_the_arguments_the_agent_sends(key):
    zh, en = CATALOGUE[key]
    sent = _arguments(_agent_messages()[key].english) if key in CHECK_MESSAGES else _arguments(en)
    assert _arguments(zh) == sent and _arguments(en) == sent
    words_only = re.sub(r"\{[^}]*\}", "", zh)
    assert not re.search(r"[A-Za-z]", words_only) or re.search(r"[\u4e00-\u9fff]", words_only), \
        f"{key}: zh-CN text has words but none in Chinese"


def test_a_part_is_rendered_in_the_readers_language_with_its_named_formats():
    parts = [{"key": "attendance_clock.online", "args": {}},
             {"key": "attendance_clock.drift_over_limit", "args": {"drift_s": "600.0", "limit_s": "300"}},
             {"key": "attendance_clock.storage", "args": {"store": "records", "percent": "85", "count": "85000",
                                                          "capacity": "100000"}}]
    assert render_check_message(parts, "fallback", "zh-CN") == \
        "在线；时钟快 10 分（误差超过 5 分）；考勤记录存储已用 85 %（85000/100000）"
    assert render_check_message(parts, "fallback", "en") == \
        "online; clock is 10 min fast (more than 5 min off); attendance record storage 85 % full (85000 of 100000)"


def test_the_agents_text_is_shown_for_an_old_agent_an_unknown_key_or_a_missing_argument():
    assert rendered_messages([], "clock is 10 min fast") == {"zh-CN": "clock is 10 min fast", "en": "clock is 10 min fast"}
    newer = [{"key": "attendance_clock.online", "args": {}}, {"key": "attendance_clock.battery_low", "args": {}}]
    assert render_check_message(newer, "online; battery low", "zh-CN") == "online; battery low"
    assert render_check_message([{"key": "process.too_few", "args": {"count": "1"}}], "1 running", "zh-CN") == "1 running"
    assert render_check_message([{"key": "ping.replies", "args": {"replies": "2", "count": "4", "average_ms": "fast"}}],
                                "2 of 4", "en") == "2 of 4"


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_named_formats_write_values_with_the_one_unit_formatter(language):
    """A UPS's runtime and charge and a clock's offset read as the console and alert annotations write them."""
    parts = [{"key": "ups_status.ok", "args": {"source": "normal", "charge_ratio": "0.12", "runtime_s": "4560"}},
             {"key": "attendance_clock.drift", "args": {"drift_s": "-45"}}]
    text = render_check_message(parts, "fallback", language)
    for written in (format_percent(0.12), format_duration(4560, language), format_duration(45, language)):
        assert written in text
