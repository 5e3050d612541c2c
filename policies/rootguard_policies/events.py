"""Root activity as AWS delivers it, and whether an EventBridge event pattern or a
CloudWatch Logs metric filter pattern matches it.

Root API calls reach EventBridge as "AWS API Call via CloudTrail" events on the bus of
the region where the call was made, root console sign-ins as "AWS Console Sign In via
CloudTrail" events in us-east-1 (CloudTrail user guide, "Console sign-in events";
EventBridge user guide, "Events from AWS services"). A rule in state `ENABLED` gets no
read-only management events; `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS` gets them
(EventBridge API reference, PutRule `State`). `root_events` builds representative
events (several services, read-only and not, and a sign-in), so that "matches root
activity" means "matches all of them", not "mentions Root".

Pattern matching follows the EventBridge user guide ("Event patterns", "Content
filtering"): every field of the pattern must match; a list matches when one of its
values or filters does; filters `prefix`, `suffix`, `equals-ignore-case`, `wildcard`,
`anything-but`, `exists` and `$or`. Metric filter patterns follow the CloudWatch Logs
user guide ("Filter pattern syntax"): JSON selectors `$.a.b` with `=`, `!=`, `NOT
EXISTS`, `IS NULL`, `&&`, `||` and parentheses, or plain terms. Anything else is
*undecided* (None): not judged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .values import as_list, decode_json

API_CALL = "AWS API Call via CloudTrail"
CONSOLE_SIGN_IN = "AWS Console Sign In via CloudTrail"
SIGN_IN_REGION = "us-east-1"
"""Where CloudTrail delivers root console sign-in events (and EventBridge gets them)."""

STATE_ALL_MANAGEMENT = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"

_API_CALLS = (
    # (service, event name, read-only)
    ("s3", "ListBuckets", True),
    ("ec2", "DescribeInstances", True),
    ("ec2", "RunInstances", False),
    ("iam", "CreateAccessKey", False),
    ("iam", "GetAccountSummary", True),
    ("organizations", "LeaveOrganization", False),
)


@dataclass(frozen=True)
class RootEvent:
    """One root activity event as EventBridge delivers it (`event`), with its CloudTrail
    record (`detail`, what a trail writes to CloudWatch Logs)."""

    event: Mapping[str, Any]
    read_only: bool
    sign_in: bool

    @property
    def detail(self) -> Mapping[str, Any]:
        return self.event["detail"]


def root_events(account: str, region: str) -> list[RootEvent]:
    """Root API calls made in `region` (read-only ones included); with the console
    sign-in when `region` is where sign-ins are delivered."""
    identity = {
        "type": "Root",
        "principalId": account,
        "arn": f"arn:aws:iam::{account}:root",
        "accountId": account,
    }
    found = []
    for service, name, read_only in _API_CALLS:
        detail = {
            "eventVersion": "1.09",
            "userIdentity": identity,
            "eventSource": f"{service}.amazonaws.com",
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": "203.0.113.10",
            "userAgent": "aws-cli/2",
            "eventType": "AwsApiCall",
            "readOnly": read_only,
            "managementEvent": True,
            "recipientAccountId": account,
            "eventCategory": "Management",
        }
        found.append(
            RootEvent(
                _envelope(API_CALL, f"aws.{service}", account, region, detail), read_only, False
            )
        )
    if region == SIGN_IN_REGION:
        detail = {
            "eventVersion": "1.09",
            "userIdentity": identity,
            "eventSource": "signin.amazonaws.com",
            "eventName": "ConsoleLogin",
            "awsRegion": SIGN_IN_REGION,
            "sourceIPAddress": "203.0.113.10",
            "eventType": "AwsConsoleSignIn",
            "responseElements": {"ConsoleLogin": "Success"},
            "additionalEventData": {"MFAUsed": "Yes"},
            "readOnly": False,
            "managementEvent": True,
            "recipientAccountId": account,
            "eventCategory": "Management",
        }
        found.append(
            RootEvent(
                _envelope(CONSOLE_SIGN_IN, "aws.signin", account, SIGN_IN_REGION, detail),
                False,
                True,
            )
        )
    return found


def _envelope(
    detail_type: str, source: str, account: str, region: str, detail: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": "2026-01-01T00:00:00Z",
        "region": region,
        "resources": [],
        "detail": detail,
    }


def delivered(event: RootEvent, state: Any) -> bool:
    """Whether a rule in `state` (None: the default ENABLED) receives the event."""
    if state == "DISABLED":
        return False
    return not event.read_only or state == STATE_ALL_MANAGEMENT


# --- EventBridge event patterns --------------------------------------------------------------


def pattern_matches(pattern: Any, event: Mapping[str, Any]) -> bool | None:
    """Whether an event pattern (JSON text or parsed) matches the event; None when it
    uses something not modelled here."""
    pattern = decode_json(pattern)
    if not isinstance(pattern, Mapping):
        return None
    return _object(pattern, event)


def _object(pattern: Mapping[str, Any], value: Any) -> bool | None:
    undecided = False
    for key, wanted in pattern.items():
        if key == "$or":
            verdicts = [_object(p, value) for p in as_list(wanted) if isinstance(p, Mapping)]
            verdict = True if True in verdicts else (None if None in verdicts else False)
        elif isinstance(wanted, Mapping):
            inner = value.get(key) if isinstance(value, Mapping) else None
            verdict = _object(wanted, inner if isinstance(inner, Mapping) else {})
        elif isinstance(wanted, list):
            present = isinstance(value, Mapping) and key in value
            verdict = _field(wanted, value.get(key) if present else None, present)
        else:
            return None
        if verdict is False:
            return False
        undecided = undecided or verdict is None
    return None if undecided else True


def _field(matchers: list[Any], value: Any, present: bool) -> bool | None:
    """A list of values and filters against a field's value (lists: any element)."""
    values = value if isinstance(value, list) else [value]
    undecided = False
    for matcher in matchers:
        for item in values:
            verdict = _one(matcher, item, present)
            if verdict is True:
                return True
            undecided = undecided or verdict is None
    return None if undecided else False


def _one(matcher: Any, value: Any, present: bool) -> bool | None:
    if not isinstance(matcher, Mapping):
        return present and matcher == value
    if len(matcher) != 1:
        return None
    ((operator, operand),) = matcher.items()
    if operator == "exists":
        return present is bool(operand)
    if not present:
        return False
    if operator == "anything-but":
        if isinstance(operand, Mapping):
            inner = _one(operand, value, present)
            return None if inner is None else not inner
        return value not in as_list(operand)
    if not isinstance(value, str):
        return False if operator in ("prefix", "suffix", "wildcard", "equals-ignore-case") else None
    if operator in ("prefix", "suffix") and isinstance(operand, Mapping):
        text = operand.get("equals-ignore-case")
        if not isinstance(text, str):
            return None
        value, operand = value.lower(), text.lower()
    if operator == "prefix" and isinstance(operand, str):
        return value.startswith(operand)
    if operator == "suffix" and isinstance(operand, str):
        return value.endswith(operand)
    if operator == "equals-ignore-case" and isinstance(operand, str):
        return value.lower() == operand.lower()
    if operator == "wildcard" and isinstance(operand, str):
        body = ".*".join(re.escape(part) for part in operand.split("*"))
        return re.fullmatch(body, value, flags=re.DOTALL) is not None
    return None


# --- CloudWatch Logs metric filter patterns ---------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<and>&&)|(?P<or>\|\|)"
    r"|(?P<selector>\$(?:\.[A-Za-z0-9_\-]+|\[\d+\])+)"
    r"|(?P<not_exists>NOT\s+EXISTS\b)|(?P<is_null>IS\s+NULL\b)"
    r"|(?P<op>!=|=)"
    r'|(?P<string>"(?:[^"\\]|\\.)*")|(?P<bare>[^\s()&|"]+))'
)


def filter_matches(pattern: Any, record: Mapping[str, Any]) -> bool | None:
    """Whether a metric filter pattern matches a CloudTrail record (as a trail writes it
    to CloudWatch Logs); None for a pattern not modelled here."""
    if not isinstance(pattern, str):
        return None
    text = pattern.strip()
    if not text:
        return True  # an empty pattern matches every log event
    if text.startswith("{") and text.endswith("}"):
        tokens = _tokens(text[1:-1])
        if tokens is None:
            return None
        parser = _Parser(tokens, record)
        verdict = parser.expression()
        return verdict if parser.done() else None
    return _terms(text, json.dumps(record))


def _tokens(text: str) -> list[tuple[str, str]] | None:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            if text[position:].strip() == "":
                break
            return None
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    """expression := conjunction ("||" conjunction)*; conjunction := term ("&&" term)*;
    term := "(" expression ")" | selector ("=" | "!=") value | selector NOT EXISTS |
    selector IS NULL. Evaluates as it parses; None when a term cannot be judged."""

    def __init__(self, tokens: list[tuple[str, str]], record: Mapping[str, Any]) -> None:
        self.tokens, self.record, self.at = tokens, record, 0

    def done(self) -> bool:
        return self.at == len(self.tokens)

    def _peek(self) -> str:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else ""

    def _take(self) -> tuple[str, str]:
        token = self.tokens[self.at] if self.at < len(self.tokens) else ("", "")
        self.at += 1
        return token

    def expression(self) -> bool | None:
        verdicts = [self.conjunction()]
        while self._peek() == "or":
            self._take()
            verdicts.append(self.conjunction())
        return True if True in verdicts else (None if None in verdicts else False)

    def conjunction(self) -> bool | None:
        verdicts = [self.term()]
        while self._peek() == "and":
            self._take()
            verdicts.append(self.term())
        return False if False in verdicts else (None if None in verdicts else True)

    def term(self) -> bool | None:
        kind, text = self._take()
        if kind == "lp":
            verdict = self.expression()
            return verdict if self._take()[0] == "rp" else None
        if kind != "selector":
            return None
        present, value = _select(self.record, text)
        kind, operator = self._take()
        if kind == "not_exists":
            return not present
        if kind == "is_null":
            return present and value is None
        if kind != "op":
            return None
        kind, raw = self._take()
        if kind not in ("string", "bare"):
            return None
        wanted = json.loads(raw) if kind == "string" else raw
        if not present or isinstance(value, (Mapping, list)):
            return operator == "!="
        actual = json.dumps(value) if isinstance(value, bool) else str(value)
        body = ".*".join(re.escape(part) for part in str(wanted).split("*"))
        hit = re.fullmatch(body, actual, flags=re.DOTALL) is not None
        return hit if operator == "=" else not hit


def _select(record: Mapping[str, Any], selector: str) -> tuple[bool, Any]:
    value: Any = record
    for part in re.findall(r"\.([A-Za-z0-9_\-]+)|\[(\d+)\]", selector):
        key, index = part
        if key and isinstance(value, Mapping) and key in value:
            value = value[key]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return False, None
    return True, value


def _terms(text: str, raw: str) -> bool | None:
    """A plain-term pattern: every term appears in the event, no `-term` does."""
    terms = re.findall(r'-?"(?:[^"\\]|\\.)*"|\S+', text)
    if any(t.startswith("?") for t in terms):
        return None  # ?term (any of) is not modelled
    for term in terms:
        negated = term.startswith("-")
        word = term[1:] if negated else term
        word = json.loads(word) if word.startswith('"') else word
        if (word in raw) == negated:
            return False
    return True
