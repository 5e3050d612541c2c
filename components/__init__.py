"""Pulumi ComponentResources of rootguard, importable as `rootguard.components`."""

from .account_baseline import AccountBaseline, AccountBaselineArgs
from .config_recorder import ConfigRecorder, ConfigRecorderArgs
from .cost_anomaly import CostAnomalyAlerts, CostAnomalyAlertsArgs
from .root_mfa_rules import RootMfaRules, RootMfaRulesArgs

__all__ = [
    "AccountBaseline",
    "AccountBaselineArgs",
    "ConfigRecorder",
    "ConfigRecorderArgs",
    "CostAnomalyAlerts",
    "CostAnomalyAlertsArgs",
    "RootMfaRules",
    "RootMfaRulesArgs",
]
