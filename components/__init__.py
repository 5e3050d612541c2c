"""Pulumi ComponentResources of rootguard, importable as `rootguard.components`."""

from .account_baseline import AccountBaseline, AccountBaselineArgs
from .config_recorder import ConfigRecorder, ConfigRecorderArgs
from .cost_anomaly import CostAnomalyAlerts, CostAnomalyAlertsArgs
from .execution_role import ExecutionRole, ExecutionRoleArgs
from .organization_baseline import OrganizationBaseline, OrganizationBaselineArgs
from .root_guard_rule import RootGuardRule, RootGuardRuleArgs
from .root_mfa_rules import RootMfaRules, RootMfaRulesArgs
from .root_signin_alarm import RootSigninAlarm, RootSigninAlarmArgs

__all__ = [
    "AccountBaseline",
    "AccountBaselineArgs",
    "ConfigRecorder",
    "ConfigRecorderArgs",
    "CostAnomalyAlerts",
    "CostAnomalyAlertsArgs",
    "ExecutionRole",
    "ExecutionRoleArgs",
    "OrganizationBaseline",
    "OrganizationBaselineArgs",
    "RootGuardRule",
    "RootGuardRuleArgs",
    "RootMfaRules",
    "RootMfaRulesArgs",
    "RootSigninAlarm",
    "RootSigninAlarmArgs",
]
