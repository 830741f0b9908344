"""The canonical series key: format and the strict parser agree, and only the canonical form parses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itops.series_key import format_series_key, parse_series_key

metric_names = st.from_regex(r"\A[a-zA-Z_:][a-zA-Z0-9_:]{0,30}\Z")
label_names = st.from_regex(r"\A[a-zA-Z_][a-zA-Z0-9_]{0,20}\Z")
label_values = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(['"', "\\", "\n", '\\"', "\\n", "}", ",", "="])


@given(metric_names, st.dictionaries(label_names, label_values, max_size=8))
def test_format_then_parse_round_trips(name, labels):
    assert parse_series_key(format_series_key(name, labels)) == (name, labels)


def test_key_without_labels_is_the_bare_name():
    assert format_series_key("itops_up", {}) == "itops_up"
    assert parse_series_key("itops_up") == ("itops_up", {})


def test_labels_are_sorted_and_values_escaped():
    key = format_series_key("m", {"path": 'C:\\x "y"\nz', "drive": "C"})
    assert key == 'm{drive="C",path="C:\\\\x \\"y\\"\\nz"}'


def test_parse_unescapes_values():
    assert parse_series_key('m{a="\\\\n",b="\\n"}') == ("m", {"a": "\\n", "b": "\n"})


@pytest.mark.parametrize("key, position", [
    ("", 0),
    ("9m", 0),
    ("m{}", 2),
    ('m{a="1"', 7),
    ('m{a="1"}x', 7),
    ('m{a="1",}', 8),
    ('m{b="1",a="2"}', 8),
    ('m{a="1",a="2"}', 8),
    ('m{a="\\x"}', 5),
    ('m{a="\\"}', 2),
])
def test_non_canonical_key_raises_naming_position(key, position):
    with pytest.raises(ValueError, match=f"^position {position}: "):
        parse_series_key(key)
