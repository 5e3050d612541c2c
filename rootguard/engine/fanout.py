"""What a plan fans out to beyond the resources it declares: StackSet stack instances.

A `StackSetInstance` is one resource of the stack, but AWS deploys its template to every
account of its target OUs in its region, and keeps doing so as accounts join. The plan
shows those accounts apart from the declared resources: counted from the organization
fixture (`--accounts FILE`) when there is one, else said to be resolved at deploy time.
The count follows AWS's rules: accounts under the target OUs (nested OUs included), the
management account never ("CloudFormation doesn't deploy stack instances to the
organization management account", DeploymentTargets), the AccountFilterType applied.
An account reached by two StackSets of the plan is reported: the member baseline would
be deployed to it twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rootguard.engine.aws import reveal
from rootguard.engine.organizations import OrganizationFixture
from rootguard.engine.program import Plan

STACK_SET_INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"


@dataclass
class FanOut:
    """The stack instances of a plan, and (with a fixture) the accounts they reach."""

    instances: int = 0
    """StackSetInstance resources (each: one StackSet, its targets, one region)."""
    stack_sets: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    targets: set[str] = field(default_factory=set)
    accounts: set[str] | None = None
    """Accounts reached (None without a fixture)."""
    stacks: int = 0
    """Account x region stacks AWS deploys (with a fixture)."""
    twice: dict[str, set[str]] = field(default_factory=dict)
    """Account -> the StackSets that reach it, where more than one does."""


def _strings(value: object) -> list[str]:
    value = reveal(value)
    if not isinstance(value, list):
        return []
    return [item for item in (reveal(v) for v in value) if isinstance(item, str)]


def reached(fixture: OrganizationFixture, targets: dict[str, object]) -> set[str]:
    """The accounts a DeploymentTargets (wire form) reaches in `fixture`."""
    ous = _strings(targets.get("organizationalUnitIds"))
    listed = set(_strings(targets.get("accounts")))
    kind = reveal(targets.get("accountFilterType")) or ("INTERSECTION" if listed else "NONE")
    management = fixture.organization.management_account_id
    under = {a.id for ou in ous for a in fixture.accounts_under(ou)} - {management}
    if kind == "INTERSECTION":
        return under & listed
    if kind == "DIFFERENCE":
        return under - listed
    if kind == "UNION":
        return under | (listed - {management})
    return under


def fan_out(plan: Plan, fixture: OrganizationFixture | None) -> FanOut | None:
    """The plan's fan-out; None when it declares no StackSet instance."""
    instances = [r for r in plan.resources if r.type == STACK_SET_INSTANCE]
    if not instances:
        return None
    result = FanOut(instances=len(instances))
    by_account: dict[str, set[str]] = defaultdict(set)
    stacks = 0
    for instance in instances:
        name = reveal(instance.inputs.get("stackSetName"))
        stack_set = name if isinstance(name, str) else instance.name
        region = reveal(instance.inputs.get("stackSetInstanceRegion"))
        targets = reveal(instance.inputs.get("deploymentTargets")) or {}
        result.stack_sets.add(stack_set)
        if isinstance(region, str):
            result.regions.add(region)
        if isinstance(targets, dict):
            result.targets.update(_strings(targets.get("organizationalUnitIds")))
            if fixture is not None:
                accounts = reached(fixture, targets)
                stacks += len(accounts)
                for account in accounts:
                    by_account[account].add(stack_set)
    if fixture is not None:
        result.accounts = set(by_account)
        result.stacks = stacks
        result.twice = {a: sets for a, sets in sorted(by_account.items()) if len(sets) > 1}
    return result


def describe(result: FanOut) -> str:
    """One line for the plan's headline."""
    where = (
        f"{len(result.stack_sets)} StackSets x {len(result.regions)} regions to "
        f"{len(result.targets)} OUs"
    )
    if result.accounts is None:
        reach = "accounts resolved at deploy time (--accounts FILE counts them)"
    else:
        reach = f"{len(result.accounts)} accounts, {result.stacks} stacks"
    line = f"fan-out (deployed by AWS, not declared by this stack): {where}: {reach}"
    if result.twice:
        first = next(iter(result.twice))
        line += (
            f"; {len(result.twice)} accounts reached by two StackSets (e.g. {first}: "
            f"{', '.join(sorted(result.twice[first]))})"
        )
    return line
