"""Print docs/configuration.md, generated from the config models (``make docs``)."""

from __future__ import annotations

import sys
import typing

import msgspec
from msgspec import inspect as mi

from itops.agent.config import AgentConfig
from itops.agent.inputs import INPUTS
from itops.alerting.notifiers import NOTIFIERS
from itops.collector.config import CollectorConfig
from itops.collector.outputs import OUTPUTS
from itops.collector.storage import STORAGE_BACKENDS
from itops.common.yaml_config import ByteSize, Duration

HEADER = """# Configuration reference

Generated from the config models by `make docs`; do not edit by hand. Durations are written as `500ms`,
`15s`, `5m`, `2h`, `7d` (or plain seconds), sizes as `64KiB`, `512MiB`, `2GiB` (or plain bytes).
Unknown options are errors, reported as `file:line: option: problem`.
"""


def _unwrap(info: mi.Type) -> mi.Type:
    return _unwrap(info.type) if isinstance(info, mi.Metadata) else info


def _type_name(info: mi.Type) -> str:
    info = _unwrap(info)
    if isinstance(info, mi.CustomType):
        return {Duration: "duration", ByteSize: "size"}.get(info.cls, info.cls.__name__)
    if isinstance(info, mi.UnionType):
        return " or ".join(_type_name(t) for t in info.types if not isinstance(t, mi.NoneType)) + (
            " (optional)" if any(isinstance(t, mi.NoneType) for t in info.types) else "")
    if isinstance(info, mi.ListType):
        return f"list of {_type_name(info.item_type)}"
    if isinstance(info, mi.DictType):
        return f"map of {_type_name(info.key_type)} to {_type_name(info.value_type)}"
    if isinstance(info, mi.LiteralType):
        return " | ".join(repr(v) for v in info.values)
    if isinstance(info, mi.EnumType):
        return " | ".join(repr(member.value) for member in info.cls)
    if isinstance(info, mi.StructType):
        return "section" if not info.cls.__struct_config__.tag else f"`{info.cls.__struct_config__.tag}`"
    return {mi.StrType: "text", mi.IntType: "integer", mi.FloatType: "number", mi.BoolType: "true/false", mi.DateType: "date (YYYY-MM-DD)",
            mi.DateTimeType: "time (RFC 3339)"}.get(type(info), type(info).__name__)


def _default(field: mi.Field) -> str:
    if field.required:
        return "required"
    value = field.default if field.default is not msgspec.NODEFAULT else field.default_factory()
    if isinstance(value, msgspec.Struct) or (isinstance(value, dict) and value
                                             and all(isinstance(v, msgspec.Struct) for v in value.values())):
        return "see section"
    if isinstance(value, Duration):
        return f"`{_readable_duration(value)}`"
    if isinstance(value, ByteSize):
        return f"`{_readable_size(value)}`"
    return f"`{msgspec.json.encode(value, enc_hook=_readable).decode()}`"


def _readable(value: object) -> str:
    if isinstance(value, Duration):
        return _readable_duration(value)
    if isinstance(value, ByteSize):
        return _readable_size(value)
    raise TypeError(f"no readable form for {type(value).__name__} defaults")


def _readable_duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _readable_size(size: int) -> str:
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return str(size)


def _description(cls: type, field: mi.Field) -> str:
    hints = typing.get_type_hints(cls, include_extras=True)
    for meta in getattr(hints.get(field.name), "__metadata__", ()):
        if isinstance(meta, msgspec.Meta) and meta.description:
            return meta.description
    return ""


def _optional_part(info: mi.Type) -> mi.Type:
    """``X | None`` → X: an optional section is documented like a required one."""
    if isinstance(info, mi.UnionType):
        present = [t for t in info.types if not isinstance(t, mi.NoneType)]
        if len(present) == 1:
            return _unwrap(present[0])
    return info


def _section(title: str, cls: type, prefix: str, out: list[str], skip: tuple[str, ...] = (),
             enclosing: tuple[type, ...] = (), owner: str = "") -> None:
    """``owner`` is the title of the top section a nested section belongs to, which names it."""
    owner = owner or title
    info = mi.type_info(cls)
    out += [f"\n## {title}\n", "| option | type | default | meaning |", "| --- | --- | --- | --- |"]
    nested = []
    for field in info.fields:
        if field.name in skip:
            continue
        out.append(f"| `{prefix}{field.name}` | {_type_name(field.type)} | {_default(field)} | {_description(cls, field)} |")
        inner, suffix = _optional_part(_unwrap(field.type)), "."
        if isinstance(inner, mi.ListType):
            inner, suffix = _unwrap(inner.item_type), "[]."
        elif isinstance(inner, mi.DictType):
            inner, suffix = _unwrap(inner.value_type), ".<name>."
        if isinstance(inner, mi.StructType) and not inner.cls.__struct_config__.tag and inner.cls is not cls \
                and inner.cls not in enclosing:  # a recursive section (routes of routes) is documented once
            nested.append((f"{owner}: `{prefix}{field.name}`", inner.cls, f"{prefix}{field.name}{suffix}"))
    for nested_title, nested_cls, nested_prefix in nested:
        _section(nested_title, nested_cls, nested_prefix, out, enclosing=(*enclosing, cls), owner=owner)


def render() -> str:
    out = [HEADER, "\n# Agent (`itops-agent -c agent.yaml`)"]
    _section("Agent", AgentConfig, "", out)
    for name, model in zip(INPUTS.names(), INPUTS.config_models()):
        _section(f"Agent input `type: {name}`", model, "inputs[].", out)
    out.append("\n# Collector (`itops-collector -c collector.yaml`)")
    _section("Collector", CollectorConfig, "", out)
    for model in STORAGE_BACKENDS.config_models():
        _section(f"Storage `type: {model.__struct_config__.tag}`", model, "storage.", out)
    for model in OUTPUTS.config_models():
        _section(f"Output `type: {model.__struct_config__.tag}`", model, "outputs[].", out)
    for model in NOTIFIERS.config_models():
        _section(f"Notification channel `type: {model.__struct_config__.tag}`", model,
                 "alerting.receivers.<name>[].", out)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
