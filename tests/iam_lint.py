"""parliament as the tests lint IAM documents with it: findings above LOW, and unknown
actions or prefixes (LOW in parliament, yet a typo).

parliament keeps its own list of global condition keys, older than `aws:SourceOrgID` and
`aws:SourceOrgPaths` (IAM user guide, "AWS global condition context keys"); they are added
here so the organization conditions of rootguard's resource policies are checked like
any other key instead of reported as unknown.
"""

from __future__ import annotations

import json
from typing import Any

from parliament import analyze_policy_string, enhance_finding
from parliament import statement as parliament_statement

SEVERITY_ORDER = ["MUTE", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
NEVER_ACCEPTED = {"UNKNOWN_ACTION", "UNKNOWN_PREFIX"}
NEWER_GLOBAL_KEYS = {"aws:SourceOrgID": "String", "aws:SourceOrgPaths": "String"}

parliament_statement.GLOBAL_CONDITION_KEYS.update(NEWER_GLOBAL_KEYS)


def serious_findings(document: dict[str, Any] | str) -> list[tuple[str, str]]:
    """(issue, severity) of every finding that fails a lint."""
    text = document if isinstance(document, str) else json.dumps(document)
    # enhance_finding fills in the severity from parliament's config, as its CLI does.
    findings = [enhance_finding(f) for f in analyze_policy_string(text).findings]
    return [
        (f.issue, f.severity)
        for f in findings
        if SEVERITY_ORDER.index(f.severity) > SEVERITY_ORDER.index("LOW")
        or f.issue in NEVER_ACCEPTED
    ]
