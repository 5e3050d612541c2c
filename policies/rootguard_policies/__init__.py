"""The policies of the `rootguard` CrossGuard pack, importable without starting a server.

Modules by domain: `recorder` (what Config records, and where), `config_rules` (rule
order, custom-rule invocation, conformance pack bucket), `delivery` (the delivery
bucket), `root_mfa`, `cost`, `lambda_iam`; `placement` resolves a resource's account
and region; `values` and `stack` read inputs and the dependency graph, unknowns included.
Inside this package imports are relative: it is imported as `rootguard_policies` by the
pack process and as `policies.rootguard_policies` by the tests.
"""

from pulumi_policy import Policy

from .config_rules import config_ordering, conformance_pack_bucket_prefix, custom_rule_invocable
from .cost import cost_anomaly_alerts_present, cost_anomaly_subscription_valid
from .delivery import config_delivery_bucket_secure
from .lambda_iam import iam_no_admin_wildcards, lambda_runtime_supported
from .recorder import (
    config_global_resources_once,
    config_recorder_all_resources,
    config_recorder_enabled,
    config_recorder_unique,
)
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
)
"""The thirteen policies, in ARCHITECTURE.md's order."""

__all__ = ["ALL_POLICIES", "PACK_NAME"]
