from typing import Annotated, Literal

import msgspec
import pytest

from itops.common.yaml_config import ByteSize, ConfigError, Duration, FieldProblem, load_file, load_text, parse_byte_size, parse_duration


class Item(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    every: Duration = Duration(15)


class Model(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    address: Annotated[str, msgspec.Meta(min_length=1)]
    limit: ByteSize = ByteSize(0)
    items: list[Item] = []
    levels: dict[Literal["low", "high"], int] = {}


def _error(text: str, **options) -> ConfigError:
    with pytest.raises(ConfigError) as error:
        load_text(text, Model, "c.yaml", **options)
    return error.value


@pytest.mark.parametrize("text, seconds", [("500ms", 0.5), ("15s", 15), ("5m", 300), ("2h", 7200), ("7d", 604800), (30, 30)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text, size", [("64KiB", 65536), ("512MiB", 512 * 2**20), ("1GB", 10**9), (100, 100), ("2 GiB", 2 * 2**30)])
def test_byte_sizes(text, size):
    assert parse_byte_size(text) == size


@pytest.mark.parametrize("value", ["soon", "-5s", True, "5 minutes"])
def test_bad_durations_say_what_is_expected(value):
    with pytest.raises(ValueError, match="duration such as 15s"):
        parse_duration(value)


def test_values_arrive_in_base_units():
    config = load_text("address: a\nlimit: 1MiB\nitems:\n  - {name: x, every: 2m}\n", Model)
    assert (config.limit, config.items[0].every) == (2**20, 120.0)


def test_wrong_type_names_line_and_field():
    error = _error("address: a\nitems:\n  - name: x\n    every: soon\n")
    assert (error.file, error.line, error.field) == ("c.yaml", 4, "items[0].every")


def test_unknown_option_points_at_its_own_line():
    error = _error("address: a\nitems:\n  - name: x\n    evry: 5s\n")
    assert (error.line, error.field) == (4, "items[0].evry") and "unknown option" in error.problem


def test_missing_required_option_and_duplicate_keys():
    assert "missing required field `address`" in str(_error("limit: 1\n"))
    error = _error("address: a\naddress: b\n")
    assert (error.line, error.field, error.problem) == (2, "address", "appears twice")


def test_broken_yaml_names_its_line():
    error = _error("address: a\nitems: [1\n")
    assert error.line == 3 and error.problem.startswith("not valid YAML")


def test_bad_map_key_names_the_map():
    error = _error("address: a\nlevels:\n  mid: 2\n")
    assert (error.line, error.field) == (2, "levels") and "'mid'" in error.problem


def test_choices_are_listed_for_a_wrong_tag_value():
    class Tagged(msgspec.Struct, tag_field="type", tag="a"):
        pass

    class Holder(msgspec.Struct):
        things: list[Tagged]

    with pytest.raises(ConfigError) as error:
        load_text("things:\n  - type: b\n", Holder, "h.yaml", choices={"things[].type": ["a"]})
    assert error.value.problem == "invalid value 'b'; expected one of: a" and error.value.line == 2


def test_field_problems_from_checks_get_their_line():
    def no_x(config: Model) -> None:
        for index, item in enumerate(config.items):
            if item.name == "x":
                raise FieldProblem(f"items[{index}].name", "x is reserved")

    error = _error("address: a\nitems:\n  - name: ok\n  - name: x\n", check=no_x)
    assert (error.line, error.field, error.problem) == (4, "items[1].name", "x is reserved")


def test_unreadable_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_file(tmp_path / "missing.yaml", Model)
    (tmp_path / "latin1.yaml").write_bytes("address: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_file(tmp_path / "latin1.yaml", Model)


def test_impossible_date_is_a_config_error_with_its_line():
    class Dated(msgspec.Struct):
        holidays: list[str | object] = []

    with pytest.raises(ConfigError) as error:
        load_text("holidays:\n  - 2025-02-30\n", Dated, "h.yaml")
    assert (error.value.line, error.value.field) == (2, "holidays[0]") and "'2025-02-30' is not valid" in error.value.problem


class Target(msgspec.Struct, forbid_unknown_fields=True):
    respond: int


class Targets(msgspec.Struct, forbid_unknown_fields=True):
    targets: dict[str, Target] = {}


@pytest.mark.timeout(10)
def test_error_inside_a_map_value_names_the_key_of_the_file():
    # msgspec writes the path as targets[...].respnd; finding its line once looped forever
    with pytest.raises(ConfigError) as error:
        load_text("targets:\n  P1: {respond: 5}\n  P2:\n    respnd: 5\n", Targets, "t.yaml")
    assert (error.value.line, error.value.field) == (4, "targets.P2.respnd")
    with pytest.raises(ConfigError) as error:
        load_text("targets:\n  P1:\n    respond: soon\n", Targets, "t.yaml")
    assert (error.value.line, error.value.field) == (3, "targets.P1.respond")
