"""The policies of the `rootguard` CrossGuard pack, importable without starting a server.

Policy modules by domain: `recorder` (what Config records, and where), `config_rules`
(rule order, custom-rule invocation, conformance pack bucket), `delivery` (the delivery
bucket is private and TLS-only), `delivery_writable` (Config can write to it),
`root_mfa`, `root_activity`, `cost`, `lambda_iam` (runtimes, administrator access),
`lambda_permissions` (service permissions name their source).

Shared helpers, documented for policies to build on: `values` (plain values and preview
unknowns, `Undecided`), `placement` (a resource's account and region), `stack` (the
stack index, the dependency graph, which resource an input names), `iam` (what an IAM
document allows, conditions included), `roles` (a role's declared policies), `events`
(root activity events, EventBridge and metric filter patterns), `tokens`.
Inside this package imports are relative: it is imported as `rootguard_policies` by the
pack process and as `policies.rootguard_policies` by the tests.
"""

from pulumi_policy import Policy

from .config_rules import config_ordering, conformance_pack_bucket_prefix, custom_rule_invocable
from .cost import cost_anomaly_alerts_present, cost_anomaly_subscription_valid
from .delivery import config_delivery_bucket_secure
from .delivery_writable import config_delivery_writable
from .lambda_iam import iam_no_admin_wildcards, lambda_runtime_supported
from .lambda_permissions import lambda_service_permission_scoped
from .recorder import (
    config_global_resources_once,
    config_recorder_all_resources,
    config_recorder_enabled,
    config_recorder_unique,
)
from .root_activity import root_activity_alarmed
from .root_mfa import root_mfa_rule_present

PACK_NAME = "rootguard"

ALL_POLICIES: tuple[Policy, ...] = (
    config_recorder_all_resources,
    config_recorder_enabled,
    config_global_resources_once,
    config_recorder_unique,
    config_ordering,
    config_delivery_bucket_secure,
    root_mfa_rule_present,
    cost_anomaly_alerts_present,
    cost_anomaly_subscription_valid,
    custom_rule_invocable,
    conformance_pack_bucket_prefix,
    lambda_runtime_supported,
    iam_no_admin_wildcards,
    config_delivery_writable,
    root_activity_alarmed,
    lambda_service_permission_scoped,
)
"""The sixteen policies: the contract's table order, then the three that catch what the
first real deployment would break."""

__all__ = ["ALL_POLICIES", "PACK_NAME"]
