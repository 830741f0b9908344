"""Load YAML config files into typed msgspec models with errors that name file, line and field.

Models are ``msgspec.Struct`` classes with ``forbid_unknown_fields=True``; fields document themselves
with ``Annotated[type, msgspec.Meta(description=...)]`` so the reference page can be generated from them.
Durations and sizes are written the way people write them (``15s``, ``5m``, ``2h``, ``512MiB``) and
arrive in the model as plain seconds and bytes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, TypeVar

import msgspec
import yaml

__all__ = ["ConfigError", "FieldProblem", "Duration", "ByteSize", "load_file", "load_text", "parse_duration", "parse_byte_size"]

T = TypeVar("T")


class Duration(float):
    """Seconds; written in YAML as a number of seconds or as ``500ms``, ``15s``, ``5m``, ``2h``, ``7d``."""


class ByteSize(int):
    """Bytes; written in YAML as a number of bytes or as ``64KiB``, ``512MiB``, ``2GiB``, ``1GB``."""


_DURATION_UNITS_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_BYTE_UNITS = {
    "": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_BYTES_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$", re.IGNORECASE)
_PATH_RE = re.compile(r" - at (?:`key` in )?`(\$[^`]*)`$")  # a bad map key reads "at `key` in `$.x`"
_UNKNOWN_FIELD_RE = re.compile(r"unknown field `([^`]+)`")


class ConfigError(ValueError):
    """A config file is wrong: ``file:line: field: problem``."""

    def __init__(self, file: str, line: int | None, field: str, problem: str):
        self.file, self.line, self.field, self.problem = file, line, field, problem
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {field}: {problem}" if field else f"{where}: {problem}")


class FieldProblem(ValueError):
    """Raised by a config's own checks (beyond its types); the loader adds file and line."""

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


def parse_duration(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 15s, 5m or 2h, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION_RE.match(str(value))
        if not match:
            raise ValueError(f"expected a duration such as 15s, 5m or 2h, got {value!r}")
        seconds = float(match.group(1)) * _DURATION_UNITS_S[match.group(2)]
    if seconds < 0:
        raise ValueError(f"expected a duration of zero or more, got {value!r}")
    return seconds


def parse_byte_size(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected a size such as 512MiB or 2GiB, got {value!r}")
    if isinstance(value, int):
        size = value
    else:
        match = _BYTES_RE.match(str(value))
        if not match:
            raise ValueError(f"expected a size such as 512MiB or 2GiB, got {value!r}")
        size = int(float(match.group(1)) * _BYTE_UNITS[(match.group(2) or "").lower()])
    if size < 0:
        raise ValueError(f"expected a size of zero or more, got {value!r}")
    return size


def _dec_hook(type_: type, obj: Any) -> Any:
    if type_ is Duration:
        return Duration(parse_duration(obj))
    if type_ is ByteSize:
        return ByteSize(parse_byte_size(obj))
    raise NotImplementedError(f"unsupported config type {type_!r}")


def _construct(node: yaml.Node, path: str, lines: dict[str, int], file: str) -> Any:
    """Build plain Python data from a YAML node, remembering the line of every path."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.SafeLoader(str()).construct_object(key_node) if not isinstance(key_node, yaml.ScalarNode) else key_node.value
            if not isinstance(key, str):
                raise ConfigError(file, key_node.start_mark.line + 1, path_to_field(path), f"keys must be text, got {key!r}")
            child = f"{path}.{key}"
            if key in result:
                raise ConfigError(file, key_node.start_mark.line + 1, path_to_field(child), "appears twice")
            lines[child + "#key"] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, child, lines, file)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, f"{path}[{i}]", lines, file) for i, item in enumerate(node.value)]
    try:
        return yaml.SafeLoader("").construct_object(node)
    except ValueError as exc:  # e.g. an impossible date such as 2025-02-30, which YAML reads as a date
        raise ConfigError(file, node.start_mark.line + 1, path_to_field(path), f"{node.value!r} is not valid: {exc}") from None


def path_to_field(path: str) -> str:
    return path[2:] if path.startswith("$.") else ("" if path == "$" else path)


def load_text(text: str, model: type[T], file: str = "<config>", choices: dict[str, list[str]] | None = None,
              check: Callable[[T], None] | None = None) -> T:
    """Parse YAML text into ``model``; raise ConfigError naming file, line and field.

    ``choices`` lists the accepted values of tag fields, keyed by field with ``[]`` for any index
    (``{"inputs[].type": ["host", "snmp"]}``), so that a wrong value is answered with the right ones.
    ``check(config)`` may raise FieldProblem for what types cannot say (e.g. two inputs with one name).
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(file, mark.line + 1 if mark else None, "", f"not valid YAML: {problem}") from None
    lines: dict[str, int] = {}
    data = _construct(root, "$", lines, file) if root is not None else {}
    try:
        config = msgspec.convert(data, model, dec_hook=_dec_hook, strict=True)
    except msgspec.ValidationError as exc:
        raise _with_choices(_located(str(exc), lines, file), choices or {}) from None
    if check is not None:
        try:
            check(config)
        except FieldProblem as problem:
            raise ConfigError(file, _line_of(f"$.{problem.field}", lines), problem.field, problem.problem) from None
    return config


def _with_choices(error: ConfigError, choices: dict[str, list[str]]) -> ConfigError:
    known = choices.get(re.sub(r"\[\d+\]", "[]", error.field))
    if not known or not error.problem.startswith("invalid value"):
        return error
    return ConfigError(error.file, error.line, error.field, f"{error.problem}; expected one of: {', '.join(known)}")


def load_file(path: str | Path, model: type[T], choices: dict[str, list[str]] | None = None,
              check: Callable[[T], None] | None = None) -> T:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), None, "", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), None, "", f"not UTF-8 text: {exc}") from None
    return load_text(text, model, str(path), choices, check)


def _located(message: str, lines: dict[str, int], file: str) -> ConfigError:
    match = _PATH_RE.search(message)
    path = match.group(1) if match else "$"
    problem = _PATH_RE.sub("", message)
    unknown = _UNKNOWN_FIELD_RE.search(problem)
    if unknown:
        path = f"{path}.{unknown.group(1)}"
        problem = "unknown option (check the spelling against docs/configuration.md)"
    path = _concrete(path, lines)
    return ConfigError(file, _line_of(path, lines), path_to_field(path), _plain(problem))


def _concrete(path: str, lines: dict[str, int]) -> str:
    """msgspec writes a map key as ``[...]``; name the key of the file that the rest of the path fits."""
    if "[...]" not in path:
        return path
    pattern = re.compile("^" + r"\.[^.\[]+".join(re.escape(part) for part in path.split("[...]")) + "(#key)?$")
    found = sorted((line, key.removesuffix("#key")) for key, line in lines.items() if pattern.match(key))
    return found[0][1] if found else path


def _line_of(path: str, lines: dict[str, int]) -> int | None:
    """The line of ``path``, or of its nearest parent that is in the file."""
    line = lines.get(path + "#key") or lines.get(path)
    while line is None and path not in ("$", ""):
        parent = re.sub(r"(\.[^.\[]+|\[[^\]]*\])$", "", path)
        if parent == path:  # a path this parser cannot shorten: report no line rather than loop
            return None
        path = parent
        line = lines.get(path)
    return line


def _plain(problem: str) -> str:
    """msgspec says 'Expected `int`, got `str`'; keep it, lower-cased to read as a clause."""
    return problem[:1].lower() + problem[1:]
