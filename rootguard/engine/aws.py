"""AWS-like answers for the offline engine: ids, auto-names, ARNs, common invokes.

Everything is derived from the resource's URN, so two runs of one program answer
alike. An ARN carries the account and region ``rootguard.engine.placement`` gives the
resource (its provider's last assumed role, its own ``region`` input, ...), the rule
the policy pack reads too.

Values are handled in *wire* form: camelCase keys, unknowns as ``UNKNOWN``, secrets as
``{SIG_KEY: SECRET_SIG, "value": ...}``.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import mocks as pulumi_mocks

from rootguard.engine import organizations
from rootguard.engine.organizations import OrganizationFixture
from rootguard.engine.placement import (
    AWS_PROVIDER_TYPE,
    DEFAULT_ACCOUNT_ID,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    Placement,
    default_placement,
    provider_placement,
    provider_urn,
    resource_placement,
    reveal,
)

__all__ = [
    "AWS_PROVIDER_TYPE",
    "DEFAULT_ACCOUNT_ID",
    "SECRET_SIG",
    "SIG_KEY",
    "UNKNOWN",
    "AwsMocks",
    "Placement",
    "aws_outputs",
    "policy_document",
    "reveal",
]

PROVIDER_TYPE_PREFIX = "pulumi:providers:"
DEFAULT_REGION = "us-east-1"
"""Used in ARNs only when neither the resource nor its provider has a region."""


# --------------------------------------------------------------------------------------
# What AWS computes for a new resource
# --------------------------------------------------------------------------------------


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class _Shape:
    """How AWS answers for a resource type: the physical name, id, ARN and more.

    Templates are ``str.format`` strings over: name (physical name), account, region,
    partition, hex (8 stable hex digits), uid (a stable UUID), path (IAM path), inputs
    (the plain inputs, e.g. ``{inputs[topicArn]}``) and, in ``id`` and ``extra``, arn.
    """

    arn: str | None = None
    id: str = "{name}"
    name_key: str | None = "name"
    """Input holding the physical name; auto-named from the logical name when absent."""
    lower: bool = False
    """Auto-names are lower case (S3 bucket names)."""
    extra: Mapping[str, str] = field(default_factory=dict)


_CONFIG = "arn:{partition}:config:{region}:{account}:"

_SHAPES: dict[str, _Shape] = {
    "aws:s3/bucket:Bucket": _Shape(
        arn="arn:{partition}:s3:::{name}",
        name_key="bucket",
        lower=True,
        extra={
            "bucketDomainName": "{name}.s3.amazonaws.com",
            "bucketRegionalDomainName": "{name}.s3.{region}.amazonaws.com",
            "region": "{region}",
        },
    ),
    "aws:iam/role:Role": _Shape(
        arn="arn:{partition}:iam::{account}:role{path}{name}",
        extra={"uniqueId": "AROA{hex}{hex}"},
    ),
    "aws:iam/policy:Policy": _Shape(
        arn="arn:{partition}:iam::{account}:policy{path}{name}",
        id="{arn}",
        extra={"policyId": "ANPA{hex}{hex}"},
    ),
    "aws:iam/rolePolicy:RolePolicy": _Shape(id="{inputs[role]}:{name}"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _Shape(
        id="{inputs[role]}-{hex}", name_key=None
    ),
    "aws:cfg/recorder:Recorder": _Shape(),
    "aws:cfg/deliveryChannel:DeliveryChannel": _Shape(),
    "aws:cfg/recorderStatus:RecorderStatus": _Shape(),
    "aws:cfg/rule:Rule": _Shape(
        arn=_CONFIG + "config-rule/config-rule-{hex}", extra={"ruleId": "config-rule-{hex}"}
    ),
    "aws:cfg/conformancePack:ConformancePack": _Shape(
        arn=_CONFIG + "conformance-pack/{name}/conformance-pack-{hex}"
    ),
    "aws:cfg/organizationConformancePack:OrganizationConformancePack": _Shape(
        arn=_CONFIG + "organization-conformance-pack/{name}-{hex}"
    ),
    "aws:cfg/organizationManagedRule:OrganizationManagedRule": _Shape(
        arn=_CONFIG + "organization-config-rule/{name}-{hex}"
    ),
    "aws:cfg/organizationCustomRule:OrganizationCustomRule": _Shape(
        arn=_CONFIG + "organization-config-rule/{name}-{hex}"
    ),
    "aws:lambda/function:Function": _Shape(
        arn="arn:{partition}:lambda:{region}:{account}:function:{name}",
        extra={
            "invokeArn": "arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/"
            "functions/{arn}/invocations",
            "qualifiedArn": "{arn}:1",
            "version": "1",
        },
    ),
    "aws:lambda/permission:Permission": _Shape(name_key="statementId"),
    "aws:sns/topic:Topic": _Shape(arn="arn:{partition}:sns:{region}:{account}:{name}", id="{arn}"),
    "aws:sns/topicPolicy:TopicPolicy": _Shape(id="{inputs[arn]}", name_key=None),
    "aws:sns/topicSubscription:TopicSubscription": _Shape(
        arn="{inputs[topicArn]}:{uid}", id="{arn}", name_key=None
    ),
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": _Shape(
        arn="arn:{partition}:ce::{account}:anomalymonitor/{uid}", id="{arn}"
    ),
    "aws:costexplorer/anomalySubscription:AnomalySubscription": _Shape(
        arn="arn:{partition}:ce::{account}:anomalysubscription/{uid}", id="{arn}"
    ),
    "aws:cloudwatch/eventRule:EventRule": _Shape(
        arn="arn:{partition}:events:{region}:{account}:rule/{name}"
    ),
    "aws:cloudwatch/eventBus:EventBus": _Shape(
        arn="arn:{partition}:events:{region}:{account}:event-bus/{name}"
    ),
    "aws:cloudwatch/eventTarget:EventTarget": _Shape(
        id="{inputs[rule]}-{name}", name_key="targetId"
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _Shape(
        arn="arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}"
    ),
    "aws:cloudwatch/logGroup:LogGroup": _Shape(
        arn="arn:{partition}:logs:{region}:{account}:log-group:{name}"
    ),
    "aws:cloudtrail/trail:Trail": _Shape(
        arn="arn:{partition}:cloudtrail:{region}:{account}:trail/{name}", id="{arn}"
    ),
    "aws:kms/key:Key": _Shape(
        arn="arn:{partition}:kms:{region}:{account}:key/{uid}",
        id="{uid}",
        name_key=None,
        extra={"keyId": "{uid}"},
    ),
    "aws:sqs/queue:Queue": _Shape(
        arn="arn:{partition}:sqs:{region}:{account}:{name}",
        id="https://sqs.{region}.amazonaws.com/{account}/{name}",
        extra={"url": "https://sqs.{region}.amazonaws.com/{account}/{name}"},
    ),
}

# ARN service names that differ from the pulumi-aws module, and services without regions.
_SERVICES = {"cfg": "config", "costexplorer": "ce"}
_GLOBAL_SERVICES = {"iam", "ce", "organizations", "route53", "cloudfront"}
_BY_BUCKET = _Shape(id="{inputs[bucket]}", name_key=None)


def _shape(type_: str, inputs: Mapping[str, Any]) -> _Shape:
    shape = _SHAPES.get(type_)
    if shape is not None:
        return shape
    if type_.startswith("aws:s3/bucket") and "bucket" in inputs:
        return _BY_BUCKET  # policy, versioning, encryption, ...: identified by the bucket
    module = type_.split(":")[1].split("/")[0]
    service = _SERVICES.get(module, module)
    kind = re.sub(r"(?<!^)(?=[A-Z])", "-", type_.rsplit(":", 1)[-1]).lower()
    region = "" if service in _GLOBAL_SERVICES else "{region}"
    return _Shape(arn=f"arn:{{partition}}:{service}:{region}:{{account}}:{kind}/{{name}}")


class _Inputs(dict[str, Any]):
    """``{inputs[key]}`` in a template: a missing or unknown input reads ``unknown``."""

    def __missing__(self, key: str) -> str:
        return "unknown"


def stable_hex(seed: str, length: int = 8) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def stable_uuid(seed: str) -> str:
    return str(uuid.UUID(hashlib.sha256(seed.encode()).hexdigest()[:32]))


def _auto_name(shape: _Shape, name: str, urn: str, plain: Mapping[str, Any]) -> str:
    prefix = plain.get(f"{shape.name_key}Prefix", plain.get("namePrefix"))
    physical = (prefix if isinstance(prefix, str) else f"{name}-") + stable_hex(urn, 7)
    return physical.lower() if shape.lower else physical


def auto_name(type_: str, name: str, urn: str, inputs: Mapping[str, Any]) -> dict[str, str]:
    """``{name key: physical name}`` when ``type_`` is auto-named and no name is given.

    The provider does this in Check, so the real engine knows the name during a preview:
    the logical name, a dash and 7 hex digits (stable here: from the URN), or the given
    ``<key>Prefix``/``namePrefix`` and the digits; lower case for S3 buckets.
    """
    shape = _shape(type_, inputs)
    key = shape.name_key
    if key is None or key in inputs:  # given, or unknown until another resource exists
        return {}
    plain = {k: reveal(v) for k, v in inputs.items()}
    return {key: _auto_name(shape, name, urn, plain)}


def physical_name(type_: str, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> str | None:
    """The name AWS knows the resource by (bucket, rule, function, role ...), when known:
    given in the inputs, else auto-named in the outputs; None when unknown (a preview)."""
    key = _shape(type_, inputs).name_key
    if key is None:
        return None
    for values in (inputs, outputs):
        value = reveal(values.get(key))
        if isinstance(value, str) and value:
            return value
    return None


def aws_outputs(
    type_: str,
    name: str,
    urn: str,
    inputs: Mapping[str, Any],
    placement: Placement,
    existing_id: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """The id and the outputs AWS computes for a ``type_`` resource (not its inputs).

    ``existing_id`` is the id of a resource that is read or imported rather than
    created: it is the id, and the physical name where the type has one.
    """
    shape = _shape(type_, inputs)
    plain = _Inputs()
    for key, value in inputs.items():
        value = reveal(value)
        if value is not None:
            plain[key] = value
    outputs: dict[str, Any] = {}
    physical = None
    if shape.name_key:
        physical = plain.get(shape.name_key, existing_id)
        if isinstance(physical, str) and shape.name_key not in plain:
            outputs[shape.name_key] = physical
        elif not isinstance(physical, str):
            physical = _auto_name(shape, name, urn, plain)
            outputs[shape.name_key] = physical
    region = placement.region or DEFAULT_REGION
    values: dict[str, Any] = {
        "name": physical or name,
        "account": placement.account or DEFAULT_ACCOUNT_ID,
        "region": region,
        "partition": _partition(region),
        "hex": stable_hex(urn),
        "uid": stable_uuid(urn),
        "path": plain.get("path") or "/",
        "inputs": plain,
        "arn": plain.get("arn", ""),
    }
    if shape.arn and "arn" not in inputs:
        values["arn"] = outputs["arn"] = shape.arn.format(**values)
    physical_id = existing_id or shape.id.format(**values)
    for key, template in shape.extra.items():
        if key == "region" and placement.region is None:
            continue  # no region anywhere: the provider would refuse, not invent one
        outputs[key] = template.format(**values)
    outputs["id"] = physical_id
    return physical_id, outputs


def policy_document(args: Mapping[str, Any]) -> dict[str, Any]:
    """An IAM policy from ``aws.iam.get_policy_document`` arguments, as the provider renders it.

    Lists of one collapse to a string, a ``*`` principal of type ``*`` to ``"*"``.
    """

    def get(raw: Mapping[str, Any], key: str) -> Any:
        # Args classes arrive camelCase; plain dicts keep the program's snake_case keys.
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
        return raw.get(key, raw.get(snake))

    def one_or_many(values: Any) -> Any:
        values = [reveal(v) for v in values or []]
        return values[0] if len(values) == 1 else values

    def principals(items: Any) -> Any:
        result: dict[str, Any] = {}
        for item in items or []:
            if item.get("type") == "*" and list(item.get("identifiers") or []) == ["*"]:
                return "*"
            result[item["type"]] = one_or_many(item.get("identifiers"))
        return result

    statements = []
    for raw in get(args, "statements") or []:
        statement: dict[str, Any] = {}
        if get(raw, "sid"):
            statement["Sid"] = get(raw, "sid")
        statement["Effect"] = get(raw, "effect") or "Allow"
        for key, out in (
            ("actions", "Action"),
            ("notActions", "NotAction"),
            ("resources", "Resource"),
            ("notResources", "NotResource"),
        ):
            if get(raw, key):
                statement[out] = one_or_many(get(raw, key))
        if get(raw, "principals"):
            statement["Principal"] = principals(get(raw, "principals"))
        if get(raw, "notPrincipals"):
            statement["NotPrincipal"] = principals(get(raw, "notPrincipals"))
        conditions: dict[str, dict[str, Any]] = {}
        for condition in get(raw, "conditions") or []:
            conditions.setdefault(condition["test"], {})[condition["variable"]] = one_or_many(
                condition.get("values")
            )
        if conditions:
            statement["Condition"] = conditions
        statements.append(statement)
    document: dict[str, Any] = {"Version": get(args, "version") or "2012-10-17"}
    if get(args, "policyId"):
        document["Id"] = get(args, "policyId")
    document["Statement"] = statements
    return document


# --------------------------------------------------------------------------------------
# The mocks
# --------------------------------------------------------------------------------------


class AwsMocks(pulumi_mocks.Mocks):
    """Answers resource registrations and invokes as AWS would, offline.

    ``answer`` is what the recording monitor uses (wire inputs, the URN known);
    ``new_resource``/``call`` are the stock ``Mocks`` API, so these mocks also work
    with the SDK's own ``MockMonitor`` in unit tests. With ``preview=True`` the id and
    every computed output are unknown, as in a first ``pulumi preview``.
    """

    def __init__(
        self,
        *,
        config: Mapping[str, str],
        preview: bool,
        organization: OrganizationFixture | None = None,
    ) -> None:
        self.preview = preview
        self.organization = organization
        """What AWS Organizations answers (``--accounts FILE``); None: no fixture."""
        self.default = default_placement(config)
        self._providers: dict[str, Placement] = {}
        self._lock = threading.Lock()

    def provider(self, reference: str | None) -> Placement:
        """The placement of the provider a ``"<urn>::<id>"`` reference names (default: the
        default provider)."""
        with self._lock:
            return self._providers.get(provider_urn(reference) or "", self.default)

    def answer(
        self,
        *,
        urn: str,
        type_: str,
        name: str,
        custom: bool,
        provider: str | None,
        inputs: Mapping[str, Any],
        existing_id: str | None = None,
    ) -> tuple[str | None, dict[str, Any]]:
        """The id and computed outputs (wire form, inputs not repeated) of a resource.

        ``existing_id`` names a resource read (``Resource.get``) or imported: that is its
        id, known even in a preview.
        """
        if not custom:
            return None, {}
        if type_.startswith(PROVIDER_TYPE_PREFIX):
            if type_ == AWS_PROVIDER_TYPE:
                with self._lock:
                    self._providers[urn] = provider_placement(inputs)
            return (None if self.preview else stable_uuid(urn)), {}
        if type_.startswith("aws:"):
            placement = resource_placement(type_, inputs, self.provider(provider))
            physical_id, computed = aws_outputs(type_, name, urn, inputs, placement, existing_id)
        else:
            physical_id, computed = existing_id or f"{name}-{stable_hex(urn)}", {}
        computed = {key: value for key, value in computed.items() if key not in inputs}
        if self.preview:
            return existing_id, dict.fromkeys(computed, UNKNOWN)
        return physical_id, computed

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        id_, computed = self.answer(
            urn=f"{args.typ}::{args.name}",
            type_=args.typ,
            name=args.name,
            custom=bool(args.custom),
            provider=args.provider,
            inputs=args.inputs,
            existing_id=args.resource_id or None,
        )
        return id_, {**computed, **args.inputs}

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        return self.invoke(args.token, args.args, args.provider), []

    def invoke(self, token: str, args: Mapping[str, Any], provider: str | None) -> dict[str, Any]:
        """The result of a provider function; ``{}`` for one these mocks do not know."""
        from_fixture = organizations.invoke(self.organization, token, args)
        if from_fixture is not None:
            return from_fixture
        placement = self.provider(provider)
        account = placement.account or DEFAULT_ACCOUNT_ID
        region = reveal(args.get("region")) or placement.region or DEFAULT_REGION
        partition = _partition(region)
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": account,
                "arn": f"arn:{partition}:iam::{account}:user/rootguard-plan",
                "id": account,
                "userId": "AIDA" + stable_hex(account, 16).upper(),
            }
        if token == "aws:index/getRegion:getRegion":
            return {
                "id": region,
                "name": region,
                "region": region,
                "endpoint": f"ec2.{region}.amazonaws.com",
                "description": region,
            }
        if token == "aws:index/getPartition:getPartition":
            return {
                "id": partition,
                "partition": partition,
                "dnsSuffix": "amazonaws.com",
                "reverseDnsPrefix": "com.amazonaws",
            }
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = [f"{region}{zone}" for zone in "abc"]
            return {"id": region, "names": names, "zoneIds": names, "groupNames": names}
        if token == "aws:iam/getPolicyDocument:getPolicyDocument":
            document = policy_document(args)
            text = json.dumps(document, indent=2)
            return {
                "id": stable_hex(text),
                "json": text,
                "minifiedJson": json.dumps(document, separators=(",", ":")),
            }
        if token == "aws:organizations/getOrganization:getOrganization":
            org = "o-rootguard0"
            return {
                "id": org,
                "arn": f"arn:{partition}:organizations::{account}:organization/{org}",
                "featureSet": "ALL",
                "masterAccountId": account,
                "masterAccountArn": f"arn:{partition}:organizations::{account}:account/"
                f"{org}/{account}",
                "masterAccountEmail": "management@example.com",
            }
        return {}
