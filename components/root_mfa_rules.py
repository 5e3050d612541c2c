"""The AWS-managed root-account Config rules of one account, in its home region only.

The root user is a global resource and these rules are periodic: one copy per account is
the whole coverage, every extra region only multiplies the evaluation cost.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from typing_extensions import NotRequired, TypedDict

TYPE = "rootguard:root_mfa_rules:RootMfaRules"
ROOT_MFA = "ROOT_ACCOUNT_MFA_ENABLED"
ROOT_ACCESS_KEY = "IAM_ROOT_ACCESS_KEY_CHECK"
ROOT_HARDWARE_MFA = "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED"
DEFAULT_FREQUENCY = "TwentyFour_Hours"

# identifier -> (child role in the resource name, description)
_RULES = {
    ROOT_MFA: ("root-mfa", "The root user must have MFA enabled."),
    ROOT_ACCESS_KEY: ("root-access-key", "The root user must have no access keys."),
    ROOT_HARDWARE_MFA: ("root-hardware-mfa", "The root user must use a hardware MFA device."),
}


class RootMfaRulesArgs(TypedDict):
    home_region: str
    """The one region where the rules are deployed."""
    recorder: NotRequired[pulumi.Resource]
    """The home-region configuration recorder every rule waits for; omit when another
    party (Control Tower) owns the recorder."""
    root_access_key_check: NotRequired[bool]
    """Deploy IAM_ROOT_ACCESS_KEY_CHECK (default true)."""
    hardware_mfa: NotRequired[bool]
    """Deploy ROOT_ACCOUNT_HARDWARE_MFA_ENABLED (default false: virtual MFA passes)."""
    maximum_execution_frequency: NotRequired[str]
    """How often the periodic rules run (default TwentyFour_Hours)."""
    name_prefix: NotRequired[str]
    """Prefix of the rule names in AWS Config (default "rootguard-")."""


class RootMfaRules(pulumi.ComponentResource):
    """ROOT_ACCOUNT_MFA_ENABLED always; IAM_ROOT_ACCESS_KEY_CHECK and
    ROOT_ACCOUNT_HARDWARE_MFA_ENABLED as switched; home region only."""

    rules: dict[str, aws.cfg.Rule]
    """Rule per managed-rule identifier."""
    rule_names: pulumi.Output[list[str]]
    """Names of the deployed rules in AWS Config."""

    def __init__(
        self,
        name: str,
        args: RootMfaRulesArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        identifiers = [ROOT_MFA]
        if args.get("root_access_key_check", True):
            identifiers.append(ROOT_ACCESS_KEY)
        if args.get("hardware_mfa", False):
            identifiers.append(ROOT_HARDWARE_MFA)
        recorder = args.get("recorder")
        prefix = args.get("name_prefix", "rootguard-")

        self.rules = {}
        for identifier in identifiers:
            role, description = _RULES[identifier]
            self.rules[identifier] = aws.cfg.Rule(
                f"{name}-{role}",
                name=prefix + identifier.lower().replace("_", "-"),
                description=description,
                source=aws.cfg.RuleSourceArgs(owner="AWS", source_identifier=identifier),
                maximum_execution_frequency=args.get(
                    "maximum_execution_frequency", DEFAULT_FREQUENCY
                ),
                region=args["home_region"],
                opts=pulumi.ResourceOptions(
                    parent=self,
                    # PutConfigRule fails with NoAvailableConfigurationRecorderException
                    # until the region has a recorder.
                    depends_on=[recorder] if recorder is not None else None,
                ),
            )
        self.rule_names = pulumi.Output.all(*(rule.name for rule in self.rules.values()))
        self.register_outputs({"rule_names": self.rule_names})
