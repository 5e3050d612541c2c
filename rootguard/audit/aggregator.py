"""`rootguard audit --from-aggregator NAME`: the organization's root MFA from AWS Config.

For organizations too large (or too locked down) to assume a role into every
account: an organization Config aggregator already holds each account's
ROOT_ACCOUNT_MFA_ENABLED result, and `DescribeAggregateComplianceByConfigRules`
returns up to 1000 (rule, account, region) rows per call.

A managed rule is deployed under a name of its owner's choosing (the console's
default `root-account-mfa-enabled`, an organization rule's or a conformance pack's
suffixed copy of it, ...) and the aggregate API answers by name only, so rules are
recognised by their identifier appearing in the name, ignoring case and separators;
`--config-rule NAME` names the rule(s) exactly instead (and then only those rows are
read, which is the fewest calls). Two sibling rules add detail when present:
ROOT_ACCOUNT_HARDWARE_MFA_ENABLED tells hardware from virtual MFA, and
IAM_ROOT_ACCESS_KEY_CHECK tells whether root has access keys.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rootguard.audit.checks import (
    Account,
    AccountResult,
    MfaType,
    Status,
    failed,
    inactive_reason,
    not_applicable,
)

MFA_RULE = "ROOT_ACCOUNT_MFA_ENABLED"
HARDWARE_MFA_RULE = "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED"
ROOT_KEYS_RULE = "IAM_ROOT_ACCESS_KEY_CHECK"

PAGE_SIZE = 1000  # the API's maximum `Limit`

# Worst first: one region's NON_COMPLIANT outweighs another's COMPLIANT.
_PRECEDENCE = ("NON_COMPLIANT", "COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA")

Evidence = dict[str, dict[str, list[str]]]
"""account id -> rule identifier -> compliance types seen (one per region/rule copy)."""


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def rule_identifier(rule_name: str) -> str | None:
    """Which of the three root rules a deployed rule name stands for, if any."""
    squashed = _squash(rule_name)
    # The hardware rule's name does not contain the plain MFA rule's (".._HARDWARE_MFA..").
    for identifier in (HARDWARE_MFA_RULE, MFA_RULE, ROOT_KEYS_RULE):
        if _squash(identifier) in squashed:
            return identifier
    return None


def combine(compliance: Iterable[str]) -> str | None:
    seen = set(compliance)
    return next((value for value in _PRECEDENCE if value in seen), None)


def read_evidence(config: Any, aggregator: str, rule_names: Sequence[str] = ()) -> Evidence:
    """Page through the aggregator's rule compliance; raises botocore errors as they come."""
    evidence: Evidence = defaultdict(lambda: defaultdict(list))
    paginator = config.get_paginator("describe_aggregate_compliance_by_config_rules")
    queries: list[tuple[dict[str, Any], str | None]] = (
        [({"ConfigRuleName": name}, rule_identifier(name) or MFA_RULE) for name in rule_names]
        if rule_names
        else [({}, None)]
    )
    for filters, fixed_identifier in queries:
        request: dict[str, Any] = {
            "ConfigurationAggregatorName": aggregator,
            "PaginationConfig": {"PageSize": PAGE_SIZE},
        }
        if filters:
            request["Filters"] = filters
        for page in paginator.paginate(**request):
            for row in page.get("AggregateComplianceByConfigRules", []):
                identifier = fixed_identifier or rule_identifier(row.get("ConfigRuleName", ""))
                compliance = (row.get("Compliance") or {}).get("ComplianceType")
                if identifier and compliance and row.get("AccountId"):
                    evidence[row["AccountId"]][identifier].append(compliance)
    return evidence


def result_for(account: Account, rules: Mapping[str, list[str]], aggregator: str) -> AccountResult:
    if not account.active:
        return not_applicable(account, inactive_reason(account))
    mfa = combine(rules.get(MFA_RULE, []))
    if mfa is None:
        return failed(
            account,
            f"no {MFA_RULE} result for this account in aggregator {aggregator!r}: the rule "
            "is not deployed there, the account is not aggregated, or not evaluated yet",
        )
    if mfa == "INSUFFICIENT_DATA":
        return failed(account, f"{MFA_RULE} has INSUFFICIENT_DATA in aggregator {aggregator!r}")
    if mfa == "NOT_APPLICABLE":
        return not_applicable(
            account, f"{MFA_RULE} is NOT_APPLICABLE: root has no credentials (central root access)"
        )
    mfa_enabled = mfa == "COMPLIANT"
    keys = {"NON_COMPLIANT": True, "COMPLIANT": False}.get(
        combine(rules.get(ROOT_KEYS_RULE, [])) or ""
    )
    hardware = combine(rules.get(HARDWARE_MFA_RULE, []))
    mfa_type = MfaType.NONE
    if mfa_enabled:
        mfa_type = {"COMPLIANT": MfaType.HARDWARE, "NON_COMPLIANT": MfaType.VIRTUAL}.get(
            hardware or "", MfaType.UNKNOWN
        )
    compliant = mfa_enabled and keys is not True
    return AccountResult(
        id=account.id,
        name=account.name,
        status=Status.COMPLIANT if compliant else Status.NON_COMPLIANT,
        mfa_enabled=mfa_enabled,
        mfa_type=mfa_type,
        root_access_keys=keys,
        error=None,
    )


def results_from_evidence(
    accounts: Sequence[Account] | None, evidence: Evidence, aggregator: str
) -> list[AccountResult]:
    """One row per organization account; without the account list, per aggregated account."""
    if accounts is None:
        accounts = [
            Account(id=account_id, name="", state="ACTIVE") for account_id in sorted(evidence)
        ]
    return [result_for(account, evidence.get(account.id, {}), aggregator) for account in accounts]
