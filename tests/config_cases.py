"""Bad stack configs, one per validation rule of rootguard/config.py, and the one line each
must produce. Shared by tests/test_config.py (`load_stack_config` directly) and
tests/test_plan_config_errors.py (the real `rootguard plan` on a stack file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ONE = "111111111111"
TWO = "222222222222"
MONITOR = "arn:aws:ce::111111111111:anomalymonitor/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"

NOT_VALID = "is not valid"
NOT_A_KEY = "is not a known key"


@dataclass(frozen=True)
class BadConfig:
    """One rejected config: the `rootguard:` namespace (keys without the prefix, values as
    YAML decodes them) and the message `<key>: <value> <verdict>; expected <expected>`."""

    id: str
    """Also the stack name of its stack file: letters, digits and '-' only."""
    raw: dict[str, Any]
    key: str
    """The key in config syntax, e.g. `rootguard:accounts[1].id`."""
    value: str
    """The bad value as the message shows it (its repr), or `missing`."""
    verdict: str = NOT_VALID
    expected: str | None = None
    """The whole expectation; None when only `contains` is pinned."""
    contains: tuple[str, ...] = ()
    """Fragments the expectation must hold (when it names values from AWS data)."""
    aws_region: str | None = "us-east-1"
    """The stack's `aws:region` (the default home region); None leaves it unset."""

    @property
    def head(self) -> str:
        """What the message starts with: key, value, verdict."""
        if self.value == "missing":
            return f"{self.key}: missing; expected "
        return f"{self.key}: {self.value} {self.verdict}; expected "

    def check(self, message: str) -> None:
        """Assert `message` is exactly this case's one line."""
        assert "\n" not in message, message
        assert message.startswith(self.head), message
        if self.expected is not None:
            assert message == self.head + self.expected, message
        for fragment in self.contains:
            assert fragment in message[len(self.head) :], message


ID_EXPECTED = "a 12-digit AWS account id as a quoted string"

BAD_CONFIGS: list[BadConfig] = [
    # -- account ids, names, roles, monitors ----------------------------------------
    BadConfig(
        "account-id-short",
        {"accounts": [{"id": ONE}, {"id": "12345"}]},
        "rootguard:accounts[1].id",
        "'12345'",
        expected=ID_EXPECTED,
    ),
    BadConfig(
        "account-id-unquoted",
        {"accounts": [{"id": 111111111111}]},
        "rootguard:accounts[0].id",
        "111111111111",
        contains=(ID_EXPECTED, "quote it"),
    ),
    BadConfig(
        "account-id-missing",
        {"accounts": [{"name": "prod"}]},
        "rootguard:accounts[0].id",
        "missing",
        expected=ID_EXPECTED,
    ),
    BadConfig(
        "account-id-duplicate",
        {"accounts": [{"id": ONE, "name": "a"}, {"id": ONE, "name": "b"}]},
        "rootguard:accounts[1].id",
        f"'{ONE}'",
        expected="a unique account id (accounts[0] has it too)",
    ),
    BadConfig(
        "account-name-duplicate",
        {"accounts": [{"id": ONE, "name": "prod"}, {"id": TWO, "name": "prod"}]},
        "rootguard:accounts[1].name",
        "'prod'",
        expected="a unique account name (accounts[0] has it too)",
    ),
    BadConfig(
        "account-name-bad",
        {"accounts": [{"id": ONE, "name": "prod::x"}]},
        "rootguard:accounts[0].name",
        "'prod::x'",
        contains=("a name of 1-63 letters",),
    ),
    BadConfig(
        "accounts-empty",
        {"accounts": []},
        "rootguard:accounts",
        "[]",
        contains=("a non-empty list of accounts",),
    ),
    BadConfig(
        "account-not-a-mapping",
        {"accounts": [ONE]},
        "rootguard:accounts[0]",
        f"'{ONE}'",
        expected="a mapping with keys costMonitorArn, id, name, roleName",
    ),
    BadConfig(
        "role-name-bad",
        {"accounts": [{"id": ONE, "roleName": "Org Access"}]},
        "rootguard:accounts[0].roleName",
        "'Org Access'",
        contains=("IAM role name",),
    ),
    BadConfig(
        "role-name-non-ascii",
        {"accounts": [{"id": ONE, "roleName": "Rôle"}]},
        "rootguard:accounts[0].roleName",
        "'Rôle'",
        contains=("IAM role name",),
    ),
    BadConfig(
        "monitor-arn-bad",
        {"accounts": [{"id": ONE, "costMonitorArn": "monitor-1"}]},
        "rootguard:accounts[0].costMonitorArn",
        "'monitor-1'",
        contains=("anomalymonitor",),
    ),
    BadConfig(
        "monitor-arn-other-account",
        {"accounts": [{"id": TWO, "costMonitorArn": MONITOR}]},
        "rootguard:accounts[0].costMonitorArn",
        f"'{MONITOR}'",
        expected=f"a monitor ARN of this account ({TWO}), not of {ONE}",
    ),
    BadConfig(
        "alerts-monitor-arn-with-accounts",
        {"accounts": [{"id": ONE}], "alerts": {"costMonitorArn": MONITOR}},
        "rootguard:alerts.costMonitorArn",
        f"'{MONITOR}'",
        contains=("costMonitorArn on each entry of rootguard:accounts",),
    ),
    # -- regions ---------------------------------------------------------------------
    BadConfig(
        "region-unknown",
        {"regions": ["us-east-1", "us-east-9"]},
        "rootguard:regions[1]",
        "'us-east-9'",
        contains=("an AWS region name",),
    ),
    BadConfig(
        "home-region-unknown",
        {"homeRegion": "mars-north-1"},
        "rootguard:homeRegion",
        "'mars-north-1'",
        contains=("an AWS region name",),
    ),
    BadConfig(
        # Config API reference, RecordingGroup: no global IAM types "in Regions supported
        # by Config after February 2022"; the root-account rules are not offered there.
        "home-region-after-february-2022",
        {"homeRegion": "il-central-1", "regions": ["us-east-1", "il-central-1"]},
        "rootguard:homeRegion",
        "'il-central-1'",
        contains=("records the global IAM types", "before February 2022", "us-east-1"),
    ),
    BadConfig(
        "home-region-not-in-regions",
        {"homeRegion": "us-east-1", "regions": ["eu-west-1"]},
        "rootguard:homeRegion",
        "'us-east-1'",
        expected="one of rootguard:regions (eu-west-1)",
    ),
    BadConfig(
        "region-duplicate",
        {"regions": ["us-east-1", "us-east-1"]},
        "rootguard:regions[1]",
        "'us-east-1'",
        expected="each region once (regions[0] is us-east-1 too)",
    ),
    BadConfig(
        "regions-not-a-list",
        {"regions": "us-east-1"},
        "rootguard:regions",
        "'us-east-1'",
        expected="a non-empty list of AWS region names",
    ),
    BadConfig(
        "regions-empty",
        {"regions": []},
        "rootguard:regions",
        "[]",
        expected="a non-empty list of AWS region names",
    ),
    BadConfig(
        "home-region-and-aws-region-unset",
        {},
        "rootguard:homeRegion",
        "missing",
        contains=("an AWS region name", "aws:region"),
        aws_region=None,
    ),
    # -- alerts ----------------------------------------------------------------------
    BadConfig(
        "emails-more-than-ten",
        {"alerts": {"emails": [f"ops{i}@example.com" for i in range(11)]}},
        "rootguard:alerts.emails",
        repr([f"ops{i}@example.com" for i in range(11)])[:117] + "...",
        expected="a list of at most 10 email addresses",
    ),
    BadConfig(
        "email-invalid",
        {"alerts": {"emails": ["ops@example.com", "not-an-address"]}},
        "rootguard:alerts.emails[1]",
        "'not-an-address'",
        expected="a valid email address",
    ),
    BadConfig(
        "email-with-display-name",
        {"alerts": {"emails": ["Sec Ops <secops@example.com>"]}},
        "rootguard:alerts.emails[0]",
        "'Sec Ops <secops@example.com>'",
        expected="a valid email address",
    ),
    BadConfig(
        "email-duplicate",
        {"alerts": {"emails": ["ops@example.com", "OPS@example.com"]}},
        "rootguard:alerts.emails[1]",
        "'OPS@example.com'",
        expected="each address once (alerts.emails[0] is it too)",
    ),
    *(
        BadConfig(
            f"threshold-{label}",
            {"alerts": {"thresholdUsd": threshold}},
            "rootguard:alerts.thresholdUsd",
            repr(threshold),
            expected="a number of US dollars greater than 0",
        )
        for label, threshold in (("zero", 0), ("negative", -5), ("text", "abc"), ("bool", True))
    ),
    # -- recorder and rules ------------------------------------------------------------
    BadConfig(
        "recorder-mode-unknown",
        {"recorder": {"mode": "manage"}},
        "rootguard:recorder.mode",
        "'manage'",
        expected="one of create, adopt, skip",
    ),
    BadConfig(
        "recorder-keep-bucket-not-bool",
        {"recorder": {"keepBucketOnDestroy": "no"}},
        "rootguard:recorder.keepBucketOnDestroy",
        "'no'",
        expected="true or false",
    ),
    BadConfig(
        "global-switch-not-bool",
        {"recorder": {"globalResourcesInAllRegions": "yes"}},
        "rootguard:recorder.globalResourcesInAllRegions",
        "'yes'",
        expected="true or false",
    ),
    BadConfig(
        "recorder-name-bad",
        {"recorder": {"recorderName": "my recorder"}},
        "rootguard:recorder.recorderName",
        "'my recorder'",
        contains=("an AWS Config name",),
    ),
    BadConfig(
        "channel-name-bad",
        {"recorder": {"deliveryChannelName": "x" * 257}},
        "rootguard:recorder.deliveryChannelName",
        repr("x" * 257)[:117] + "...",
        contains=("an AWS Config name of 1-256",),
    ),
    BadConfig(
        "frequency-unknown",
        {"rules": {"frequency": "Daily"}},
        "rootguard:rules.frequency",
        "'Daily'",
        contains=("one of ", "TwentyFour_Hours"),
    ),
    BadConfig(
        "hardware-mfa-not-bool",
        {"rules": {"hardwareMfa": 1}},
        "rootguard:rules.hardwareMfa",
        "1",
        expected="true or false",
    ),
    BadConfig(
        "access-key-check-not-bool",
        {"rules": {"rootAccessKeyCheck": "no"}},
        "rootguard:rules.rootAccessKeyCheck",
        "'no'",
        expected="true or false",
    ),
    # -- unknown keys and shapes -----------------------------------------------------
    BadConfig(
        "unknown-top-level-key",
        {"regoins": ["us-east-1"]},
        "rootguard:regoins",
        "['us-east-1']",
        verdict=NOT_A_KEY,
        expected=(
            "one of accounts, alarm, alerts, executionRole, homeRegion, organization, "
            "recorder, regions, rules"
        ),
    ),
    BadConfig(
        "unknown-nested-key",
        {"alerts": {"email": ["ops@example.com"]}},
        "rootguard:alerts.email",
        "['ops@example.com']",
        verdict=NOT_A_KEY,
        expected="one of costMonitorArn, emails, thresholdUsd",
    ),
    BadConfig(
        "unknown-account-key",
        {"accounts": [{"id": ONE, "role": "Admin"}]},
        "rootguard:accounts[0].role",
        "'Admin'",
        verdict=NOT_A_KEY,
        expected="one of costMonitorArn, id, name, roleName",
    ),
    BadConfig(
        "snake-case-key",
        {"recorder": {"recorder_name": "x"}},
        "rootguard:recorder.recorder_name",
        "'x'",
        verdict=NOT_A_KEY,
        contains=("recorderName",),
    ),
    BadConfig(
        "alerts-not-a-mapping",
        {"alerts": "secops@example.com"},
        "rootguard:alerts",
        "'secops@example.com'",
        expected="a mapping with keys costMonitorArn, emails, thresholdUsd",
    ),
    BadConfig(
        "recorder-not-a-mapping",
        {"recorder": "skip"},
        "rootguard:recorder",
        "'skip'",
        expected=(
            "a mapping with keys deliveryChannelName, globalResourcesInAllRegions, "
            "keepBucketOnDestroy, mode, recorderName"
        ),
    ),
    BadConfig(
        "rules-not-a-mapping",
        {"rules": ["hardwareMfa"]},
        "rootguard:rules",
        "['hardwareMfa']",
        expected=(
            "a mapping with keys customRule, frequency, hardwareMfa, requireHardwareMfa, "
            "rootAccessKeyCheck, rootCredentialsManaged, rootUseWindowDays"
        ),
    ),
    # -- custom rule, alarm, execution role, organization --------------------------
    BadConfig(
        "custom-rule-not-bool",
        {"rules": {"customRule": "yes"}},
        "rootguard:rules.customRule",
        "'yes'",
        expected="true or false",
    ),
    BadConfig(
        "require-hardware-not-bool",
        {"rules": {"requireHardwareMfa": 1}},
        "rootguard:rules.requireHardwareMfa",
        "1",
        expected="true or false",
    ),
    BadConfig(
        "window-negative",
        {"rules": {"rootUseWindowDays": -1}},
        "rootguard:rules.rootUseWindowDays",
        "-1",
        expected="a whole number of days, 0 (off) or more",
    ),
    BadConfig(
        "window-fraction",
        {"rules": {"rootUseWindowDays": 1.5}},
        "rootguard:rules.rootUseWindowDays",
        "1.5",
        expected="a whole number of days, 0 (off) or more",
    ),
    BadConfig(
        "window-bool",
        {"rules": {"rootUseWindowDays": True}},
        "rootguard:rules.rootUseWindowDays",
        "True",
        expected="a whole number of days, 0 (off) or more",
    ),
    BadConfig(
        "alarm-enabled-not-bool",
        {"alarm": {"enabled": "no"}},
        "rootguard:alarm.enabled",
        "'no'",
        expected="true or false",
    ),
    BadConfig(
        "alarm-bad-email",
        {"alarm": {"emails": ["not-an-address"]}},
        "rootguard:alarm.emails[0]",
        "'not-an-address'",
        expected="a valid email address",
    ),
    BadConfig(
        "alarm-unknown-key",
        {"alarm": {"email": []}},
        "rootguard:alarm.email",
        "[]",
        NOT_A_KEY,
        expected="one of emails, enabled, optInRegions",
    ),
    BadConfig(
        "alarm-email-duplicate",
        {"alarm": {"emails": ["oncall@example.com", "OnCall@example.com"]}},
        "rootguard:alarm.emails[1]",
        "'OnCall@example.com'",
        expected="each address once (alarm.emails[0] is it too)",
    ),
    BadConfig(
        "alarm-opt-in-region-enabled-by-default",
        {"alarm": {"optInRegions": ["af-south-1", "eu-west-2"]}},
        "rootguard:alarm.optInRegions[1]",
        "'eu-west-2'",
        contains=("an opt-in region", "the regions enabled by default are always covered"),
    ),
    BadConfig(
        "alarm-opt-in-region-unknown",
        {"alarm": {"optInRegions": ["mars-north-1"]}},
        "rootguard:alarm.optInRegions[0]",
        "'mars-north-1'",
        contains=("an opt-in region",),
    ),
    BadConfig(
        "alarm-opt-in-region-duplicate",
        {"alarm": {"optInRegions": ["af-south-1", "af-south-1"]}},
        "rootguard:alarm.optInRegions[1]",
        "'af-south-1'",
        expected="each region once (optInRegions[0] is af-south-1 too)",
    ),
    BadConfig(
        "alarm-opt-in-regions-not-a-list",
        {"alarm": {"optInRegions": "af-south-1"}},
        "rootguard:alarm.optInRegions",
        "'af-south-1'",
        expected="a list of opt-in AWS region names",
    ),
    BadConfig(
        "execution-role-no-admin",
        {"executionRole": {}},
        "rootguard:executionRole.adminAccountId",
        "missing",
        expected="a 12-digit AWS account id as a quoted string",
    ),
    BadConfig(
        "execution-role-short-admin",
        {"executionRole": {"adminAccountId": "2222"}},
        "rootguard:executionRole.adminAccountId",
        "'2222'",
        expected="a 12-digit AWS account id as a quoted string",
    ),
    BadConfig(
        "execution-role-bad-name",
        {"executionRole": {"adminAccountId": "222222222222", "roleName": "no spaces"}},
        "rootguard:executionRole.roleName",
        "'no spaces'",
        expected="an IAM role name (1-64 of letters, digits and +=,.@_-)",
    ),
    BadConfig(
        "organization-not-a-mapping",
        {"organization": "on"},
        "rootguard:organization",
        "'on'",
        expected=(
            "a mapping with keys aggregator, conformancePack, customRule, "
            "delegatedAdminAccountId, executionRoleName, guardrails, logArchiveAccount, "
            "payerAccount, role, rollout, rootAccess, securityAccount, stackSet"
        ),
    ),
    BadConfig(
        "organization-unknown-role",
        {"organization": {"role": "admin"}},
        "rootguard:organization.role",
        "'admin'",
        expected="one of management, delegatedAdmin",
    ),
    BadConfig(
        "organization-admin-id-short",
        {"organization": {"delegatedAdminAccountId": "12345"}},
        "rootguard:organization.delegatedAdminAccountId",
        "'12345'",
        expected="a 12-digit AWS account id as a quoted string",
    ),
    BadConfig(
        "organization-admin-id-with-delegated-role",
        {"organization": {"role": "delegatedAdmin", "delegatedAdminAccountId": "222222222222"}},
        "rootguard:organization.delegatedAdminAccountId",
        "'222222222222'",
        expected=(
            "no delegatedAdminAccountId with role delegatedAdmin (only the management "
            "account registers a delegated administrator)"
        ),
    ),
    BadConfig(
        "organization-bucket-prefix",
        {"organization": {"conformancePack": {"deliveryBucket": "rootguard-results"}}},
        "rootguard:organization.conformancePack.deliveryBucket",
        "'rootguard-results'",
        expected=(
            "an S3 bucket name starting with awsconfigconforms (AWS requires it for an "
            "organization conformance pack): lowercase letters, digits, '.' and '-', at "
            "most 63 characters, ending with a letter or digit"
        ),
    ),
    BadConfig(
        "organization-bucket-too-long",
        {"organization": {"conformancePack": {"deliveryBucket": "awsconfigconforms-" + "x" * 46}}},
        "rootguard:organization.conformancePack.deliveryBucket",
        "'awsconfigconforms-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'",
        contains=("an S3 bucket name starting with awsconfi",),
    ),
    BadConfig(
        "organization-bucket-uppercase",
        {"organization": {"conformancePack": {"deliveryBucket": "awsconfigconforms-Results"}}},
        "rootguard:organization.conformancePack.deliveryBucket",
        "'awsconfigconforms-Results'",
        contains=("an S3 bucket name starting with awsconfi",),
    ),
    BadConfig(
        "organization-excluded-id-short",
        {
            "organization": {
                "conformancePack": {"excludedAccounts": ["333333333333", "33333333333"]}
            }
        },
        "rootguard:organization.conformancePack.excludedAccounts[1]",
        "'33333333333'",
        expected="a 12-digit AWS account id as a quoted string",
    ),
    BadConfig(
        "organization-excluded-id-unquoted",
        {"organization": {"conformancePack": {"excludedAccounts": [333333333333]}}},
        "rootguard:organization.conformancePack.excludedAccounts[0]",
        "333333333333",
        contains=("a 12-digit AWS account id as a quoted st",),
    ),
    BadConfig(
        "organization-excluded-duplicate",
        {
            "organization": {
                "conformancePack": {"excludedAccounts": ["333333333333", "333333333333"]}
            }
        },
        "rootguard:organization.conformancePack.excludedAccounts[1]",
        "'333333333333'",
        expected="each account once (excludedAccounts[0] is 333333333333 too)",
    ),
    BadConfig(
        "organization-excluded-not-a-list",
        {"organization": {"conformancePack": {"excludedAccounts": "333333333333"}}},
        "rootguard:organization.conformancePack.excludedAccounts",
        "'333333333333'",
        expected="a list of at most 1000 12-digit account ids",
    ),
    BadConfig(
        "organization-unknown-pack-key",
        {"organization": {"conformancePack": {"hardwareMFA": True}}},
        "rootguard:organization.conformancePack.hardwareMFA",
        "True",
        NOT_A_KEY,
        expected="one of deliveryBucket, enabled, excludedAccounts, hardwareMfa, "
        "keepBucketOnDestroy",
    ),
    BadConfig(
        "organization-pack-keep-bucket-not-bool",
        {"organization": {"conformancePack": {"keepBucketOnDestroy": "no"}}},
        "rootguard:organization.conformancePack.keepBucketOnDestroy",
        "'no'",
        expected="true or false",
    ),
    BadConfig(
        "organization-aggregator-not-bool",
        {"organization": {"aggregator": "on"}},
        "rootguard:organization.aggregator",
        "'on'",
        expected="true or false",
    ),
    BadConfig(
        "organization-custom-rule-null",
        {"organization": {"customRule": None}},
        "rootguard:organization.customRule",
        "None",
        expected="true or false",
    ),
    BadConfig(
        "organization-execution-role-name-empty",
        {"organization": {"executionRoleName": ""}},
        "rootguard:organization.executionRoleName",
        "''",
        expected="an IAM role name (1-64 of letters, digits and +=,.@_-)",
    ),
    BadConfig(
        "alarm-not-a-mapping",
        {"alarm": "on"},
        "rootguard:alarm",
        "'on'",
        expected="a mapping with keys emails, enabled, optInRegions",
    ),
    BadConfig(
        "execution-role-not-a-mapping",
        {"executionRole": "on"},
        "rootguard:executionRole",
        "'on'",
        expected="a mapping with keys adminAccountId, roleName",
    ),
    BadConfig(
        "organization-pack-not-a-mapping",
        {"organization": {"conformancePack": "on"}},
        "rootguard:organization.conformancePack",
        "'on'",
        expected="a mapping with keys deliveryBucket, enabled, excludedAccounts, hardwareMfa, "
        "keepBucketOnDestroy",
    ),
    BadConfig(
        "organization-pack-enabled-not-bool",
        {"organization": {"conformancePack": {"enabled": "yes"}}},
        "rootguard:organization.conformancePack.enabled",
        "'yes'",
        expected="true or false",
    ),
    BadConfig(
        "organization-pack-hardware-mfa-not-bool",
        {"organization": {"conformancePack": {"hardwareMfa": "yes"}}},
        "rootguard:organization.conformancePack.hardwareMfa",
        "'yes'",
        expected="true or false",
    ),
    # -- centralized root access and guardrails (more in test_config_root_access.py) ------
    BadConfig(
        "rules-root-credentials-managed-not-bool",
        {"rules": {"rootCredentialsManaged": "yes"}},
        "rootguard:rules.rootCredentialsManaged",
        "'yes'",
        expected="true or false",
    ),
    BadConfig(
        "organization-root-access-not-a-mapping",
        {"organization": {"rootAccess": "on"}},
        "rootguard:organization.rootAccess",
        "'on'",
        expected="a mapping with keys delegatedAdminAccountId, trustedAccess",
    ),
    BadConfig(
        "organization-guardrails-not-a-mapping",
        {"organization": {"guardrails": "on"}},
        "rootguard:organization.guardrails",
        "'on'",
        expected=(
            "a mapping with keys denyRootAccessKeys, denyRootUser, deployRoleNames, "
            "exemptAccounts, exemptOus, protectRootguard, targets"
        ),
    ),
    # -- organization-scale rollout (rootguard/config_rollout.py) ------------------------
    BadConfig(
        "rollout-unknown",
        {"organization": {"rollout": "terraform"}},
        "rootguard:organization.rollout",
        "'terraform'",
        expected="one of accounts, stackset",
    ),
    BadConfig(
        "rollout-stackset-without-stackset",
        {"regions": ["us-east-1"], "organization": {"rollout": "stackset"}},
        "rootguard:organization.rollout",
        "'stackset'",
        expected="organization.stackSet beside it, at least {targets: [<OU or root id>]}",
    ),
    BadConfig(
        "rollout-stackset-keys-with-accounts-rollout",
        {"organization": {"stackSet": {"targets": ["r-ab12"]}}},
        "rootguard:organization.rollout",
        "'accounts'",
        expected="stackset, since organization.stackSet is set (it takes effect only then)",
    ),
    BadConfig(
        "rollout-stackset-with-listed-accounts",
        {
            "accounts": [{"id": ONE, "name": "prod"}],
            "organization": {"rollout": "stackset", "stackSet": {"targets": ["r-ab12"]}},
        },
        "rootguard:accounts",
        "['prod']",
        contains=("no rootguard:accounts with organization.rollout stackset",),
    ),
    BadConfig(
        "stackset-targets-empty",
        {"organization": {"rollout": "stackset", "stackSet": {"targets": []}}},
        "rootguard:organization.stackSet.targets",
        "[]",
        expected="a non-empty list of OU ids (ou-xxxx-xxxxxxxx) or the root id (r-xxxx)",
    ),
    BadConfig(
        "stackset-target-not-an-ou",
        {"organization": {"rollout": "stackset", "stackSet": {"targets": ["prod"]}}},
        "rootguard:organization.stackSet.targets[0]",
        "'prod'",
        expected="an OU id (ou-xxxx-xxxxxxxx) or the organization root id (r-xxxx)",
    ),
    BadConfig(
        "stackset-target-twice",
        {"organization": {"rollout": "stackset", "stackSet": {"targets": ["r-ab12", "r-ab12"]}}},
        "rootguard:organization.stackSet.targets[1]",
        "'r-ab12'",
        expected="each value once (targets[0] is r-ab12 too)",
    ),
    BadConfig(
        "stackset-excluded-not-an-id",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"], "excludedAccounts": ["12"]},
            }
        },
        "rootguard:organization.stackSet.excludedAccounts[0]",
        "'12'",
        expected=ID_EXPECTED,
    ),
    BadConfig(
        "stackset-without-alarm",
        {
            "alarm": {"enabled": False},
            "organization": {"rollout": "stackset", "stackSet": {"targets": ["r-ab12"]}},
        },
        "rootguard:alarm.enabled",
        "False",
        expected=(
            "true with organization.rollout stackset (every member stack forwards root "
            "activity to the organization's bus)"
        ),
    ),
    BadConfig(
        "stackset-skip-recorder-not-a-mapping",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"], "skipRecorder": ["ou-ab12-ctrltowr"]},
            }
        },
        "rootguard:organization.stackSet.skipRecorder",
        "['ou-ab12-ctrltowr']",
        expected="a mapping with keys accounts, ous",
    ),
    BadConfig(
        "stackset-skip-recorder-ou-is-a-target",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"], "skipRecorder": {"ous": ["r-ab12"]}},
            }
        },
        "rootguard:organization.stackSet.skipRecorder.ous[0]",
        "'r-ab12'",
        expected="an OU that is not a target too (it gets a StackSet of its own)",
    ),
    BadConfig(
        "stackset-skip-recorder-account-not-an-id",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"], "skipRecorder": {"accounts": [12]}},
            }
        },
        "rootguard:organization.stackSet.skipRecorder.accounts[0]",
        "12",
        contains=("a 12-digit AWS account id as a quoted string",),
    ),
    BadConfig(
        "stackset-max-concurrent-percentage-too-high",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"], "maxConcurrentPercentage": 150},
            }
        },
        "rootguard:organization.stackSet.maxConcurrentPercentage",
        "150",
        expected=(
            "accounts deployed at once, in percent: a whole number from 1 to 100 "
            "(CloudFormation's MaxConcurrentPercentage)"
        ),
    ),
    BadConfig(
        "stackset-max-concurrent-count-zero",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"], "maxConcurrentCount": 0},
            }
        },
        "rootguard:organization.stackSet.maxConcurrentCount",
        "0",
        expected=(
            "accounts deployed at once: a whole number from 1 or more "
            "(CloudFormation's MaxConcurrentCount)"
        ),
    ),
    BadConfig(
        "stackset-count-and-percentage",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {
                    "targets": ["r-ab12"],
                    "failureToleranceCount": 2,
                    "failureTolerancePercentage": 10,
                },
            }
        },
        "rootguard:organization.stackSet.failureToleranceCount",
        "2",
        expected="either failureToleranceCount or failureTolerancePercentage, not both",
    ),
    BadConfig(
        "stackset-failure-tolerance-percentage-negative",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"], "failureTolerancePercentage": -1},
            }
        },
        "rootguard:organization.stackSet.failureTolerancePercentage",
        "-1",
        contains=("from 0 to 100",),
    ),
    BadConfig(
        "stackset-concurrency-mode-unknown",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"], "concurrencyMode": "FAST"},
            }
        },
        "rootguard:organization.stackSet.concurrencyMode",
        "'FAST'",
        expected="one of STRICT_FAILURE_TOLERANCE, SOFT_FAILURE_TOLERANCE",
    ),
    BadConfig(
        "stackset-region-concurrency-unknown",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"], "regionConcurrency": "ALL"},
            }
        },
        "rootguard:organization.stackSet.regionConcurrency",
        "'ALL'",
        expected="one of SEQUENTIAL, PARALLEL",
    ),
    BadConfig(
        "stackset-on-account-removal-unknown",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"], "onAccountRemoval": "keep"},
            }
        },
        "rootguard:organization.stackSet.onAccountRemoval",
        "'keep'",
        expected="one of delete, retain",
    ),
    BadConfig(
        "central-account-id-not-an-id",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"]},
                "logArchiveAccount": {"id": "log"},
            }
        },
        "rootguard:organization.logArchiveAccount.id",
        "'log'",
        expected=ID_EXPECTED,
    ),
    BadConfig(
        "central-account-role-not-a-role",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"]},
                "securityAccount": {"id": TWO, "roleName": "no spaces"},
            }
        },
        "rootguard:organization.securityAccount.roleName",
        "'no spaces'",
        expected="an IAM role name (1-64 of letters, digits and +=,.@_-)",
    ),
    BadConfig(
        "payer-account-missing-for-delegated-admin",
        {
            "organization": {
                "role": "delegatedAdmin",
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"]},
            }
        },
        "rootguard:organization.role",
        "'delegatedAdmin'",
        contains=("organization.payerAccount",),
    ),
    BadConfig(
        "payer-account-not-a-mapping",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"]},
                "payerAccount": ONE,
            }
        },
        "rootguard:organization.payerAccount",
        f"'{ONE}'",
        expected="a mapping with keys id, roleName",
    ),
    BadConfig(
        "discovery-unknown-key",
        {"accounts": {"fromOrganization": {"ous": ["r-ab12"], "excluded": [ONE]}}},
        "rootguard:accounts.fromOrganization.excluded",
        "['111111111111']",
        verdict=NOT_A_KEY,
        expected="one of exclude, ous, roleName",
    ),
    BadConfig(
        "discovery-ous-missing",
        {"accounts": {"fromOrganization": {"exclude": [ONE]}}},
        "rootguard:accounts.fromOrganization.ous",
        "missing",
        expected="a non-empty list of OU ids or the root id (r-xxxx) for the whole organization",
    ),
    BadConfig(
        "discovery-ou-not-an-ou",
        {"accounts": {"fromOrganization": {"ous": ["Workloads"]}}},
        "rootguard:accounts.fromOrganization.ous[0]",
        "'Workloads'",
        expected="an OU id (ou-xxxx-xxxxxxxx) or the organization root id (r-xxxx)",
    ),
    BadConfig(
        "discovery-exclude-not-an-id",
        {"accounts": {"fromOrganization": {"ous": ["r-ab12"], "exclude": ["prod"]}}},
        "rootguard:accounts.fromOrganization.exclude[0]",
        "'prod'",
        expected=ID_EXPECTED,
    ),
    BadConfig(
        "discovery-role-not-a-role",
        {"accounts": {"fromOrganization": {"ous": ["r-ab12"], "roleName": "a b"}}},
        "rootguard:accounts.fromOrganization.roleName",
        "'a b'",
        expected="an IAM role name (1-64 of letters, digits and +=,.@_-)",
    ),
    BadConfig(
        "discovery-not-a-mapping",
        {"accounts": {"fromOrganization": ["r-ab12"]}},
        "rootguard:accounts.fromOrganization",
        "['r-ab12']",
        expected="a mapping with keys exclude, ous, roleName",
    ),
    BadConfig(
        "stackset-not-a-mapping",
        {"organization": {"rollout": "stackset", "stackSet": ["r-ab12"]}},
        "rootguard:organization.stackSet",
        "['r-ab12']",
        contains=("a mapping with keys ", "targets"),
    ),
] + [
    # The three central accounts share one model: each key of each, once.
    BadConfig(
        f"{account.lower()}-{key.lower()}-bad",
        {
            "organization": {
                "rollout": "stackset",
                "stackSet": {"targets": ["r-ab12"]},
                f"{account}": value,
            }
        },
        f"rootguard:organization.{account}{'.' + key if key else ''}",
        shown,
        contains=(expected,),
    )
    for account in ("logArchiveAccount", "securityAccount", "payerAccount")
    for key, value, shown, expected in (
        ("", "on", "'on'", "a mapping with keys id, roleName"),
        ("id", {"id": "x"}, "'x'", ID_EXPECTED),
        ("roleName", {"id": ONE, "roleName": "a b"}, "'a b'", "an IAM role name"),
    )
]
