"""The stack program in StackSet mode (Pulumi.org-stackset.yaml) through the offline engine:
a fixed number of resources whatever the number of accounts, the fan-out shown apart from
them, organization-only central policies, and the prerequisites checked first."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from rootguard.cli import main
from rootguard.engine.fanout import fan_out
from rootguard.engine.organizations import OrganizationFixture, load_fixture
from rootguard.engine.program import Plan, PlannedResource, run_program
from rootguard.errors import UsageError
from tests import organization_fixtures as org
from tests.iam_lint import serious_findings

REPO = Path(__file__).resolve().parent.parent
STACK = "org-stackset"
INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"
CFN_STACK = "aws:cloudformation/stack:Stack"
PACK = "aws:cfg/organizationConformancePack:OrganizationConformancePack"
ORG_RULE = "aws:cfg/organizationCustomRule:OrganizationCustomRule"


def _config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((REPO / f"Pulumi.{STACK}.yaml").read_text())["config"]
    return config


def _fixture(tmp_path: Path, workload_accounts: int, **extra: Any) -> OrganizationFixture:
    data = org.organization(workload_accounts, **extra)
    return load_fixture(org.write(tmp_path / f"org-{workload_accounts}.yaml", data))


def _plan(fixture: OrganizationFixture | None = None, **changes: Any) -> Plan:
    config = {**_config(), **changes}
    return run_program(REPO, STACK, config=config, organization=fixture)


@functools.cache
def _example_plan() -> Plan:
    return _plan(load_fixture(org.EXAMPLE))


def _of_type(plan: Plan, kind: str) -> list[PlannedResource]:
    return [r for r in plan.resources if r.type == kind]


def _one(plan: Plan, kind: str) -> PlannedResource:
    (found,) = _of_type(plan, kind)
    return found


# ------------------------------------------------------------------- size and fan-out


def test_stackset_org_stack_size_is_the_same_for_3_and_3000_accounts(tmp_path: Path) -> None:
    small, large = _fixture(tmp_path, 3), _fixture(tmp_path, 3000)
    plans = {count: _plan(fixture) for count, fixture in ((3, small), (3000, large))}
    assert len(plans[3].resources) == len(plans[3000].resources)
    assert sorted(r.urn for r in plans[3].resources) == sorted(r.urn for r in plans[3000].resources)
    reach = {count: fan_out(plan, fixture) for (count, plan), fixture in
             zip(plans.items(), (small, large), strict=True)}  # fmt: skip
    # The generated accounts, plus the example's security and Control Tower accounts.
    assert reach[3] is not None and reach[3000] is not None
    assert reach[3000].accounts is not None and reach[3].accounts is not None
    assert len(reach[3000].accounts) - len(reach[3].accounts) == 2997
    # Every account gets the template in the 17 regions it can be used in.
    assert reach[3000].stacks == 17 * len(reach[3000].accounts)


def test_stackset_plan_headline_shows_fan_out_apart(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", str(REPO), "--stack", STACK, "--accounts", str(org.EXAMPLE)])
    headline, fan_out_line = capsys.readouterr().out.splitlines()[:2]
    assert code == 0
    assert headline.startswith(f"rootguard plan: project rootguard, stack {STACK}: ")
    assert fan_out_line == (
        "fan-out (deployed by AWS, not declared by this stack): 2 StackSets x 17 regions to "
        "4 OUs: 8 accounts, 136 stacks"
    )


def test_stackset_plan_without_fixture_says_accounts_come_later(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["plan", str(REPO), "--stack", STACK]) == 0
    fan_out_line = capsys.readouterr().out.splitlines()[1]
    assert fan_out_line.endswith(
        "to 4 OUs: accounts resolved at deploy time (--accounts FILE counts them)"
    )


def test_stackset_fan_out_counts_follow_aws_rules(tmp_path: Path) -> None:
    fixture = load_fixture(org.EXAMPLE)
    reach = fan_out(_example_plan(), fixture)
    assert reach is not None and reach.accounts is not None
    assert org.MANAGEMENT not in reach.accounts  # StackSets never deploy there
    assert "666666666666" not in reach.accounts  # excludedAccounts
    assert {"111111111111", "999999999999"} <= reach.accounts  # nested OU, skipRecorder OU
    assert reach.twice == {}


def test_stackset_fan_out_reports_an_account_reached_twice(tmp_path: Path) -> None:
    # A forwarding-only OU nested in a target: its accounts get both StackSets.
    data = org.example()
    for ou in data["organizationalUnits"]:
        if ou["id"] == "ou-a1b2-ctrltowr":
            ou["parent"] = "ou-a1b2-workload"
    fixture = load_fixture(org.write(tmp_path / "nested.yaml", data))
    reach = fan_out(_plan(fixture), fixture)
    assert reach is not None
    assert set(reach.twice) == {"999999999998", "999999999999"}


# -------------------------------------------------------------- what the stack declares


def test_stackset_org_stack_declares_no_per_account_baseline() -> None:
    types = {r.type for r in _example_plan().resources}
    assert "rootguard:account_baseline:AccountBaseline" not in types
    assert "aws:cfg/recorder:Recorder" not in types
    assert "aws:cfg/rule:Rule" not in types  # account-level rules: the pack covers them
    assert len(_of_type(_example_plan(), "aws:s3/bucket:Bucket")) == 1
    assert len(_of_type(_example_plan(), "aws:cloudwatch/eventBus:EventBus")) == 1
    assert len(_of_type(_example_plan(), "aws:costexplorer/anomalyMonitor:AnomalyMonitor")) == 1


def test_stackset_organization_rules_wait_for_every_stack_instance() -> None:
    plan = _example_plan()
    recording = {r.urn for r in _of_type(plan, INSTANCE) + _of_type(plan, CFN_STACK)}
    assert len(recording) == 3 * 17  # two StackSets and the own stacks, in 17 regions
    for kind in (PACK, ORG_RULE):
        assert recording <= set(_one(plan, kind).dependencies), kind


def test_stackset_central_policies_admit_this_organization_only() -> None:
    plan = _example_plan()
    organization_id = load_fixture(org.EXAMPLE).organization.id
    bucket = json.loads(_one(plan, "aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    bus = json.loads(_one(plan, "aws:cloudwatch/eventBusPolicy:EventBusPolicy").inputs["policy"])
    for statement in bucket["Statement"]:
        if statement["Effect"] == "Allow":
            assert statement["Principal"] == {"Service": "config.amazonaws.com"}
            assert statement["Condition"]["StringEquals"]["aws:SourceOrgID"] == organization_id
    (put_events,) = bus["Statement"]
    assert put_events["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": organization_id}}
    for document in (bucket, bus):
        assert serious_findings(document) == []


def test_stackset_central_topic_policies_pass_parliament() -> None:
    for policy in _of_type(_example_plan(), "aws:sns/topicPolicy:TopicPolicy"):
        assert serious_findings(json.loads(policy.inputs["policy"])) == [], policy.name


def test_stackset_members_deliver_to_the_central_bucket_and_bus() -> None:
    plan = _example_plan()
    bucket = _one(plan, "aws:s3/bucket:Bucket")
    bus = _one(plan, "aws:cloudwatch/eventBus:EventBus")
    for stack_set in _of_type(plan, "aws:cloudformation/stackSet:StackSet"):
        parameters = stack_set.inputs["parameters"]
        assert parameters["DeliveryBucketName"] == bucket.inputs["bucket"]
        assert parameters["EventBusArn"] == bus.outputs["arn"]
        assert bucket.urn in stack_set.property_dependencies["parameters"]


# ---------------------------------------------------------------------- prerequisites


def test_stackset_without_trusted_access_stops_with_the_cli_line(tmp_path: Path) -> None:
    fixture = _fixture(tmp_path, 3, trusted=["config.amazonaws.com"])
    with pytest.raises(UsageError) as err:
        _plan(fixture)
    message = str(err.value)
    assert "\n" not in message
    assert "run `aws cloudformation activate-organizations-access`" in message
    assert org.STACKSETS in message


def test_stackset_trusted_access_is_not_checked_from_a_delegated_admin(tmp_path: Path) -> None:
    fixture = _fixture(tmp_path, 3, trusted=[])
    organization = {
        **_config()["rootguard:organization"],
        "role": "delegatedAdmin",
        "payerAccount": {"id": org.MANAGEMENT},
    }
    plan = _plan(fixture, **{"rootguard:organization": organization})
    assert {r.inputs["callAs"] for r in _of_type(plan, INSTANCE)} == {"DELEGATED_ADMIN"}
    assert _of_type(plan, CFN_STACK) == []


def test_stackset_guardrails_spare_the_stacksets_execution_role() -> None:
    organization = {**_config()["rootguard:organization"], "guardrails": {"targets": ["r-a1b2"]}}
    plan = _plan(**{"rootguard:organization": organization})
    (protect,) = [
        p for p in _of_type(plan, "aws:organizations/policy:Policy")
        if p.inputs["name"] == "rootguard-protect-rootguard"
    ]  # fmt: skip
    assert "arn:aws:iam::*:role/stacksets-exec-*" in protect.inputs["content"]
