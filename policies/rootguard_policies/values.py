"""Resource values as plain Python, and what stays unknown during a preview.

pulumi_policy hands validators proxies that raise `UnknownValueError` when an unknown
value is read; the pack turns an escaping `UnknownValueError` into an advisory
"can't run policy ... during preview" diagnostic (see `_PolicyAnalyzerServicer.Analyze`
and `AnalyzeStack` in pulumi_policy/policy.py), keeping violations reported before it.

Validators here read values with `plain()` (unknowns stay as the engine's sentinel
strings), decide everything the known values and the dependency graph allow, report
those violations, and only then call `Undecided.settle()`, which raises for what is
left. So an unknown value never produces a mandatory violation and never hides one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

UNKNOWN_VALUES = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)
"""The engine's type-specific sentinels for values unknown during preview."""


def is_unknown(value: object) -> bool:
    """True when `value` is one of the engine's unknown sentinels."""
    return isinstance(value, str) and value in UNKNOWN_VALUES


def plain(value: Any) -> Any:
    """`value` with pulumi_policy's proxies replaced by dicts and lists.

    Reading never raises: an unknown value stays as its sentinel string (test it with
    `is_unknown`). Plain dicts and lists pass through unchanged in meaning.
    """
    if value is None or isinstance(value, (str, bytes, bool, int, float)):
        return value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in value:
            try:
                item = value[key]
            except UnknownValueError as err:
                result[key] = err.unknown_type_sentinel
            else:
                result[key] = plain(item)
        return result
    if isinstance(value, Sequence):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                item = value[index]
            except UnknownValueError as err:
                items.append(err.unknown_type_sentinel)
            else:
                items.append(plain(item))
        return items
    return value


def read(props: Mapping[str, Any], key: str) -> Any:
    """`plain(props[key])`: None when absent, the sentinel when unknown; never raises."""
    try:
        value = props.get(key)
    except UnknownValueError as err:
        return err.unknown_type_sentinel
    return plain(value)


def dig(value: Any, *path: str | int) -> Any:
    """The value at `path` inside plain `value`: None when absent, a sentinel when unknown.

    A list met where a key is expected is entered at its first element, so
    `dig(group, "recordingStrategies", "useOnly")` reads the first strategy.
    """
    for key in path:
        if is_unknown(value):
            return value
        if isinstance(key, str) and isinstance(value, list):
            value = value[0] if value else None
            if is_unknown(value):
                return value
        if isinstance(value, Mapping) and isinstance(key, str):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int):
            value = value[key] if -len(value) <= key < len(value) else None
        else:
            return None
    return value


def decode_json(value: Any) -> Any:
    """A structured value that may arrive JSON-encoded (pulumi-aws provider inputs do).

    Known strings that parse as JSON are decoded; anything else is returned unchanged.
    """
    if isinstance(value, str) and not is_unknown(value):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def as_list(value: Any) -> list[Any]:
    """A list for a value that AWS documents accept as a single item or a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


class Undecided:
    """What a validator could not decide because a value is unknown during preview.

    `note` records the first unknown; `settle` raises it as `UnknownValueError`, which
    the pack reports as an advisory diagnostic instead of a violation.
    """

    def __init__(self) -> None:
        self._first: UnknownValueError | None = None

    def __bool__(self) -> bool:
        return self._first is not None

    def note(self, value: Any, *path: object) -> None:
        """Record that the value at `path` (resource name first) is unknown."""
        if self._first is None:
            sentinel = value if is_unknown(value) else UNKNOWN_STRING_VALUE
            self._first = UnknownValueError(sentinel, [str(part) for part in path])

    def note_error(self, err: UnknownValueError, *prefix: object) -> None:
        """Record an `UnknownValueError` raised for a resource, its name as `prefix`."""
        self.note(err.unknown_type_sentinel, *prefix, *err.props)

    def settle(self) -> None:
        """Raise the first recorded unknown, if any (call after reporting violations)."""
        if self._first is not None:
            raise self._first
