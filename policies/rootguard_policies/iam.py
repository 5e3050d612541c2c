"""IAM policy documents read the way AWS evaluates them, for policies that must know what
a document allows or denies rather than what it mentions.

As the IAM User Guide states it ("Policy evaluation logic"; "IAM JSON policy element
reference"): a statement applies to a request when its `Action`/`NotAction`,
`Resource`/`NotResource`, `Principal`/`NotPrincipal` and `Condition` all match; an
applying Deny wins over any Allow; without an applying Allow the request is denied.
Actions match case-insensitively, resources case-sensitively, both with the `*` and `?`
wildcards. `"Principal": "*"` and `{"AWS": "*"}` are everyone (services included).

Conditions are evaluated against a `Request`'s context: keys it gives a value, keys it
says are absent (a service principal has no `aws:PrincipalOrgID`), and nothing else — a
condition on any other key, a policy variable, or an operator not modelled here is
*undecided* (None). Callers choose what undecided means (usually: not judged, so no
violation rests on it).

Documents are plain values: JSON text or parsed (pulumi-aws accepts both).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .values import as_list, decode_json

ANYONE = ("*", "*")
"""A principal matched only by statements open to everyone."""


@dataclass(frozen=True)
class Request:
    """One request to evaluate a policy document against.

    `principal` is (kind, identifier): ("Service", "config.amazonaws.com"),
    ("AWS", "arn:aws:iam::111111111111:role/x"); None for identity policies (the
    principal is whoever holds the policy). `context` maps condition keys (any case) to
    their value, None for a key the request certainly lacks.
    """

    action: str
    resource: str
    principal: tuple[str, str] | None = None
    context: Mapping[str, str | None] = field(default_factory=dict)

    def value(self, key: str) -> tuple[bool, str | None]:
        """(known, value) of a condition key: known False when the context is silent."""
        lowered = {k.lower(): v for k, v in self.context.items()}
        if key.lower() in lowered:
            return True, lowered[key.lower()]
        return False, None


# --- wildcards -------------------------------------------------------------------------------


@cache
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def matches(pattern: Any, value: str, *, ignore_case: bool = False) -> bool:
    """True when an IAM pattern (`*`, `?` wildcards) matches `value`."""
    if not isinstance(pattern, str):
        return False
    return _pattern(pattern, ignore_case).match(value) is not None


def covers_every(pattern: Any, prefix: str, *, ignore_case: bool = False) -> bool:
    """True when an IAM pattern matches every string that starts with `prefix`
    (`bucket/*` covers every object key of the bucket; `s3:*` every S3 action)."""
    if not isinstance(pattern, str) or not pattern.endswith("*"):
        return False
    head = pattern.rstrip("*")
    return any(
        matches(head, prefix[:cut], ignore_case=ignore_case) for cut in range(len(prefix) + 1)
    )


def covers_every_action(pattern: Any) -> bool:
    """True for an action pattern that matches every action of every service (`*`, `*:*`)."""
    return isinstance(pattern, str) and pattern.replace("*", "") in ("", ":")


# --- statements ------------------------------------------------------------------------------


def statements(document: Any, effect: str | None = None) -> list[Mapping[str, Any]]:
    """The statements of a document (JSON text or parsed), optionally of one effect."""
    document = decode_json(document)
    if not isinstance(document, Mapping):
        return []
    return [
        s
        for s in as_list(document.get("Statement"))
        if isinstance(s, Mapping) and (effect is None or s.get("Effect") == effect)
    ]


def actions_match(statement: Mapping[str, Any], action: str) -> bool:
    """The statement's Action (or NotAction) covers `action`."""
    if "NotAction" in statement:
        return not any(
            matches(p, action, ignore_case=True) for p in as_list(statement["NotAction"])
        )
    return any(matches(p, action, ignore_case=True) for p in as_list(statement.get("Action")))


def resources_match(statement: Mapping[str, Any], resource: str) -> bool:
    """The statement's Resource (or NotResource) covers `resource`; a statement with
    neither (a trust policy) covers everything."""
    if "NotResource" in statement:
        return not any(matches(p, resource) for p in as_list(statement["NotResource"]))
    if "Resource" not in statement:
        return True
    return any(matches(p, resource) for p in as_list(statement["Resource"]))


def _named(principal_element: Any, principal: tuple[str, str]) -> bool:
    """A Principal element names `principal`; `*` and {"AWS": "*"} name everyone."""
    if principal_element == "*":
        return True
    if not isinstance(principal_element, Mapping):
        return False
    if "*" in [str(p) for p in as_list(principal_element.get("AWS"))]:
        return True
    kind, identifier = principal
    return any(
        matches(p, identifier, ignore_case=kind == "Service")
        for p in as_list(principal_element.get(kind))
    )


def principal_matches(statement: Mapping[str, Any], principal: tuple[str, str] | None) -> bool:
    """The statement's Principal (or NotPrincipal) names `principal`; identity-policy
    statements (no principal element) apply to their holder, `principal` None."""
    if principal is None:
        return "Principal" not in statement and "NotPrincipal" not in statement
    if "NotPrincipal" in statement:
        return not _named(statement["NotPrincipal"], principal)
    return "Principal" in statement and _named(statement["Principal"], principal)


def everyone(statement: Mapping[str, Any]) -> bool:
    """The statement's principal is everyone (`*` or {"AWS": "*"})."""
    return "NotPrincipal" not in statement and _named(statement.get("Principal"), ANYONE)


# --- conditions ------------------------------------------------------------------------------

_STRING_OPERATORS = {
    "stringequals": (False, False, False),  # (negated, like, ignore case)
    "stringnotequals": (True, False, False),
    "stringequalsignorecase": (False, False, True),
    "stringnotequalsignorecase": (True, False, True),
    "stringlike": (False, True, False),
    "stringnotlike": (True, True, False),
    "arnequals": (False, True, False),  # ARN operators take wildcards per segment
    "arnlike": (False, True, False),
    "arnnotequals": (True, True, False),
    "arnnotlike": (True, True, False),
}


def _clause(operator: str, key: str, values: Any, request: Request) -> bool | None:
    """One `operator: {key: values}` clause: True, False, or None (undecided)."""
    op = operator.lower()
    if ":" in op:  # ForAnyValue:/ForAllValues: over multivalued keys
        return None
    wanted = [str(v) for v in as_list(values)]
    if any("${" in v for v in wanted):  # a policy variable
        return None
    known, actual = request.value(key)
    if not known:
        return None
    if op == "null":
        return any((v.lower() == "true") == (actual is None) for v in wanted)
    if_exists = op.endswith("ifexists")
    op = op.removesuffix("ifexists")
    if op == "bool":
        if actual is None:
            return if_exists
        return any(v.lower() == actual.lower() for v in wanted)
    if op not in _STRING_OPERATORS:
        return None
    negated, like, ignore_case = _STRING_OPERATORS[op]
    if actual is None:
        return True if if_exists else negated
    if like:
        hit = any(matches(v, actual, ignore_case=ignore_case) for v in wanted)
    elif ignore_case:
        hit = any(v.lower() == actual.lower() for v in wanted)
    else:
        hit = actual in wanted
    return not hit if negated else hit


def condition_holds(statement: Mapping[str, Any], request: Request) -> bool | None:
    """Every clause of the statement's Condition holds (True), one fails (False), or the
    rest is undecided (None)."""
    condition = statement.get("Condition")
    if condition is None:
        return True
    if not isinstance(condition, Mapping):
        return None
    undecided = False
    for operator, clauses in condition.items():
        if not isinstance(clauses, Mapping):
            return None
        for key, values in clauses.items():
            verdict = _clause(str(operator), str(key), values, request)
            if verdict is False:
                return False
            undecided = undecided or verdict is None
    return None if undecided else True


def applies(statement: Mapping[str, Any], request: Request) -> bool | None:
    """The statement applies to the request (True), does not (False), or its condition
    is undecided (None)."""
    if not (
        principal_matches(statement, request.principal)
        and actions_match(statement, request.action)
        and resources_match(statement, request.resource)
    ):
        return False
    return condition_holds(statement, request)


ALLOW, DENY, IMPLICIT = "allow", "deny", "implicit"
"""What `decide` answers: an Allow applies (and no Deny), a Deny applies, or neither."""


def decide(documents: Iterable[Any], request: Request) -> str | None:
    """ALLOW, DENY or IMPLICIT for the documents together (one principal's identity
    policies, or one resource's policies); None when only a statement whose condition
    is undecided could allow it. A Deny whose condition is undecided is not held
    against the request (what cannot be judged is not judged)."""
    verdict: str | None = IMPLICIT
    for document in documents:
        for statement in statements(document):
            applied = applies(statement, request)
            if statement.get("Effect") == "Deny":
                if applied is True:
                    return DENY
            elif statement.get("Effect") == "Allow":
                if applied is True:
                    verdict = ALLOW
                elif applied is None and verdict == IMPLICIT:
                    verdict = None
    return verdict


def allows(documents: Iterable[Any], request: Request) -> bool | None:
    """True when the documents allow the request, False when they do not, None when an
    undecided condition could."""
    verdict = decide(documents, request)
    return None if verdict is None else verdict == ALLOW


def condition_keys(statement: Mapping[str, Any]) -> set[str]:
    """The condition keys a statement tests, lower-cased."""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return set()
    return {
        str(key).lower()
        for clauses in condition.values()
        if isinstance(clauses, Mapping)
        for key in clauses
    }
