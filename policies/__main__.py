"""The `rootguard` policy pack's entry point: it ONLY builds the PolicyPack.

`PolicyPack(...)` binds 127.0.0.1:0, prints the port and serves the Analyzer protocol
until killed, so nothing may import this file; the policies live in
`rootguard_policies`. The Pulumi CLI (`--policy-pack policies`) and `rootguard gate`
run it with this folder as the script directory.
"""

from pulumi_policy import EnforcementLevel, PolicyPack
from rootguard_policies import ALL_POLICIES, PACK_NAME
from rootguard_policies.root_access import ROOT_ACCESS_POLICIES
from rootguard_policies.shared_stack import share_stack_conversion

share_stack_conversion()  # convert the stack once for all stack policies, not once each

PolicyPack(
    name=PACK_NAME,
    policies=[*ALL_POLICIES, *ROOT_ACCESS_POLICIES],
    enforcement_level=EnforcementLevel.MANDATORY,
    description=(
        "Guards AWS Config recording and delivery, root-MFA coverage, root activity alarms, "
        "cost anomaly alerts, custom Config rules, Lambda runtimes and permissions, "
        "administrator access and centralized root access in every stack."
    ),
)
