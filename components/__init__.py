"""Pulumi ComponentResources of rootguard, importable as `rootguard.components`."""

from .account_baseline import AccountBaseline, AccountBaselineArgs
from .config_recorder import ConfigRecorder, ConfigRecorderArgs
from .cost_anomaly import CostAnomalyAlerts, CostAnomalyAlertsArgs
from .execution_role import ExecutionRole, ExecutionRoleArgs
from .guardrails import Guardrails, GuardrailsArgs
from .organization_baseline import OrganizationBaseline, OrganizationBaselineArgs
from .root_access import RootAccess, RootAccessArgs
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
    "Guardrails",
    "GuardrailsArgs",
    "OrganizationBaseline",
    "OrganizationBaselineArgs",
    "RootAccess",
    "RootAccessArgs",
    "RootGuardRule",
    "RootGuardRuleArgs",
    "RootMfaRules",
    "RootMfaRulesArgs",
    "RootSigninAlarm",
    "RootSigninAlarmArgs",
]
