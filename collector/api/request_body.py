"""A request's JSON body checked against the fields its operation declares with ``document(...)``.

The same ``Field`` tuple makes the operation's OpenAPI schema, so what the document promises is what the
API accepts: an unknown field, a missing required one, a wrong type, a value outside its ``enum``, a string
longer than ``max_length`` or a time without a zone offset is refused with 400 naming the field.
"""

from __future__ import annotations

import re
from datetime import datetime

from aiohttp import web

from itops.collector.api.app import ApiError, json_object, parse_time
from itops.collector.api.openapi import Field, operation_of

__all__ = ["request_body"]

_JSON_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
               "array": (list,), "object": (dict,)}
_NOT_BLANK = re.compile(r"\S")  # what the schema's `pattern` says
_TYPE_WORDS = {"string": "a non-empty string", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "array": "a list", "object": "an object"}


async def request_body(request: web.Request) -> dict:
    """The body's given fields as sent (null, and blank in an optional free-text field, count as not given), but
    date-time strings as aware datetimes; object items are checked the same way."""
    return checked_object(await json_object(request), operation_of(request).body, "")


def checked_object(value: dict, fields: tuple[Field, ...], where: str) -> dict:
    declared = {f.name: f for f in fields}
    unknown = next((name for name in value if name not in declared), None)
    if unknown is not None:
        known = ", ".join(declared) or "none (send {})"
        raise ApiError(f"{where}{unknown}", f"unknown field; known: {known}", shown_as=f'"{where}{unknown}"')
    checked = {}
    for field in fields:
        raw = value.get(field.name)
        if raw is None or (field.blank_is_absent and isinstance(raw, str) and _NOT_BLANK.search(raw) is None):
            if field.required:
                raise ApiError(f"{where}{field.name}", f"required: {field.description}")
            continue
        checked[field.name] = _checked_value(raw, field, f"{where}{field.name}")
    return checked


def _checked_value(raw: object, field: Field, where: str) -> object:
    _check_type(raw, field.type, where)
    if field.type == "string":
        return _checked_string(raw, field, where)
    if field.type == "array":
        if field.max_length is not None and len(raw) > field.max_length:
            raise ApiError(where, f"has {len(raw)} items; at most {field.max_length}")
        return [_checked_item(item, field.items, f"{where}[{index}]") for index, item in enumerate(raw)]
    if field.bounds is not None and not field.bounds[0] <= raw <= field.bounds[1]:
        raise ApiError(where, f"expected {field.bounds[0]} to {field.bounds[1]}, got {raw!r}")
    return raw


def _checked_item(item: object, items: str | tuple[Field, ...] | None, where: str) -> object:
    if items is None:
        return item
    if isinstance(items, str):
        _check_type(item, items, where)
        return item
    _check_type(item, "object", where)
    return checked_object(item, items, f"{where}.")


def _check_type(raw: object, json_type: str, where: str) -> None:
    wrong_bool = isinstance(raw, bool) and json_type in ("integer", "number")
    blank = isinstance(raw, str) and _NOT_BLANK.search(raw) is None
    if wrong_bool or blank or not isinstance(raw, _JSON_TYPES[json_type]):
        raise ApiError(where, f"expected {_TYPE_WORDS[json_type]}, got {raw!r}")


def _checked_string(value: str, field: Field, where: str) -> str | datetime:
    if field.enum and value not in field.enum:
        raise ApiError(where, f"expected one of {', '.join(field.enum)}, got {value!r}")
    if field.max_length is not None and len(value) > field.max_length:
        raise ApiError(where, f"is {len(value)} characters long; at most {field.max_length}")
    if field.min_length is not None and len(value) < field.min_length:
        raise ApiError(where, f"is {len(value)} characters long; at least {field.min_length}")
    if field.format == "date-time":
        return parse_time(value, where)
    return value
