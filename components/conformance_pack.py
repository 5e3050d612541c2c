"""The organization conformance pack's template, shipped in the package, and its rules.

`templates/root-account-conformance-pack.yaml` holds the root-account rules and the
identity and access controls of the CIS AWS Foundations Benchmark v1.4.0 (section 1) that
AWS Config has managed rules for; `CIS_MANAGED_RULES` is the same list in code, and the
only managed identifiers a rootguard pack may use (`rootguard.conformance` checks it).

Left out, because no AWS managed rule checks them: 1.1-1.3 (contact details, security
questions), 1.7 (no daily use of root: the custom rule's RootUseWindowDays covers it),
1.11 (no access keys at user creation), 1.13 (one active key per user), 1.18 (instance
roles), 1.19 (expired server certificates), 1.20 (IAM Access Analyzer), 1.21 (central
identity management).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

TEMPLATE_FILE = "root-account-conformance-pack.yaml"
TEMPLATES_FOLDER = "templates"
MAX_TEMPLATE_BODY_BYTES = 51_200
"""PutOrganizationConformancePack's limit on TemplateBody."""

ROOT_MFA_RULE = "ROOT_ACCOUNT_MFA_ENABLED"
HARDWARE_MFA_RULE = "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED"

CIS_MANAGED_RULES: dict[str, str] = {
    "IAM_ROOT_ACCESS_KEY_CHECK": "1.4 no root access keys",
    ROOT_MFA_RULE: "1.5 MFA on the root user",
    HARDWARE_MFA_RULE: "1.6 hardware MFA on the root user (level 2; optional)",
    "IAM_PASSWORD_POLICY": "1.8, 1.9 password length 14, no reuse of the last 24",
    "MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS": "1.10 MFA for IAM users with a console password",
    "IAM_USER_UNUSED_CREDENTIALS_CHECK": "1.12 credentials unused for 45 days disabled",
    "ACCESS_KEYS_ROTATED": "1.14 access keys rotated within 90 days",
    "IAM_USER_NO_POLICIES_CHECK": "1.15 permissions only through groups",
    "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS": "1.16 no full '*:*' administrative policy",
    "IAM_POLICY_IN_USE": "1.17 a support role with AWSSupportAccess",
}
"""AWS managed rule identifier -> the CIS AWS Foundations Benchmark v1.4.0 control."""

OPTIONAL_RULES = frozenset({HARDWARE_MFA_RULE})
"""Rules of the shipped template that are removed unless asked for."""


def template_text() -> str:
    """The shipped template, exactly as in the package."""
    folder = resources.files(__package__) / TEMPLATES_FOLDER
    return (folder / TEMPLATE_FILE).read_text(encoding="utf-8")


def managed_identifiers(template: dict[str, Any]) -> list[str]:
    """The AWS managed rule identifiers of a parsed template, in template order."""
    found = []
    for resource in (template.get("Resources") or {}).values():
        source = (resource.get("Properties") or {}).get("Source") or {}
        identifier = source.get("SourceIdentifier")
        if source.get("Owner") == "AWS" and isinstance(identifier, str):
            found.append(identifier)
    return found


def render_template(hardware_mfa: bool = False) -> str:
    """The TemplateBody sent to AWS: the shipped template, with the optional rules asked
    for (ROOT_ACCOUNT_HARDWARE_MFA_ENABLED when `hardware_mfa`)."""
    template = yaml.safe_load(template_text())
    wanted = {HARDWARE_MFA_RULE} if hardware_mfa else set()
    resources_ = {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if _identifier(resource) not in OPTIONAL_RULES - wanted
    }
    body = yaml.safe_dump(
        {**template, "Resources": resources_}, sort_keys=False, default_flow_style=False
    )
    size = len(body.encode("utf-8"))
    if size > MAX_TEMPLATE_BODY_BYTES:
        raise ValueError(
            f"the conformance pack template is {size} bytes; AWS takes at most "
            f"{MAX_TEMPLATE_BODY_BYTES} in TemplateBody"
        )
    return body


def _identifier(resource: dict[str, Any]) -> str | None:
    source = (resource.get("Properties") or {}).get("Source") or {}
    identifier = source.get("SourceIdentifier")
    return identifier if isinstance(identifier, str) else None
