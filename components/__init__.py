"""Pulumi ComponentResources of rootguard, importable as `rootguard.components`."""

from .account_baseline import AccountBaseline, AccountBaselineArgs
from .central_alerts import CentralRootActivity, CentralRootActivityArgs
from .central_delivery import CentralDeliveryBucket, CentralDeliveryBucketArgs
from .config_recorder import ConfigRecorder, ConfigRecorderArgs
from .cost_anomaly import CostAnomalyAlerts, CostAnomalyAlertsArgs
from .execution_role import ExecutionRole, ExecutionRoleArgs
from .guardrails import Guardrails, GuardrailsArgs
from .organization_baseline import OrganizationBaseline, OrganizationBaselineArgs
from .organization_rollout import OrganizationRollout, OrganizationRolloutArgs
from .root_access import RootAccess, RootAccessArgs
from .root_guard_rule import RootGuardRule, RootGuardRuleArgs
from .root_mfa_rules import RootMfaRules, RootMfaRulesArgs
from .root_signin_alarm import RootSigninAlarm, RootSigninAlarmArgs
from .stackset_rollout import MemberRollout, MemberRolloutArgs

__all__ = [
    "AccountBaseline",
    "AccountBaselineArgs",
    "CentralDeliveryBucket",
    "CentralDeliveryBucketArgs",
    "CentralRootActivity",
    "CentralRootActivityArgs",
    "ConfigRecorder",
    "ConfigRecorderArgs",
    "CostAnomalyAlerts",
    "CostAnomalyAlertsArgs",
    "ExecutionRole",
    "ExecutionRoleArgs",
    "Guardrails",
    "GuardrailsArgs",
    "MemberRollout",
    "MemberRolloutArgs",
    "OrganizationBaseline",
    "OrganizationBaselineArgs",
    "OrganizationRollout",
    "OrganizationRolloutArgs",
    "RootAccess",
    "RootAccessArgs",
    "RootGuardRule",
    "RootGuardRuleArgs",
    "RootMfaRules",
    "RootMfaRulesArgs",
    "RootSigninAlarm",
    "RootSigninAlarmArgs",
]
