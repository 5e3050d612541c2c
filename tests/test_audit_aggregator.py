"""`rootguard audit --from-aggregator`: tested with botocore's Stubber (moto lacks the calls)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from rootguard.audit.aggregator import (
    HARDWARE_MFA_RULE,
    MFA_RULE,
    ROOT_KEYS_RULE,
    combine,
    read_evidence,
    results_from_evidence,
    rule_identifier,
)
from rootguard.audit.checks import Account, MfaType, Status
from rootguard.cli import main
from tests.aws_stubs import stub_client, stubbed_audit

AGGREGATOR = "org-aggregator"
MANAGEMENT = "999999999999"


def _row(rule: str, account: str, compliance: str, region: str = "eu-west-1") -> dict[str, Any]:
    return {
        "ConfigRuleName": rule,
        "Compliance": {"ComplianceType": compliance},
        "AccountId": account,
        "AwsRegion": region,
    }


@pytest.mark.parametrize(
    ("name", "identifier"),
    [
        ("root-account-mfa-enabled", MFA_RULE),
        ("OrgConfigRule-root-account-mfa-enabled-a1b2c3", MFA_RULE),
        ("root-account-mfa-enabled-conformance-pack-xyz", MFA_RULE),
        ("ROOT_ACCOUNT_MFA_ENABLED", MFA_RULE),
        ("rootguard-prod-RootAccountMfaEnabled", MFA_RULE),
        ("root-account-hardware-mfa-enabled", HARDWARE_MFA_RULE),
        ("iam-root-access-key-check-conformance-pack-xyz", ROOT_KEYS_RULE),
        ("s3-bucket-public-read-prohibited", None),
        ("mfa-enabled-for-iam-console-access", None),
    ],
)
def test_rule_identifier_recognised_from_name(name: str, identifier: str | None) -> None:
    assert rule_identifier(name) == identifier


def test_combine_worst_first() -> None:
    assert combine(["COMPLIANT", "NON_COMPLIANT"]) == "NON_COMPLIANT"
    assert combine(["INSUFFICIENT_DATA", "COMPLIANT"]) == "COMPLIANT"
    assert combine(["NOT_APPLICABLE", "INSUFFICIENT_DATA"]) == "NOT_APPLICABLE"
    assert combine([]) is None


def test_read_evidence_pages_unfiltered_and_keeps_root_rules() -> None:
    config = stub_client("config", "eu-west-1")
    with Stubber(config) as stub:
        stub.add_response(
            "describe_aggregate_compliance_by_config_rules",
            {
                "AggregateComplianceByConfigRules": [
                    _row("root-account-mfa-enabled", "111111111111", "COMPLIANT"),
                    _row("s3-bucket-versioning-enabled", "111111111111", "NON_COMPLIANT"),
                ],
                "NextToken": "page-2",
            },
            {"ConfigurationAggregatorName": AGGREGATOR, "Limit": 1000},
        )
        stub.add_response(
            "describe_aggregate_compliance_by_config_rules",
            {
                "AggregateComplianceByConfigRules": [
                    _row("root-account-mfa-enabled", "222222222222", "NON_COMPLIANT"),
                    _row("iam-root-access-key-check", "222222222222", "NON_COMPLIANT"),
                ]
            },
            {"ConfigurationAggregatorName": AGGREGATOR, "Limit": 1000, "NextToken": "page-2"},
        )
        evidence = read_evidence(config, AGGREGATOR)
        stub.assert_no_pending_responses()
    assert evidence == {
        "111111111111": {MFA_RULE: ["COMPLIANT"]},
        "222222222222": {MFA_RULE: ["NON_COMPLIANT"], ROOT_KEYS_RULE: ["NON_COMPLIANT"]},
    }


def test_read_evidence_named_rule_filters_server_side() -> None:
    config = stub_client("config", "eu-west-1")
    with Stubber(config) as stub:
        stub.add_response(
            "describe_aggregate_compliance_by_config_rules",
            {
                "AggregateComplianceByConfigRules": [
                    _row("org-root-mfa", "111111111111", "COMPLIANT")
                ]
            },
            {
                "ConfigurationAggregatorName": AGGREGATOR,
                "Limit": 1000,
                "Filters": {"ConfigRuleName": "org-root-mfa"},
            },
        )
        evidence = read_evidence(config, AGGREGATOR, ["org-root-mfa"])
    # a name not recognisable by itself counts as the root MFA rule when named explicitly
    assert evidence == {"111111111111": {MFA_RULE: ["COMPLIANT"]}}


def _account(account_id: str, state: str = "ACTIVE") -> Account:
    return Account(account_id, f"name-{account_id[:3]}", state, MANAGEMENT)


def test_results_from_evidence_every_case() -> None:
    accounts = [
        _account("111111111111"),  # compliant, hardware
        _account("222222222222"),  # compliant, virtual (hardware rule fails)
        _account("333333333333"),  # MFA off
        _account("444444444444"),  # MFA on, root keys present
        _account("555555555555"),  # no evaluation at all
        _account("666666666666"),  # insufficient data
        _account("777777777777"),  # rule NOT_APPLICABLE (central root access)
        _account("888888888888", "SUSPENDED"),
        _account("101010101010"),  # two regions disagree: worst wins
    ]
    evidence = {
        "111111111111": {MFA_RULE: ["COMPLIANT"], HARDWARE_MFA_RULE: ["COMPLIANT"]},
        "222222222222": {
            MFA_RULE: ["COMPLIANT"],
            HARDWARE_MFA_RULE: ["NON_COMPLIANT"],
            ROOT_KEYS_RULE: ["COMPLIANT"],
        },
        "333333333333": {MFA_RULE: ["NON_COMPLIANT"]},
        "444444444444": {MFA_RULE: ["COMPLIANT"], ROOT_KEYS_RULE: ["NON_COMPLIANT"]},
        "666666666666": {MFA_RULE: ["INSUFFICIENT_DATA"]},
        "777777777777": {MFA_RULE: ["NOT_APPLICABLE"]},
        "888888888888": {MFA_RULE: ["NON_COMPLIANT"]},
        "101010101010": {MFA_RULE: ["COMPLIANT", "NON_COMPLIANT"]},
    }
    rows = {r.id: r for r in results_from_evidence(accounts, evidence, AGGREGATOR)}
    assert len(rows) == len(accounts)

    def verdict(account_id: str) -> tuple[Any, ...]:
        row = rows[account_id]
        return (row.status, row.mfa_enabled, row.mfa_type, row.root_access_keys)

    assert verdict("111111111111") == (Status.COMPLIANT, True, MfaType.HARDWARE, None)
    assert verdict("222222222222") == (Status.COMPLIANT, True, MfaType.VIRTUAL, False)
    assert verdict("333333333333") == (Status.NON_COMPLIANT, False, MfaType.NONE, None)
    assert verdict("444444444444") == (Status.NON_COMPLIANT, True, MfaType.UNKNOWN, True)
    assert verdict("101010101010") == (Status.NON_COMPLIANT, False, MfaType.NONE, None)
    assert rows["555555555555"].status is Status.ERROR
    assert f"no {MFA_RULE} result" in (rows["555555555555"].error or "")
    assert rows["666666666666"].status is Status.ERROR
    assert "INSUFFICIENT_DATA" in (rows["666666666666"].error or "")
    assert rows["777777777777"].status is Status.NOT_APPLICABLE
    assert rows["888888888888"].status is Status.NOT_APPLICABLE
    assert "SUSPENDED" in (rows["888888888888"].error or "")


def test_results_from_evidence_without_account_list_uses_aggregated_accounts() -> None:
    evidence = {"222222222222": {MFA_RULE: ["COMPLIANT"]}, "111111111111": {}}
    rows = results_from_evidence(None, evidence, AGGREGATOR)
    assert [(row.id, row.status) for row in rows] == [
        ("111111111111", Status.ERROR),
        ("222222222222", Status.COMPLIANT),
    ]


# --- the command line, in process, on stubbed clients ---------------------------------


@pytest.fixture
def stubbed_cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Stubber]]:
    with stubbed_audit(monkeypatch, ("sts", "organizations", "config"), "eu-west-1") as stubs:
        stubs["sts"].add_response(
            "get_caller_identity",
            {
                "Account": MANAGEMENT,
                "Arn": f"arn:aws:iam::{MANAGEMENT}:user/auditor",
                "UserId": "AIDA",
            },
        )
        yield stubs


def _org_accounts(stub: Stubber, *accounts: tuple[str, str]) -> None:
    items = [
        {
            "Id": account_id,
            "Arn": f"arn:aws:organizations::{MANAGEMENT}:account/o-abc/{account_id}",
            "Name": f"acct-{account_id[:3]}",
            "Email": f"{account_id}@example.com",
            "Status": state if state != "CLOSED" else "SUSPENDED",
            "State": state,
        }
        for account_id, state in accounts
    ]
    stub.add_response("list_accounts", {"Accounts": items[:1], "NextToken": "t"}, {})
    stub.add_response("list_accounts", {"Accounts": items[1:]}, {"NextToken": "t"})


def test_cli_from_aggregator_json_exit_1(
    stubbed_cli: dict[str, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    _org_accounts(
        stubbed_cli["organizations"],
        (MANAGEMENT, "ACTIVE"),
        ("111111111111", "ACTIVE"),
        ("222222222222", "CLOSED"),
    )
    stubbed_cli["config"].add_response(
        "describe_aggregate_compliance_by_config_rules",
        {
            "AggregateComplianceByConfigRules": [
                _row("root-account-mfa-enabled", MANAGEMENT, "COMPLIANT"),
                _row("root-account-mfa-enabled", "111111111111", "NON_COMPLIANT"),
            ]
        },
        {"ConfigurationAggregatorName": AGGREGATOR, "Limit": 1000},
    )
    code = main(["audit", "--from-aggregator", AGGREGATOR, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(row["id"], row["status"]) for row in report["accounts"]] == [
        (MANAGEMENT, "COMPLIANT"),
        ("111111111111", "NON_COMPLIANT"),
        ("222222222222", "NOT_APPLICABLE"),
    ]
    assert report["summary"]["total"] == 3


def test_cli_from_aggregator_unknown_aggregator_one_line_exit_2(
    stubbed_cli: dict[str, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    _org_accounts(stubbed_cli["organizations"], (MANAGEMENT, "ACTIVE"), ("111111111111", "ACTIVE"))
    stubbed_cli["config"].add_client_error(
        "describe_aggregate_compliance_by_config_rules",
        "NoSuchConfigurationAggregatorException",
        "not found",
        400,
    )
    code = main(["audit", "--from-aggregator", "nope"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [
        "rootguard audit: error: --from-aggregator: 'nope' is not a configuration aggregator "
        "in eu-west-1; expected the name of an organization aggregator"
    ]


def test_cli_from_aggregator_account_list_denied_falls_back(
    stubbed_cli: dict[str, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    stubbed_cli["organizations"].add_client_error("list_accounts", "AccessDeniedException", "no")
    stubbed_cli["config"].add_response(
        "describe_aggregate_compliance_by_config_rules",
        {"AggregateComplianceByConfigRules": [_row("root-mfa", "111111111111", "COMPLIANT")]},
        {
            "ConfigurationAggregatorName": AGGREGATOR,
            "Limit": 1000,
            "Filters": {"ConfigRuleName": "root-mfa"},
        },
    )
    code = main(
        ["audit", "--from-aggregator", AGGREGATOR, "--config-rule", "root-mfa", "--format", "csv"]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.splitlines()[1:] == ["111111111111,,COMPLIANT,true,unknown,,,,,,,"]
    assert "warning: cannot list the organization's accounts" in captured.err
