"""The rootguard stack program: validated config -> one provider per account -> baselines
(-> the organization layer, when `rootguard:organization` is set)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components import (
    AccountBaseline,
    AccountBaselineArgs,
    OrganizationBaseline,
    OrganizationBaselineArgs,
    OrganizationRollout,
    OrganizationRolloutArgs,
)
from components.validation import DEFAULT_ENABLED_REGIONS
from rootguard.config import (
    AccountConfig,
    ConfigError,
    OrganizationConfig,
    StackConfig,
    load_stack_config,
)
from rootguard.discovery import discover_accounts


def baseline_args(config: StackConfig, account_id: pulumi.Input[str]) -> AccountBaselineArgs:
    """The AccountBaseline args of one account under this stack's config."""
    args: AccountBaselineArgs = {
        "account_id": account_id,
        "home_region": config.home_region,
        "regions": list(config.regions),
        "recorder_mode": config.recorder.mode,
        "global_resources_in_all_regions": config.recorder.global_resources_in_all_regions,
        "recorder_name": config.recorder.recorder_name,
        "delivery_channel_name": config.recorder.delivery_channel_name,
        "keep_bucket_on_destroy": config.recorder.keep_bucket_on_destroy,
        "alert_emails": list(config.alerts.emails),
        "threshold_usd": config.alerts.threshold_usd,
        "root_access_key_check": config.rules.root_access_key_check,
        "hardware_mfa": config.rules.hardware_mfa,
        "rule_frequency": config.rules.frequency,
        "custom_rule": config.rules.custom_rule,
        "require_hardware_mfa": config.rules.require_hardware_mfa,
        "root_use_window_days": config.rules.root_use_window_days,
        # An organization stack that turns on centralized root access vouches for it.
        "root_credentials_managed": config.rules.root_credentials_managed
        or (config.organization is not None and config.organization.root_access is not None),
        "root_signin_alarm": config.alarm.enabled,
        "alarm_emails": list(config.alarm.emails),
        "alarm_opt_in_regions": list(config.alarm.opt_in_regions),
    }
    if config.execution_role is not None:
        args["execution_role"] = {
            "admin_account_id": config.execution_role.admin_account_id,
            "role_name": config.execution_role.role_name,
        }
    return args


def export_baseline(key: str, account_id: pulumi.Input[str], baseline: AccountBaseline) -> None:
    pulumi.export(
        key,
        {
            "accountId": account_id,
            "recorders": baseline.recorder_names,
            "deliveryBucket": baseline.bucket_name,
            "rootRules": baseline.rule_names,
            "anomalyMonitorArn": baseline.monitor_arn,
            "anomalyTopicArn": baseline.topic_arn,
            "customRuleArn": baseline.custom_rule_arn,
            "rootActivityTopicArn": baseline.alarm_topic_arn,
            "executionRoleArn": baseline.execution_role_arn,
        },
    )


def organization_args(
    config: StackConfig,
    organization: OrganizationConfig,
    account_id: pulumi.Input[str],
    recorders: list[aws.cfg.Recorder],
) -> OrganizationBaselineArgs:
    """The OrganizationBaseline args under this stack's config."""
    pack = organization.conformance_pack
    args: OrganizationBaselineArgs = {
        "account_id": account_id,
        "region": config.home_region,
        "role": organization.role,
        "conformance_pack": pack.enabled,
        "hardware_mfa": pack.hardware_mfa,
        "excluded_accounts": list(pack.excluded_accounts),
        "aggregator": organization.aggregator,
        "custom_rule": organization.custom_rule,
        "execution_role_name": organization.execution_role_name,
        "require_hardware_mfa": config.rules.require_hardware_mfa,
        "root_use_window_days": config.rules.root_use_window_days,
        "maximum_execution_frequency": config.rules.frequency,
        "recorders": recorders,
    }
    if organization.delegated_admin_account_id is not None:
        args["delegated_admin_account_id"] = organization.delegated_admin_account_id
    if pack.delivery_bucket is not None:
        args["delivery_bucket"] = pack.delivery_bucket
        args["keep_bucket_on_destroy"] = pack.keep_bucket_on_destroy
    if organization.root_access is not None:
        args["root_access"] = {"trusted_access": organization.root_access.trusted_access}
        if organization.root_access.delegated_admin_account_id is not None:
            admin = organization.root_access.delegated_admin_account_id
            args["root_access"]["delegated_admin_account_id"] = admin
    if organization.guardrails is not None:
        guardrails = organization.guardrails
        args["guardrails"] = {
            "targets": list(guardrails.targets),
            "exempt_accounts": list(guardrails.exempt_accounts),
            "exempt_ous": list(guardrails.exempt_ous),
            "deny_root_user": guardrails.deny_root_user,
            "deny_root_access_keys": guardrails.deny_root_access_keys,
            "protect_rootguard": guardrails.protect_rootguard,
            "deploy_role_names": list(guardrails.deploy_role_names),
            "execution_role_name": organization.execution_role_name,
        }
    return args


def rollout_args(
    config: StackConfig,
    organization: OrganizationConfig,
    account_id: pulumi.Input[str],
    described: aws.organizations.GetOrganizationResult,
) -> OrganizationRolloutArgs:
    """The OrganizationRollout args (rollout: stackset) under this stack's config."""
    stack_set = organization.stack_set
    assert stack_set is not None  # the config requires it with rollout stackset
    args: OrganizationRolloutArgs = {
        "account_id": account_id,
        "organization_id": described.id,
        "home_region": config.home_region,
        "regions": list(config.regions),
        # Root activity alarms from every region an account can be used in.
        "forwarding_regions": sorted({*DEFAULT_ENABLED_REGIONS, *config.alarm.opt_in_regions}),
        "targets": list(stack_set.targets),
        "excluded_accounts": list(stack_set.excluded_accounts),
        "skip_recorder_ous": list(stack_set.skip_recorder.ous),
        "self_recording_accounts": list(stack_set.skip_recorder.accounts),
        "delegated_admin": organization.role == "delegatedAdmin",
        "alert_emails": list(config.alerts.emails),
        "threshold_usd": config.alerts.threshold_usd,
        "alarm_emails": list(config.alarm.emails),
        "operation_preferences": stack_set.operation_preferences(),
        "retain_stacks_on_account_removal": stack_set.on_account_removal == "retain",
        "keep_bucket_on_destroy": config.recorder.keep_bucket_on_destroy,
    }
    # Only the management account sees the organization's trusted services.
    if organization.role == "management" and described.aws_service_access_principals is not None:
        args["trusted_services"] = list(described.aws_service_access_principals)
    if organization.delegated_admin_account_id is not None:
        args["register_delegated_admin"] = organization.delegated_admin_account_id
    if organization.log_archive_account is not None:
        args["log_archive_account"] = organization.log_archive_account.provider_args()
    if organization.security_account is not None:
        args["security_account"] = organization.security_account.provider_args()
    if organization.payer_account is not None:
        args["payer_account"] = organization.payer_account.provider_args()
    if config.alerts.cost_monitor_arn is not None:
        args["cost_monitor_arn"] = config.alerts.cost_monitor_arn
    return args


def stackset_organization(config: StackConfig, organization: OrganizationConfig) -> None:
    """rollout: stackset - the member baseline fans out with StackSets; on the default
    provider (the management account or the StackSets delegated administrator)."""
    own_account_id = aws.get_caller_identity_output().account_id
    rollout = OrganizationRollout(
        "organization-rollout",
        rollout_args(config, organization, own_account_id, aws.organizations.get_organization()),
    )
    args = organization_args(config, organization, own_account_id, [])
    if "guardrails" in args:
        # The member stacks are StackSets': their execution role changes them.
        args["guardrails"]["stacksets_execution_role"] = True
    # Members record once their stacks exist: the pack and the rule wait for them.
    args["stack_set_instances"] = rollout.instances
    args["member_stacks"] = rollout.own_stacks
    baseline = OrganizationBaseline("organization", args)
    pulumi.export(
        "organization",
        {
            "stackSets": rollout.stack_set_names,
            "deliveryBucket": rollout.delivery_bucket_name,
            "rootActivityBusArn": rollout.event_bus_arn,
            "rootActivityTopicArn": rollout.alarm_topic_arn,
            "anomalyMonitorArn": rollout.cost_monitor_arn,
            "anomalyTopicArn": rollout.cost_topic_arn,
            "conformancePackArn": baseline.conformance_pack_arn,
            "aggregatorArn": baseline.aggregator_arn,
            "customRuleArn": baseline.custom_rule_arn,
            "ruleFunctionArn": baseline.function_arn,
        },
    )


def stack_accounts(config: StackConfig) -> list[AccountConfig]:
    """The listed accounts, or those discovered in AWS Organizations now."""
    if isinstance(config.accounts, list):
        return config.accounts
    return discover_accounts(config.accounts.from_organization)


def main() -> None:
    try:
        config = load_stack_config()
    except ConfigError as err:
        raise pulumi.RunError(str(err)) from err
    if config.organization is not None and config.organization.rollout == "stackset":
        stackset_organization(config, config.organization)
        return

    baselines: list[AccountBaseline] = []
    own_account_id: pulumi.Output[str] | None = None
    if not config.accounts or config.organization is not None:
        # The caller's own account, on the default provider: the only account when none
        # is listed; always with the organization layer, whose pack and rule reach this
        # account too and fail there without its recorder.
        own_account_id = aws.get_caller_identity_output().account_id
        args = baseline_args(config, own_account_id)
        if config.alerts.cost_monitor_arn is not None:
            args["cost_monitor_arn"] = config.alerts.cost_monitor_arn
        baseline = AccountBaseline("self", args)
        export_baseline("self", own_account_id, baseline)
        baselines.append(baseline)

    for account in stack_accounts(config):
        provider = aws.Provider(
            f"{account.name}-provider",
            region=config.home_region,
            assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=account.role_arn)],
            allowed_account_ids=[account.id],
        )
        args = baseline_args(config, account.id)
        if account.cost_monitor_arn is not None:
            args["cost_monitor_arn"] = account.cost_monitor_arn
        baseline = AccountBaseline(
            account.name, args, opts=pulumi.ResourceOptions(provider=provider)
        )
        export_baseline(account.name, account.id, baseline)
        baselines.append(baseline)

    if config.organization is not None and own_account_id is not None:
        # On the default provider: the stack runs in the management account or the
        # AWS Config delegated administrator, where the organization APIs answer.
        recorders = [b.recording.home_recorder for b in baselines if b.recording.home_recorder]
        organization = OrganizationBaseline(
            "organization",
            organization_args(config, config.organization, own_account_id, recorders),
        )
        pulumi.export(
            "organization",
            {
                "conformancePackArn": organization.conformance_pack_arn,
                "aggregatorArn": organization.aggregator_arn,
                "customRuleArn": organization.custom_rule_arn,
                "ruleFunctionArn": organization.function_arn,
                "delegatedAdministrators": [
                    admin.service_principal for admin in organization.delegated_administrators
                ],
                "rootAccessFeatures": organization.root_access.enabled_features
                if organization.root_access
                else None,
                "guardrailPolicyIds": organization.guardrails.policy_ids
                if organization.guardrails
                else None,
            },
        )


main()
