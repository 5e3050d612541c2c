"""Root-account MFA coverage: every account the stack deploys into is evaluated by
AWS Config's ROOT_ACCOUNT_MFA_ENABLED managed rule.

An organization stack that fans out with StackSets deploys into the accounts of its
target OUs too: they are judged once, as `templates.MEMBER_ACCOUNT`, and are covered by
an organization managed rule or conformance pack with the rule (the StackSet's template
holding their recorder), or by the rule in the template itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .placement import the_account
from .stack import StackIndex, account_urn
from .templates import (
    MEMBER_ACCOUNT,
    parse_template,
    reaches_members,
    template_resources,
    the_accounts_reached,
)
from .tokens import CONFIG_RULE, ORG_CONFORMANCE_PACK, ORG_MANAGED_RULE
from .values import Undecided, as_list, dig, is_unknown

ROOT_MFA_RULE = "ROOT_ACCOUNT_MFA_ENABLED"


def template_has_root_mfa_rule(template: str) -> bool:
    """True when a conformance pack template (YAML or JSON) declares an AWS-owned
    ROOT_ACCOUNT_MFA_ENABLED rule."""
    parsed = parse_template(template)
    resources = parsed.get("Resources") if isinstance(parsed, Mapping) else None
    if not isinstance(resources, Mapping):
        return False
    for resource in resources.values():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::Config::ConfigRule":
            continue
        source = dig(resource, "Properties", "Source")
        if dig(source, "Owner") == "AWS" and dig(source, "SourceIdentifier") == ROOT_MFA_RULE:
            return True
    return False


_Unknown = tuple[Any, ...]
"""An unknown value that might still add coverage: (sentinel, resource name, *path)."""


class _Coverage:
    """Which accounts have root-MFA coverage: per account, or organization-wide minus
    excluded accounts; `maybe` holds what an unknown value might still cover."""

    def __init__(self) -> None:
        self.accounts: set[str] = set()
        self.org_excluding: list[set[str]] = []
        self.maybe_accounts: dict[str, _Unknown] = {}
        self.maybe_everywhere: _Unknown | None = None

    def covers(self, account: str) -> bool:
        return account in self.accounts or any(account not in ex for ex in self.org_excluding)

    def covers_every_account(self) -> bool:
        return any(not excluded for excluded in self.org_excluding)

    def maybe(self, account: str) -> _Unknown | None:
        return self.maybe_accounts.get(account) or self.maybe_everywhere


def _coverage(stack: StackIndex) -> _Coverage:
    coverage = _Coverage()
    for rule in stack.of_type(CONFIG_RULE):
        props = stack.props(rule)
        owner = dig(props, "source", "owner")
        identifier = dig(props, "source", "sourceIdentifier")
        # A known other owner (a CUSTOM_LAMBDA rule, whose function ARN is unknown during
        # a preview) or a known other identifier settles it: not this rule.
        if (not is_unknown(owner) and owner != "AWS") or (
            not is_unknown(identifier) and identifier != ROOT_MFA_RULE
        ):
            continue
        account = stack.account(rule)
        unknown = next((v for v in (owner, identifier) if is_unknown(v)), None)
        if account is None:
            reason = stack.unaccounted_reason(rule)
            coverage.maybe_everywhere = (reason.unknown_type_sentinel, rule.name, *reason.props)
        elif unknown is not None:
            coverage.maybe_accounts[account] = (unknown, rule.name, "source")
        else:
            coverage.accounts.add(account)
    org_sources = [(r, "ruleIdentifier") for r in stack.of_type(ORG_MANAGED_RULE)]
    org_sources += [(p, "templateBody") for p in stack.of_type(ORG_CONFORMANCE_PACK)]
    for resource, key in org_sources:
        props = stack.props(resource)
        value, excluded = props.get(key), props.get("excludedAccounts")
        if is_unknown(value):
            coverage.maybe_everywhere = (value, resource.name, key)
            continue
        has_rule = (
            value == ROOT_MFA_RULE
            if key == "ruleIdentifier"
            else isinstance(value, str) and template_has_root_mfa_rule(value)
        )
        if not has_rule:
            continue
        if is_unknown(excluded) or any(is_unknown(a) for a in as_list(excluded)):
            coverage.maybe_everywhere = (excluded, resource.name, "excludedAccounts")
            continue
        coverage.org_excluding.append({str(a) for a in as_list(excluded)})
    return coverage


def _template_rule(stack: StackIndex, account: str) -> bool | None:
    """Whether a template of the stack creates the rule in `account`: True, False, or
    None while a condition deciding it is unknown."""
    verdict: bool | None = False
    for rule in template_resources(stack, "AWS::Config::ConfigRule", account):
        source = rule.properties.get("Source")
        if dig(source, "Owner") != "AWS" or dig(source, "SourceIdentifier") != ROOT_MFA_RULE:
            continue
        if rule.created is True:
            return True
        if rule.created is None:
            verdict = None
    return verdict


def root_mfa_rule_present_validator(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    stack = StackIndex(args.resources)
    undecided = Undecided()
    coverage = _coverage(stack)
    first_of_account, unaccounted = stack.first_of_each_account()
    if not coverage.covers_every_account():
        for resource in unaccounted:
            undecided.note_error(stack.unaccounted_reason(resource), resource.name)
    judged = dict(first_of_account)
    members = reaches_members(stack)
    if members:
        judged[MEMBER_ACCOUNT] = members[0].source
    for account, resource in judged.items():
        if coverage.covers(account):
            continue
        in_template = _template_rule(stack, account)
        if in_template is True:
            continue
        maybe = coverage.maybe(account)
        if maybe is None and in_template is None:
            maybe = ("", resource.name, "templateBody")
        if maybe is not None:
            undecided.note(*maybe)
            continue
        subject = (
            the_accounts_reached(members) if account == MEMBER_ACCOUNT else the_account(account)
        )
        report_violation(
            f"{subject} must have an AWS-owned {ROOT_MFA_RULE} Config rule "
            "(or be covered by an organization managed rule or organization conformance "
            "pack with it); nothing in the stack tells anyone when its root user has no MFA.",
            resource.urn if account == MEMBER_ACCOUNT else account_urn(resource),
        )
    undecided.settle()


root_mfa_rule_present = StackValidationPolicy(
    name="root-mfa-rule-present",
    description=(
        "Every account the stack deploys AWS resources into must be evaluated by AWS "
        "Config's ROOT_ACCOUNT_MFA_ENABLED rule (its own, or an organization rule or pack)."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=root_mfa_rule_present_validator,
)
