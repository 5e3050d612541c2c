"""Checks of a conformance pack template that cfn-lint does not make.

cfn-lint validates CloudFormation structure (a misspelled key, a wrong type) but knows
nothing of what AWS Config accepts inside a conformance pack. `check_template` adds:

- only `AWS::Config::ConfigRule` and `AWS::Config::RemediationConfiguration` resources
  (a pack deploys nothing else);
- `Source.Owner` and every `MaximumExecutionFrequency` from botocore's Config model enums;
- property names of a rule, its `Source`, `SourceDetails` and `Scope` from the same model
  (the API shapes carry the CloudFormation names), so a misspelling fails here too;
- every AWS managed `SourceIdentifier` on the list rootguard keeps
  (`rootguard.components.conformance_pack.CIS_MANAGED_RULES`): AWS accepts an unknown
  identifier only to fail the rule in every account later;
- a `ConfigRuleName` within the model's length and unique in the pack;
- the 51,200-byte limit of TemplateBody.

Each problem is one line naming the resource and the property.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import botocore.session
import yaml

from rootguard.components.conformance_pack import CIS_MANAGED_RULES, MAX_TEMPLATE_BODY_BYTES

PACK_RESOURCE_TYPES = ("AWS::Config::ConfigRule", "AWS::Config::RemediationConfiguration")
CONFIG_RULE = "AWS::Config::ConfigRule"
TEMPLATE_SECTIONS = frozenset(
    {"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Conditions", "Resources"}
)

_READ_ONLY_RULE_MEMBERS = frozenset(
    {"ConfigRuleArn", "ConfigRuleId", "ConfigRuleState", "CreatedBy"}
)
_CFN_ONLY_RULE_PROPERTIES = frozenset({"Compliance"})


class _TemplateLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !Sub...) as plain values."""


def _untagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


_TemplateLoader.add_multi_constructor("!", _untagged)


@functools.cache
def _config_model() -> Any:
    return botocore.session.get_session().get_service_model("config")


def owners() -> tuple[str, ...]:
    """`Source.Owner` values AWS Config accepts (botocore's model)."""
    return tuple(_config_model().shape_for("Owner").enum)


def frequencies() -> tuple[str, ...]:
    """`MaximumExecutionFrequency` values AWS Config accepts (botocore's model)."""
    return tuple(_config_model().shape_for("MaximumExecutionFrequency").enum)


def _members(shape_name: str) -> frozenset[str]:
    return frozenset(_config_model().shape_for(shape_name).members)


def _rule_properties() -> frozenset[str]:
    return (_members("ConfigRule") - _READ_ONLY_RULE_MEMBERS) | _CFN_ONLY_RULE_PROPERTIES


def _max_rule_name() -> int:
    return int(_config_model().shape_for("ConfigRuleName").metadata["max"])


def check_template(body: str, managed_rules: Iterable[str] = CIS_MANAGED_RULES) -> list[str]:
    """Problems of a conformance pack template (YAML or JSON); empty when it is fine."""
    problems: list[str] = []
    size = len(body.encode("utf-8"))
    if size > MAX_TEMPLATE_BODY_BYTES:
        problems.append(
            f"the template is {size} bytes; TemplateBody takes at most {MAX_TEMPLATE_BODY_BYTES}"
        )
    try:
        template = yaml.load(body, Loader=_TemplateLoader)  # a SafeLoader subclass
    except yaml.YAMLError as err:
        return [*problems, f"the template is not YAML or JSON: {str(err).splitlines()[0]}"]
    if not isinstance(template, Mapping):
        return [*problems, "the template must be a mapping with a Resources section"]
    for section in template:
        if section not in TEMPLATE_SECTIONS:
            problems.append(f"section {section} is not one a conformance pack template takes")
    resources = template.get("Resources")
    if not isinstance(resources, Mapping) or not resources:
        return [*problems, "Resources must be a non-empty mapping"]

    allowed = frozenset(managed_rules)
    names: dict[str, str] = {}
    for logical_id, resource in resources.items():
        where = f"Resources.{logical_id}"
        if not isinstance(resource, Mapping):
            problems.append(f"{where} must be a mapping")
            continue
        kind = resource.get("Type")
        if kind not in PACK_RESOURCE_TYPES:
            problems.append(
                f"{where}.Type {kind!r} is not allowed in a conformance pack; expected one "
                f"of {', '.join(PACK_RESOURCE_TYPES)}"
            )
            continue
        if kind == CONFIG_RULE:
            problems.extend(_check_rule(where, resource.get("Properties"), allowed, names))
    return problems


def _check_rule(
    where: str, properties: Any, allowed: frozenset[str], names: dict[str, str]
) -> list[str]:
    if not isinstance(properties, Mapping):
        return [f"{where}.Properties must be a mapping"]
    where = f"{where}.Properties"
    problems = _unknown_keys(where, properties, _rule_properties())

    name = properties.get("ConfigRuleName")
    if isinstance(name, str):
        if len(name) > _max_rule_name():
            problems.append(f"{where}.ConfigRuleName is longer than {_max_rule_name()}")
        if name in names:
            problems.append(f"{where}.ConfigRuleName {name!r} is used by {names[name]} too")
        names[name] = where
    problems.extend(_check_frequency(f"{where}.MaximumExecutionFrequency", properties))

    scope = properties.get("Scope")
    if isinstance(scope, Mapping):
        problems.extend(_unknown_keys(f"{where}.Scope", scope, _members("Scope")))

    source = properties.get("Source")
    if not isinstance(source, Mapping):
        return [*problems, f"{where}.Source must be a mapping with Owner and SourceIdentifier"]
    problems.extend(_unknown_keys(f"{where}.Source", source, _members("Source")))
    owner = source.get("Owner")
    if owner not in owners():
        problems.append(
            f"{where}.Source.Owner {owner!r} is not valid; expected one of {', '.join(owners())}"
        )
    identifier = source.get("SourceIdentifier")
    if owner == "AWS" and identifier not in allowed:
        problems.append(
            f"{where}.Source.SourceIdentifier {identifier!r} is not on rootguard's list of "
            "AWS managed rules"
        )
    details = source.get("SourceDetails") or []
    for index, detail in enumerate(details if isinstance(details, list) else [details]):
        at = f"{where}.Source.SourceDetails[{index}]"
        if not isinstance(detail, Mapping):
            problems.append(f"{at} must be a mapping")
            continue
        problems.extend(_unknown_keys(at, detail, _members("SourceDetail")))
        problems.extend(_check_frequency(f"{at}.MaximumExecutionFrequency", detail))
    return problems


def _check_frequency(where: str, holder: Mapping[str, Any]) -> list[str]:
    if "MaximumExecutionFrequency" not in holder:
        return []
    value = holder["MaximumExecutionFrequency"]
    if value in frequencies():
        return []
    return [f"{where} {value!r} is not valid; expected one of {', '.join(frequencies())}"]


def _unknown_keys(where: str, mapping: Mapping[str, Any], known: frozenset[str]) -> list[str]:
    return [
        f"{where}.{key} is not a known property; expected one of {', '.join(sorted(known))}"
        for key in mapping
        if key not in known
    ]
