"""`rootguard plan --json` and the policy pack agree on every resource's account and region.

The plan places resources with `rootguard.engine.placement`; the pack, which imports
nothing from rootguard, has its own reading (`rootguard_policies.placement`). Hypothesis
generates provider set-ups — the default provider pinned (or not) by stack config
`aws:assumeRoles` / `aws:allowedAccountIds` / `aws:region`, explicit providers with role
chains of up to three hops and allowed account ids, resources with and without their own
`region` input, Cost Explorer and IAM resources without one — and runs the fixture program
`fixtures/programs/placement` through the offline engine. Each resource's `account` and
`region` in the plan's JSON must equal what the pack's `StackIndex` reads from the
AnalyzeStack request the gate builds for that plan, converted as the pack converts it.
One fixed set-up also goes through the real gate and a pack process that reports what
`StackIndex` says (`fixtures/packs/placement`).

The pack cannot know the id of the stack's default credentials' account nor a region no
input names: those read `default`, which stand for the plan's `123456789012` and null.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi.runtime
import pytest
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import unknown_checking_proxy

from policies.rootguard_policies.placement import DEFAULT_ACCOUNT, DEFAULT_REGION
from policies.rootguard_policies.stack import StackIndex
from rootguard.cli import main
from rootguard.engine.placement import DEFAULT_ACCOUNT_ID
from rootguard.engine.program import Plan, run_program
from rootguard.gate.analyzer import RequestBuilder

PROGRAM = Path(__file__).parent / "fixtures" / "programs" / "placement"
PLACEMENT_PACK = Path(__file__).parent / "fixtures" / "packs" / "placement"
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("us-east-1", "eu-west-1", "ap-south-1")
KINDS = ("topic", "bucket", "recorder", "monitor", "role")
REGIONAL = {"topic", "bucket", "recorder"}

accounts = st.sampled_from(ACCOUNTS)
maybe_region = st.none() | st.sampled_from(REGIONS)


@st.composite
def setups(draw: st.DrawFn) -> dict[str, Any]:
    """A stack config: the default provider's aws:* keys and the program's providers
    and resources."""
    config: dict[str, Any] = {}
    region = draw(maybe_region)
    if region is not None:
        config["aws:region"] = region
    chain = draw(st.lists(accounts, max_size=3))
    if chain:
        config["aws:assumeRoles"] = [
            {"roleArn": f"arn:aws:iam::{a}:role/Stack{i}"} for i, a in enumerate(chain)
        ]
    allowed = draw(st.lists(accounts, max_size=2, unique=True))
    if allowed:
        config["aws:allowedAccountIds"] = allowed
    providers = [
        {
            "name": f"p{index}",
            "roles": draw(st.lists(accounts, max_size=3)),
            "allowed": draw(st.lists(accounts, max_size=2, unique=True)),
            "region": draw(maybe_region),
        }
        for index in range(draw(st.integers(0, 3)))
    ]
    resources = []
    for index in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(KINDS))
        provider = draw(st.none() | st.integers(0, len(providers) - 1)) if providers else None
        region = draw(maybe_region) if kind in REGIONAL else None
        resources.append(
            {"kind": kind, "name": f"r{index}", "provider": provider, "region": region}
        )
    config["placement:providers"] = providers
    config["placement:resources"] = resources
    return config


def plan_placements(plan: Plan) -> dict[str, tuple[str | None, str | None]]:
    """urn -> (account, region) of every aws resource, from `rootguard plan --json`."""
    return {
        r["urn"]: (r["account"], r["region"])
        for r in plan.to_json()["resources"]
        if r["custom"] and r["type"].startswith("aws:")
    }


def pack_placements(plan: Plan) -> dict[str, tuple[str | None, str | None] | None]:
    """urn -> (account, region) as the pack's StackIndex reads the AnalyzeStack request
    (None while undecidable); the pack's `default`s mapped to the plan's values."""
    builder = RequestBuilder(plan.resources)
    resources = []
    for resource in plan.resources:
        request = builder.stack_resource(resource, resource.outputs)
        provider = None
        if request.HasField("provider"):
            p = request.provider
            props = deserialize_properties(json_format.MessageToDict(p.properties))
            provider = PolicyProviderResource(p.type, unknown_checking_proxy(props), p.urn, p.name)
        props = deserialize_properties(json_format.MessageToDict(request.properties))
        resources.append(
            PolicyResource(
                request.type,
                unknown_checking_proxy(props),
                request.urn,
                request.name,
                PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None),
                provider,
                None,
                [],
                {},
            )
        )
    pulumi.runtime.set_all_config(dict(plan.config))  # the pack process's PULUMI_CONFIG
    index = StackIndex(resources)
    found: dict[str, tuple[str | None, str | None] | None] = {}
    for resource in index.aws_resources():
        placement = index.placement(resource)
        if placement is None:
            found[resource.urn] = None
            continue
        account = DEFAULT_ACCOUNT_ID if placement.account == DEFAULT_ACCOUNT else placement.account
        region = None if placement.region == DEFAULT_REGION else placement.region
        found[resource.urn] = (account, region)
    return found


@pytest.fixture(autouse=True)
def _isolated_runtime_config() -> Any:
    token = pulumi.runtime.config.CONFIG.set({})
    yield
    pulumi.runtime.config.CONFIG.reset(token)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(config=setups())
def test_placement_plan_and_pack_agree_on_every_resource(config: dict[str, Any]) -> None:
    plan = run_program(PROGRAM, "gen", config=config)
    planned = plan_placements(plan)
    assert len(planned) >= len(config["placement:resources"])
    assert pack_placements(plan) == planned


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(config=setups())
def test_placement_preview_pack_agrees_or_waits_for_computed_regions(
    config: dict[str, Any],
) -> None:
    # A bucket without a `region` input gets it computed: the pack may only wait.
    plan = run_program(PROGRAM, "gen", config=config, preview=True)
    planned = plan_placements(plan)
    by_urn = plan.by_urn()
    for urn, placement in pack_placements(plan).items():
        if placement is None:
            resource = by_urn[urn]
            assert resource.type == "aws:s3/bucket:Bucket" and "region" not in resource.inputs
        else:
            assert placement == planned[urn]


# --- the generator covers what the issue names ------------------------------------------------


def test_placement_role_chain_and_pinned_default_provider_by_example() -> None:
    config = {
        "aws:region": "eu-west-1",
        "aws:assumeRoles": [
            {"roleArn": "arn:aws:iam::333333333333:role/Hub"},
            {"roleArn": "arn:aws:iam::222222222222:role/Target"},
        ],
        "placement:providers": [
            {"name": "chain", "roles": ["111111111111", "333333333333"], "region": "ap-south-1"}
        ],
        "placement:resources": [
            {"kind": "topic", "name": "on-default"},
            {"kind": "topic", "name": "chained", "provider": 0},
            {"kind": "bucket", "name": "moved", "provider": 0, "region": "us-east-1"},
            {"kind": "monitor", "name": "costs", "provider": 0},
        ],
    }
    plan = run_program(PROGRAM, "gen", config=config)
    planned = {urn.rsplit("::", 1)[1]: where for urn, where in plan_placements(plan).items()}
    assert planned["on-default"] == ("222222222222", "eu-west-1")  # the last hop, aws:region
    assert planned["chained"] == ("333333333333", "ap-south-1")
    assert planned["moved"] == ("333333333333", "us-east-1")  # its own region input
    assert planned["costs"] == ("333333333333", "us-east-1")  # Cost Explorer's endpoint
    assert pack_placements(plan) == plan_placements(plan)


def test_placement_through_the_real_gate_and_pack_process(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The placement pack reports StackIndex's reading of every aws resource as an advisory.
    code = main(
        ["gate", str(PROGRAM), "--stack", "gate", "--json", "--policy-pack", str(PLACEMENT_PACK)]
    )
    plan = run_program(PROGRAM, "gate")  # Pulumi.gate.yaml
    assert code == 0
    reported = {
        v["urn"]: tuple(json.loads(v["message"].splitlines()[-1]))
        for v in json.loads(capsys.readouterr().out)["violations"]
    }
    expected = {
        urn: (
            DEFAULT_ACCOUNT if account == DEFAULT_ACCOUNT_ID else account,
            region or DEFAULT_REGION,
        )
        for urn, (account, region) in plan_placements(plan).items()
    }
    assert reported == expected
    assert sorted(expected.values()) == [
        ("111111111111", "us-east-1"),
        ("222222222222", "default"),  # an explicit provider without region reads no aws:region
        ("222222222222", "eu-west-1"),
    ]
