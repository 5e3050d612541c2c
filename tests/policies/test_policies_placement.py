"""Account and region resolution, as ARCHITECTURE.md's last paragraph says."""

import json

import pulumi.runtime
import pytest
from policykit import PROD, STAGING, UNKNOWN_STRING, aws_provider
from pulumi_policy import PolicyProviderResource
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from policies.rootguard_policies.placement import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Placement,
    account_of,
    arn_account,
    placement_of,
    region_of,
)

TOPIC = "aws:sns/topic:Topic"
MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"


def test_placement_v7_json_encoded_assume_roles_gives_role_account() -> None:
    # What pulumi-aws v7 really sends: a JSON string with snake_case keys inside.
    provider = aws_provider(PROD, style="v7-json")
    assert PROD in json.loads(provider.props["assumeRoles"])[0]["role_arn"]
    assert account_of(provider) == PROD


def test_placement_v7_decoded_assume_roles_gives_role_account() -> None:
    assert account_of(aws_provider(STAGING, style="v7")) == STAGING


def test_placement_v6_assume_role_gives_role_account() -> None:
    assert account_of(aws_provider(STAGING, style="v6")) == STAGING


def test_placement_allowed_account_ids_only_gives_that_account() -> None:
    assert account_of(aws_provider(STAGING, style="allowed")) == STAGING


def test_placement_role_arn_wins_over_allowed_account_ids() -> None:
    provider = aws_provider(PROD, style="v7-json", props={"allowedAccountIds": '["999999999999"]'})
    assert account_of(provider) == PROD


def test_placement_provider_without_role_gives_default_account() -> None:
    assert account_of(aws_provider(style="none")) == DEFAULT_ACCOUNT


def test_placement_no_provider_gives_default_account() -> None:
    assert account_of(None) == DEFAULT_ACCOUNT


def test_placement_non_aws_provider_gives_default_account() -> None:
    other = PolicyProviderResource(
        "pulumi:providers:random", unknown_checking_proxy({}), "urn:random", "random"
    )
    assert account_of(other) == DEFAULT_ACCOUNT


def test_placement_unknown_role_arn_raises_unknown() -> None:
    provider = aws_provider(style="none", props={"assumeRoles": UNKNOWN_STRING})
    with pytest.raises(UnknownValueError) as err:
        account_of(provider)
    assert err.value.props == ["provider", "assumeRoles"]


def test_placement_unknown_role_arn_settled_by_allowed_account_ids() -> None:
    provider = aws_provider(STAGING, style="allowed", props={"assumeRoles": UNKNOWN_STRING})
    assert account_of(provider) == STAGING


def test_placement_resource_region_wins_over_provider_region() -> None:
    provider = aws_provider(PROD, "us-east-1")
    assert region_of(TOPIC, {"region": "eu-west-1"}, provider, "ap-south-1") == "eu-west-1"


def test_placement_provider_region_when_resource_has_none() -> None:
    assert region_of(TOPIC, {}, aws_provider(PROD, "eu-central-1"), "ap-south-1") == "eu-central-1"


def test_placement_explicit_provider_without_region_ignores_aws_region() -> None:
    # The SDK fills an explicit provider's region from AWS_REGION, never from aws:region.
    pulumi.runtime.set_config("aws:region", "eu-north-1")
    assert region_of(TOPIC, {}, aws_provider(PROD, None), "ap-south-1") == DEFAULT_REGION


def test_placement_no_provider_takes_stack_region_argument() -> None:
    assert region_of(TOPIC, {}, None, "ap-south-1") == "ap-south-1"


def test_placement_no_provider_takes_aws_region_config() -> None:
    pulumi.runtime.set_config("aws:region", "eu-north-1")
    assert region_of(TOPIC, {}, None) == "eu-north-1"


def test_placement_no_region_anywhere_gives_default_region() -> None:
    assert region_of(TOPIC, {}, None) == DEFAULT_REGION


def test_placement_cost_explorer_is_us_east_1_whatever_the_provider() -> None:
    provider = aws_provider(PROD, "eu-west-1")
    assert region_of(MONITOR, {}, provider) == "us-east-1"
    assert region_of(MONITOR, {"region": UNKNOWN_STRING}, provider) == "us-east-1"


def test_placement_unknown_resource_region_raises_unknown() -> None:
    props = unknown_checking_proxy({"region": UNKNOWN_STRING})
    with pytest.raises(UnknownValueError):
        region_of(TOPIC, props, aws_provider(PROD), "us-east-1")


def test_placement_of_combines_account_and_region() -> None:
    placement = placement_of(TOPIC, {"region": "eu-west-1"}, aws_provider(PROD, "us-east-1"))
    assert placement == Placement(PROD, "eu-west-1")
    assert str(placement) == f"account {PROD} in eu-west-1"


# --- class 2: a role chain lands in the last role's account ---------------------------------


def _chain(*accounts: str, json_encoded: bool = True) -> PolicyProviderResource:
    key = "role_arn" if json_encoded else "roleArn"
    roles = [{key: f"arn:aws:iam::{a}:role/hop"} for a in accounts]
    return aws_provider(
        style="none",
        region="us-east-1",
        props={"assumeRoles": json.dumps(roles) if json_encoded else roles},
    )


def test_placement_role_chain_gives_last_role_account() -> None:
    assert account_of(_chain(STAGING, PROD)) == PROD
    assert account_of(_chain(PROD, STAGING, json_encoded=False)) == STAGING


def test_placement_role_chain_with_unknown_last_hop_raises_unknown() -> None:
    roles = json.dumps([{"role_arn": f"arn:aws:iam::{PROD}:role/hop"}, UNKNOWN_STRING])
    provider = aws_provider(style="none", props={"assumeRoles": roles})
    with pytest.raises(UnknownValueError) as err:
        account_of(provider)
    assert err.value.props == ["provider", "assumeRoles", "1"]


def test_placement_several_allowed_accounts_without_role_gives_default_account() -> None:
    provider = aws_provider(style="none", props={"allowedAccountIds": json.dumps([PROD, STAGING])})
    assert account_of(provider) == DEFAULT_ACCOUNT


# --- class 1: the default provider comes from stack config ----------------------------------


def test_placement_no_provider_reads_default_provider_stack_config() -> None:
    chain = [
        {"roleArn": f"arn:aws:iam::{STAGING}:role/a"},
        {"roleArn": f"arn:aws:iam::{PROD}:role/b"},
    ]
    pulumi.runtime.set_config("aws:assumeRoles", json.dumps(chain))
    assert account_of(None) == PROD


def test_placement_no_provider_allowed_account_ids_config() -> None:
    pulumi.runtime.set_config("aws:allowedAccountIds", json.dumps([STAGING]))
    assert account_of(None) == STAGING


def test_placement_engine_default_provider_carries_config_as_inputs() -> None:
    # What the engine attaches: its inputs are the stack's aws:* config, as strings.
    roles = json.dumps([{"roleArn": f"arn:aws:iam::{STAGING}:role/a"}])
    provider = aws_provider(
        style="none", region="eu-west-1", name="default_7_0_0", props={"assumeRoles": roles}
    )
    assert placement_of(TOPIC, {}, provider) == Placement(STAGING, "eu-west-1")


def test_placement_arn_account_rejects_arn_without_account() -> None:
    assert arn_account("arn:aws:s3:::bucket") is None
    assert arn_account(f"arn:aws-us-gov:iam::{PROD}:role/x") == PROD
