"""SARIF 2.1.0 for `rootguard gate --sarif FILE`, shaped for GitHub code scanning.

One run, one rule per policy (`<pack>/<policy>`), one result per violation: level
`error` for mandatory, `warning` for advisory. The resource's URN is the result's
logical location; the physical location is the line that declares the resource (the
constructor call the SDK reports, see `PlannedResource.source`), or line 1 of the
program's entry file for stack-level results; a fingerprint of rule, URN and message
keeps alerts on different resources apart across runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rootguard import __version__

if TYPE_CHECKING:
    from rootguard.gate.runner import GateResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
_LEVELS = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}


def rule_id(pack: str, policy: str) -> str:
    return f"{pack}/{policy}"


def to_sarif(
    result: GateResult,
    *,
    artifact_uri: str,
    automation_id: str,
    sources: Mapping[str, tuple[str, int]] | None = None,
) -> dict[str, Any]:
    """The SARIF log; ``sources`` maps a URN to the (artifact URI, line) that declares it."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for pack in result.packs:
        for policy in pack.policies:
            rid = rule_id(pack.name, policy.name)
            index[rid] = len(rules)
            description = policy.description or policy.name
            rules.append(
                {
                    "id": rid,
                    "name": policy.name,
                    "shortDescription": {"text": description},
                    "fullDescription": {"text": description},
                    "help": {
                        "text": (
                            f"{description} Policy '{policy.name}' ({policy.kind} policy) of "
                            f"pack '{pack.name}', enforcement level {policy.level}. Re-level or "
                            "disable it with --policy-pack-config."
                        )
                    },
                    "defaultConfiguration": {
                        "level": _LEVELS.get(policy.level, "warning"),
                        "enabled": policy.level != "disabled",
                    },
                    "properties": {"tags": ["pulumi", "crossguard", pack.name]},
                }
            )
    results = []
    for v in result.violations:
        rid = rule_id(v.policy_pack, v.policy)
        text = " ".join(v.message.split()) or v.description or v.policy
        uri, line = (sources or {}).get(v.urn, (artifact_uri, 1))
        entry: dict[str, Any] = {
            "ruleId": rid,
            "level": _LEVELS.get(v.level, "warning"),
            "message": {"text": f"{text} Resource: {v.urn}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {"startLine": line},
                    },
                    "logicalLocations": [
                        {
                            "fullyQualifiedName": v.urn,
                            "name": v.urn.split("::", 3)[-1],
                            "kind": "resource",
                        }
                    ],
                }
            ],
            "partialFingerprints": {"primaryLocationLineHash": _fingerprint(rid, v.urn, text)},
            "properties": {"policyPack": v.policy_pack, "enforcementLevel": v.level},
        }
        if rid in index:
            entry["ruleIndex"] = index[rid]
        results.append(entry)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "rootguard gate",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": automation_id},
                "results": results,
            }
        ],
    }


def _fingerprint(rid: str, urn: str, text: str) -> str:
    digest = hashlib.sha256("\0".join((rid, urn, text)).encode()).hexdigest()[:16]
    return f"{digest}:1"
