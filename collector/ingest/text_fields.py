"""Free text an agent reports besides its series keys — Hello fields, check targets and messages, inventory
strings: bounded in length and free of control characters, which would reach an admin's terminal."""

from __future__ import annotations

from collections.abc import Iterator

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from itops.series_key import control_character_problem

__all__ = ["MAX_HOSTNAME_BYTES", "string_fields", "text_problem"]

MAX_HOSTNAME_BYTES = 253  # RFC 1035's limit on a domain name


def text_problem(value: str, max_length: int, multi_line: bool = False) -> str | None:
    """What is wrong with ``value`` as reported text, or None."""
    if len(value) > max_length:
        return f"is {len(value)} characters long; the limit is {max_length}"
    return control_character_problem(value, multi_line)


def string_fields(message: Message, path: str) -> Iterator[tuple[str, str]]:
    """(field path, value) of every string set in ``message`` and the messages it holds."""
    for field, value in message.ListFields():
        where = f"{path}.{field.name}"
        items = list(enumerate(value)) if field.is_repeated else [(None, value)]
        for index, item in items:
            item_where = where if index is None else f"{where}[{index}]"
            if field.type == FieldDescriptor.TYPE_STRING:
                yield item_where, item
            elif field.type == FieldDescriptor.TYPE_MESSAGE:
                yield from string_fields(item, item_where)
