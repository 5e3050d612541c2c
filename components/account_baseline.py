"""Everything rootguard deploys into one account, composed from the smaller components.

Give it the account's provider (`opts=ResourceOptions(provider=...)`): every child inherits
it, and per-region children set their own `region`.

Multi-language use: Pulumi's schema analyzer reads the class-level annotations of
`AccountBaseline` (its outputs) and of `AccountBaselineArgs` (its inputs) at run time, so
this module keeps real (not postponed) annotations and declares the Python-only attributes
(child components, `rule_depends_on`) in `__init__`.
"""

from collections.abc import Sequence

import pulumi
from typing_extensions import NotRequired, TypedDict

from . import config_recorder, cost_anomaly, execution_role, root_guard_rule, root_signin_alarm
from .config_recorder import ConfigRecorder, ConfigRecorderArgs
from .cost_anomaly import CostAnomalyAlerts, CostAnomalyAlertsArgs
from .execution_role import ExecutionRole, ExecutionRoleArgs
from .root_guard_rule import RootGuardRule, RootGuardRuleArgs
from .root_mfa_rules import DEFAULT_FREQUENCY, RootMfaRules, RootMfaRulesArgs
from .root_signin_alarm import ALARM_REGION, RootSigninAlarm, RootSigninAlarmArgs
from .validation import OPT_IN_REGION, check_each, check_unique

TYPE = "rootguard:account_baseline:AccountBaseline"


class AccountBaselineArgs(TypedDict):
    account_id: pulumi.Input[str]
    """The 12-digit id of the account being baselined."""
    home_region: str
    """Region of the account-wide resources (bucket, rules, topic); one of `regions`."""
    regions: Sequence[str]
    """Regions where AWS Config records."""
    recorder_mode: NotRequired[str]
    """`create` (default), `adopt` or `skip`; see ConfigRecorder."""
    keep_bucket_on_destroy: NotRequired[bool]
    """`pulumi destroy` leaves the delivery bucket, its history and its hardening in the
    account (default true), or empties and deletes it (false)."""
    global_resources_in_all_regions: NotRequired[bool]
    """Record global resource types in every region, not only the home region."""
    recorder_name: NotRequired[str]
    """Name of the configuration recorder (default "default")."""
    delivery_channel_name: NotRequired[str]
    """Name of the delivery channel (default "default")."""
    alert_emails: NotRequired[Sequence[str]]
    """Receivers of the DAILY cost anomaly digest (at most 10)."""
    threshold_usd: NotRequired[float]
    """Cost anomaly total-impact threshold in US dollars (default 100)."""
    cost_monitor_arn: NotRequired[str]
    """An existing AWS-services anomaly monitor of this account; none is created then."""
    root_access_key_check: NotRequired[bool]
    """Deploy IAM_ROOT_ACCESS_KEY_CHECK (default true)."""
    hardware_mfa: NotRequired[bool]
    """Deploy ROOT_ACCOUNT_HARDWARE_MFA_ENABLED (default false)."""
    rule_frequency: NotRequired[str]
    """Maximum execution frequency of the root rules and the custom rule (default
    TwentyFour_Hours)."""
    custom_rule: NotRequired[bool]
    """Deploy the custom root-account rule (RootGuardRule) in the home region (default true)."""
    require_hardware_mfa: NotRequired[bool]
    """Custom rule parameter RequireHardwareMfa: a virtual MFA device is NON_COMPLIANT
    (default false)."""
    root_use_window_days: NotRequired[int]
    """Custom rule parameter RootUseWindowDays: root used within this many days is
    NON_COMPLIANT; 0 (default) turns the check off."""
    root_credentials_managed: NotRequired[bool]
    """Custom rule parameter RootCredentialsManaged: the organization manages root
    credentials centrally, so a root without credentials is not applicable (default
    false: it is NON_COMPLIANT, "recoverable, no MFA")."""
    root_signin_alarm: NotRequired[bool]
    """Deploy the root activity alarm (RootSigninAlarm): rules in every region the account
    can be used in, one topic in us-east-1 (default true)."""
    alarm_emails: NotRequired[Sequence[str]]
    """Email addresses subscribed to the root activity alarm topic (default none)."""
    alarm_opt_in_regions: NotRequired[Sequence[str]]
    """Opt-in regions enabled in the account beyond `regions`: root API calls there alarm
    too. The regions enabled by default and `regions` always do."""
    execution_role: NotRequired[ExecutionRoleArgs]
    """Create the role the organization custom rule assumes in this account
    (ExecutionRole); absent: none is created."""


def recorder_args(args: AccountBaselineArgs) -> ConfigRecorderArgs:
    return {
        "account_id": args["account_id"],
        "home_region": args["home_region"],
        "regions": args["regions"],
        "mode": args.get("recorder_mode", "create"),
        "global_resources_in_all_regions": args.get("global_resources_in_all_regions", False),
        "recorder_name": args.get("recorder_name", "default"),
        "delivery_channel_name": args.get("delivery_channel_name", "default"),
        "keep_bucket_on_destroy": args.get("keep_bucket_on_destroy", True),
    }


def alerts_args(args: AccountBaselineArgs) -> CostAnomalyAlertsArgs:
    alerts: CostAnomalyAlertsArgs = {
        "account_id": args["account_id"],
        "home_region": args["home_region"],
        "threshold_usd": args.get("threshold_usd", 100.0),
        "emails": list(args.get("alert_emails", [])),
    }
    monitor_arn = args.get("cost_monitor_arn")
    if monitor_arn is not None:
        alerts["monitor_arn"] = monitor_arn
    return alerts


def custom_rule_args(args: AccountBaselineArgs) -> RootGuardRuleArgs:
    return {
        "account_id": args["account_id"],
        "region": args["home_region"],
        "require_hardware_mfa": args.get("require_hardware_mfa", False),
        "root_use_window_days": args.get("root_use_window_days", 0),
        "root_credentials_managed": args.get("root_credentials_managed", False),
        "maximum_execution_frequency": args.get("rule_frequency", DEFAULT_FREQUENCY),
    }


def alarm_args(args: AccountBaselineArgs) -> RootSigninAlarmArgs:
    """The alarm covers `regions` and the opt-in regions named; RootSigninAlarm adds the
    regions enabled by default."""
    return {
        "account_id": args["account_id"],
        "region": ALARM_REGION,
        "regions": sorted({*args["regions"], *args.get("alarm_opt_in_regions", [])}),
        "alarm_emails": list(args.get("alarm_emails", [])),
    }


def validate_args(args: AccountBaselineArgs) -> None:
    """Reject malformed args before anything is registered: the rules of every child,
    applied to the args the child will get (the stack config's rules)."""
    config_recorder.validate_args(recorder_args(args))
    cost_anomaly.validate_args(alerts_args(args))
    root_guard_rule.validate_args(custom_rule_args(args))
    opt_in = list(args.get("alarm_opt_in_regions", []))
    check_each(OPT_IN_REGION, opt_in, "AccountBaseline alarm_opt_in_regions")
    check_unique(opt_in, "AccountBaseline alarm_opt_in_regions", "region")
    root_signin_alarm.validate_args(alarm_args(args))
    role = args.get("execution_role")
    if role is not None:
        execution_role.validate_args(role)


class AccountBaseline(pulumi.ComponentResource):
    """Config recording, root-MFA rules, the custom root-account rule, the root sign-in
    alarm and cost anomaly alerts for one account (and, on request, the organization
    rule's execution role)."""

    recorder_names: pulumi.Output[dict[str, str]]
    """Recorder name per region (empty in `skip`)."""
    bucket_name: pulumi.Output[str] | None
    """Delivery bucket name (None in `skip`)."""
    rule_names: pulumi.Output[list[str]]
    """Names of the root rules in AWS Config."""
    monitor_arn: pulumi.Output[str]
    """ARN of the anomaly monitor."""
    topic_arn: pulumi.Output[str]
    """ARN of the SNS topic with IMMEDIATE anomaly alerts."""
    custom_rule_arn: pulumi.Output[str] | None
    """ARN of the custom root-account rule (None when switched off)."""
    alarm_topic_arn: pulumi.Output[str] | None
    """ARN of the root activity alarm topic (None when switched off)."""
    execution_role_arn: pulumi.Output[str] | None
    """ARN of the organization rule's execution role (None unless asked for)."""

    def __init__(
        self,
        name: str,
        args: AccountBaselineArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        validate_args(args)
        super().__init__(TYPE, name, None, opts)
        home_region = args["home_region"]
        child = pulumi.ResourceOptions(parent=self)

        self.recording: ConfigRecorder = ConfigRecorder(
            f"{name}-config", recorder_args(args), opts=child
        )
        """The account's AWS Config recording (bucket, role, recorders, channels, statuses)."""
        home_recorder = self.recording.home_recorder
        self.rule_depends_on: list[pulumi.Resource] = (
            [home_recorder] if home_recorder is not None else []
        )
        """What any Config rule of this account must depend on: the home-region recorder
        (empty when recorder_mode is `skip`: someone else's recorder already exists)."""

        rules_args: RootMfaRulesArgs = {
            "home_region": home_region,
            "root_access_key_check": args.get("root_access_key_check", True),
            "hardware_mfa": args.get("hardware_mfa", False),
            "maximum_execution_frequency": args.get("rule_frequency", DEFAULT_FREQUENCY),
        }
        if home_recorder is not None:
            rules_args["recorder"] = home_recorder
        self.root_rules: RootMfaRules = RootMfaRules(f"{name}-root-rules", rules_args, opts=child)
        """The AWS-managed root-account rules."""

        self.cost_alerts: CostAnomalyAlerts = CostAnomalyAlerts(
            f"{name}-cost-alerts", alerts_args(args), opts=child
        )
        """The cost anomaly monitor, subscriptions and SNS topic."""

        # Further per-account components are children here (they inherit the account's
        # provider): Config rules in home_region with depends_on=self.rule_depends_on;
        # anything that watches root sign-ins in us-east-1, where AWS records them.
        # Child components are annotated here, not on the class: class annotations are the
        # component's outputs for multi-language packaging.
        self.custom_rule: RootGuardRule | None = None
        """The custom root-account rule and its Lambda (None when switched off)."""
        if args.get("custom_rule", True):
            rule_args = custom_rule_args(args)
            if home_recorder is not None:
                rule_args["recorder"] = home_recorder
            self.custom_rule = RootGuardRule(f"{name}-root-account-rule", rule_args, opts=child)

        self.signin_alarm: RootSigninAlarm | None = None
        """The root sign-in alarm (None when switched off)."""
        if args.get("root_signin_alarm", True):
            self.signin_alarm = RootSigninAlarm(
                f"{name}-root-signin-alarm", alarm_args(args), opts=child
            )

        self.execution_role: ExecutionRole | None = None
        """The organization rule's execution role (None unless asked for)."""
        execution_role = args.get("execution_role")
        if execution_role is not None:
            self.execution_role = ExecutionRole(
                f"{name}-execution-role", execution_role, opts=child
            )

        names = {region: recorder.name for region, recorder in self.recording.recorders.items()}
        self.recorder_names = pulumi.Output.all(**names) if names else pulumi.Output.from_input({})
        self.bucket_name = self.recording.bucket_name
        self.rule_names = self.root_rules.rule_names
        self.monitor_arn = self.cost_alerts.monitor_arn
        self.topic_arn = self.cost_alerts.topic_arn
        self.custom_rule_arn = self.custom_rule.rule_arn if self.custom_rule else None
        self.alarm_topic_arn = self.signin_alarm.topic_arn if self.signin_alarm else None
        self.execution_role_arn = self.execution_role.role_arn if self.execution_role else None
        self.register_outputs(
            {
                "recorder_names": self.recorder_names,
                "bucket_name": self.bucket_name,
                "rule_names": self.rule_names,
                "monitor_arn": self.monitor_arn,
                "topic_arn": self.topic_arn,
                "custom_rule_arn": self.custom_rule_arn,
                "alarm_topic_arn": self.alarm_topic_arn,
                "execution_role_arn": self.execution_role_arn,
            }
        )
