"""Checks of the member-baseline template that cfn-lint does not make.

cfn-lint validates CloudFormation structure against its own resource specification.
`check_template` checks the same body against the AWS APIs that CloudFormation calls for
each resource, as botocore's service models describe them, and against rootguard's
intent for the template:

- only the resource types the member baseline is made of;
- property names of each resource (and of the structures inside) from the API shape
  CloudFormation maps it to (`ConfigurationRecorder`, `DeliveryChannel`, `PutRule`,
  `Target`, `CreateRole`), so a misspelling fails here too;
- enum values (recording strategy and frequency, snapshot delivery frequency, the rule
  state) from the same models;
- the TemplateBody size limit.

Values that are intrinsic functions (`Ref`, `Fn::If` ...) are resolved only by
CloudFormation and are not checked. Each problem is one line naming the resource and
the property.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import botocore.session
import yaml

from rootguard.components.member_template import MAX_TEMPLATE_BODY_BYTES

TEMPLATE_SECTIONS = frozenset(
    {
        "AWSTemplateFormatVersion",
        "Description",
        "Metadata",
        "Parameters",
        "Conditions",
        "Resources",
        "Outputs",
    }
)
RESOURCE_ATTRIBUTES = frozenset(
    {"Type", "Properties", "Condition", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy"}
)


def _capitalized(name: str) -> str:
    """Config's API members are camelCase; CloudFormation spells them PascalCase."""
    return name[:1].upper() + name[1:]


def _as_is(name: str) -> str:
    return name


@dataclass(frozen=True)
class _Mapping:
    """How one resource type's properties map onto an API shape."""

    service: str
    shape: str | None = None
    """A named shape; None means the input shape of `operation`."""
    operation: str | None = None
    spell: Callable[[str], str] = _as_is
    """How CloudFormation spells an API member name (applied at every level)."""
    read_only: frozenset[str] = frozenset()
    """API members CloudFormation does not take as properties (CloudFormation names)."""
    cfn_only: Mapping[str, tuple[str, str | None, str | None]] = field(default_factory=dict)
    """Properties CloudFormation adds: name -> (service, shape or None, operation or None)
    of a list's items, or ("", None, None) for a value not checked further."""


MEMBER_RESOURCES: dict[str, _Mapping] = {
    "AWS::Config::ConfigurationRecorder": _Mapping(
        "config",
        shape="ConfigurationRecorder",
        spell=_capitalized,
        read_only=frozenset(
            {"Arn", "RecordingScope", "ServicePrincipal", "ConnectorArn", "ScopeConfiguration"}
        ),
    ),
    "AWS::Config::DeliveryChannel": _Mapping("config", shape="DeliveryChannel", spell=_capitalized),
    "AWS::Events::Rule": _Mapping(
        "events",
        operation="PutRule",
        cfn_only={"Targets": ("events", "Target", None)},
    ),
    "AWS::IAM::Role": _Mapping(
        "iam",
        operation="CreateRole",
        cfn_only={
            "ManagedPolicyArns": ("", None, None),
            "Policies": ("iam", None, "PutRolePolicy"),
        },
    ),
}
"""The resource types the member baseline may hold, each with the API it maps to."""

_EXCLUDED_FROM_ITEMS = frozenset({"RoleName"})
"""PutRolePolicy's RoleName is implied by the role a `Policies` entry belongs to."""


@functools.cache
def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def _shape(service: str, shape: str | None, operation: str | None) -> Any:
    model = _model(service)
    if operation is not None:
        return model.operation_model(operation).input_shape
    return model.shape_for(shape)


def _is_intrinsic(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and len(value) == 1
        and (next(iter(value)) == "Ref" or str(next(iter(value))).startswith("Fn::"))
    )


def check_template(body: str) -> list[str]:
    """Problems of a member-baseline template body (YAML or JSON); empty when fine."""
    problems: list[str] = []
    size = len(body.encode("utf-8"))
    if size > MAX_TEMPLATE_BODY_BYTES:
        problems.append(
            f"the template is {size} bytes; TemplateBody takes at most {MAX_TEMPLATE_BODY_BYTES}"
        )
    try:
        template = yaml.safe_load(body)
    except yaml.YAMLError as err:
        first = str(err).splitlines()[0]
        return [*problems, f"the template is not YAML or JSON (long-form intrinsics): {first}"]
    if not isinstance(template, Mapping):
        return [*problems, "the template must be a mapping with a Resources section"]
    problems.extend(
        f"section {section} is not a CloudFormation template section"
        for section in template
        if section not in TEMPLATE_SECTIONS
    )
    resources = template.get("Resources")
    if not isinstance(resources, Mapping) or not resources:
        return [*problems, "Resources must be a non-empty mapping"]
    for logical_id, resource in resources.items():
        problems.extend(_check_resource(f"Resources.{logical_id}", resource))
    return problems


def _check_resource(where: str, resource: Any) -> list[str]:
    if not isinstance(resource, Mapping):
        return [f"{where} must be a mapping"]
    problems = [
        f"{where}.{key} is not a resource attribute; expected one of "
        + ", ".join(sorted(RESOURCE_ATTRIBUTES))
        for key in resource
        if key not in RESOURCE_ATTRIBUTES
    ]
    kind = resource.get("Type")
    mapping = MEMBER_RESOURCES.get(kind) if isinstance(kind, str) else None
    if mapping is None:
        return [
            *problems,
            f"{where}.Type {kind!r} is not part of the member baseline; expected one of "
            + ", ".join(sorted(MEMBER_RESOURCES)),
        ]
    properties = resource.get("Properties", {})
    if not isinstance(properties, Mapping):
        return [*problems, f"{where}.Properties must be a mapping"]
    shape = _shape(mapping.service, mapping.shape, mapping.operation)
    return problems + _check_structure(f"{where}.Properties", properties, shape, mapping, top=True)


def _check_structure(
    where: str, value: Mapping[str, Any], shape: Any, mapping: _Mapping, *, top: bool = False
) -> list[str]:
    members = {mapping.spell(name): member for name, member in shape.members.items()}
    known = set(members) - (mapping.read_only if top else set())
    if top:
        known |= set(mapping.cfn_only)
    problems: list[str] = []
    for key, item in value.items():
        at = f"{where}.{key}"
        if key not in known:
            problems.append(
                f"{at} is not a known property; expected one of {', '.join(sorted(known))}"
            )
        elif top and key in mapping.cfn_only:
            problems.extend(_check_cfn_only(at, item, mapping.cfn_only[key], mapping))
        else:
            problems.extend(_check_value(at, item, members[key], mapping))
    return problems


def _check_cfn_only(
    where: str, value: Any, item_shape: tuple[str, str | None, str | None], mapping: _Mapping
) -> list[str]:
    service, shape_name, operation = item_shape
    if not service or _is_intrinsic(value):
        return []
    if not isinstance(value, list):
        return [f"{where} must be a list"]
    shape = _shape(service, shape_name, operation)
    items = _Mapping(
        service, spell=mapping.spell, read_only=_EXCLUDED_FROM_ITEMS
    )  # one entry is the shape minus what the parent resource implies
    problems: list[str] = []
    for index, entry in enumerate(value):
        at = f"{where}[{index}]"
        if not isinstance(entry, Mapping):
            problems.append(f"{at} must be a mapping")
            continue
        problems.extend(_check_structure(at, entry, shape, items, top=True))
    return problems


def _check_value(where: str, value: Any, shape: Any, mapping: _Mapping) -> list[str]:
    if _is_intrinsic(value):
        return []
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        return _check_structure(where, value, shape, mapping)
    if kind == "list" and isinstance(value, list):
        problems: list[str] = []
        for index, item in enumerate(value):
            problems.extend(_check_value(f"{where}[{index}]", item, shape.member, mapping))
        return problems
    enum = getattr(shape, "enum", None)
    if kind == "string" and enum and isinstance(value, str) and value not in enum:
        return [f"{where} {value!r} is not valid; expected one of {', '.join(enum)}"]
    return []
