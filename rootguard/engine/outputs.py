"""Outputs in the provider's output types, so that the SDK can read what the mock answers.

The SDK reads every output property of a resource by the resource class's annotations
(`pulumi._types.resource_types`: `Output[str]`, an output type class, `Sequence[...]`)
and refuses a value of another shape. A provider's inputs may be richer than the
outputs they become: pulumi-aws takes an IAM policy document as a string, a
`PolicyDocumentArgs` or a plain dict (`aws.iam.Policy(policy=...)`,
`aws.iam.Role(assume_role_policy=...)`, bucket and topic policies...) and JSON-encodes
it into the string output. The mock engine answers with the inputs echoed plus what
AWS computes, so it conforms each value to the declared output type the way the
provider does: a mapping or list where a string is declared becomes its JSON text;
nested output types and lists are conformed item by item. The types come from the
installed SDK (the class the package registered for the type token), never a
hand-written list.
"""

from __future__ import annotations

import functools
import importlib
import json
import typing
from collections import abc
from collections.abc import Mapping
from typing import Any

from pulumi import _types
from pulumi.runtime import rpc

from rootguard.engine.placement import SECRET_SIG, SIG_KEY, UNKNOWN


@functools.cache
def output_types(type_: str) -> Mapping[str, Any]:
    """Output property (wire name) -> declared type, for a resource type token; empty
    when no installed SDK registered a class for it (components, unknown packages)."""
    try:
        package, module, class_token = type_.split(":")
    except ValueError:
        return {}
    registered = rpc.get_resource_module(package, module, "")
    # Generated SDKs register a Module whose mod_info names the classes of the module.
    info = getattr(registered, "mod_info", None)
    if not isinstance(info, Mapping):
        return {}
    class_name = info.get("classes", {}).get(f"{package}:{module}:{class_token}")
    try:
        cls = getattr(importlib.import_module(info["fqn"]), class_name)
    except (ImportError, AttributeError, KeyError, TypeError):
        return {}
    return _types.resource_types(cls)


def conform_outputs(type_: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """`outputs` (wire form) with each value in its declared output type."""
    types = output_types(type_)
    if not types:
        return dict(outputs)
    return {key: conform(value, types.get(key)) for key, value in outputs.items()}


def conform(value: Any, declared: Any) -> Any:
    """A wire value in the `declared` output type (unchanged when it already is, when
    the type is unknown, or for unknowns and special wire objects)."""
    if declared is None or value is None or value == UNKNOWN:
        return value
    if isinstance(value, dict) and SIG_KEY in value:
        if value[SIG_KEY] == SECRET_SIG:
            return {SIG_KEY: SECRET_SIG, "value": conform(value.get("value"), declared)}
        return value  # an asset, archive or resource reference
    declared = _types.unwrap_optional_type(declared)
    if declared is str:
        if isinstance(value, (dict, list)):
            # The provider's JSON encoding of a document given as an object.
            return json.dumps(value, sort_keys=True, separators=(",", ":"))
        return value
    if isinstance(value, dict):
        if isinstance(declared, type) and _types.is_output_type(declared):
            fields = _types.output_type_types(declared)
            return {key: conform(item, fields.get(key)) for key, item in value.items()}
        item_type = _mapping_value_type(declared)
        if item_type is not None:
            return {key: conform(item, item_type) for key, item in value.items()}
        return value
    if isinstance(value, list):
        item_type = _sequence_item_type(declared)
        if item_type is not None:
            return [conform(item, item_type) for item in value]
    return value


def _sequence_item_type(declared: Any) -> Any:
    # typing.get_origin gives the runtime class: Sequence[T] -> abc.Sequence, List[T] -> list
    if typing.get_origin(declared) in (list, abc.Sequence):
        args = typing.get_args(declared)
        return args[0] if args else None
    return None


def _mapping_value_type(declared: Any) -> Any:
    if typing.get_origin(declared) in (dict, abc.Mapping):
        args = typing.get_args(declared)
        return args[1] if len(args) == 2 else None
    return None
