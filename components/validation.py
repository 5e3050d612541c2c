"""The rules a value must follow, shared by the stack config (`rootguard/config.py`) and
the components' own checks: one set of rules, so a program that uses the components as a
library is refused exactly what a stack file is refused, with the same expectation, before
anything is registered.

A component reports a broken rule as `InvalidArgument`, one line:
``AccountBaseline alert_emails[0]: 'secops' is not valid; expected a valid email address``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import botocore.session
from email_validator import EmailNotValidError, validate_email

PARTITION = "aws"
"""Only the commercial partition: role ARNs and policies are written `arn:aws:`."""
MAX_ALERT_EMAILS = 10
"""AWS Cost Anomaly Detection takes at most 10 email subscribers per subscription."""
CONFORMS_BUCKET_PREFIX = "awsconfigconforms"
"""AWS requires an organization conformance pack's delivery bucket to start with this."""

DEFAULT_ENABLED_REGIONS = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
        "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
    }
)  # fmt: skip
"""Regions every account can be used in. AWS Account Management guide, "Enable or disable
AWS Regions in your account": "Regions launched before March 20, 2019 are enabled by
default ... Default Regions cannot be enabled or disabled"; every later region is opt-in.
The set is closed: no region launched today joins it."""

GLOBAL_IAM_RECORDING_REGIONS = DEFAULT_ENABLED_REGIONS | {
    "af-south-1",
    "ap-east-1",
    "ap-southeast-3",
    "eu-south-1",
    "me-south-1",
}
"""Regions where AWS Config records the global IAM types and runs the root-account rules.
Config API reference, RecordingGroup.includeGlobalResourceTypes: the global IAM types "can
only be recorded by Config in Regions where Config was available before February 2022";
ROOT_ACCOUNT_MFA_ENABLED's page lists the same later regions (Israel (Tel Aviv), Canada
West (Calgary), Middle East (UAE) ...) as not offering it. Closed like the set above:
every region launched from now on is outside it."""


class InvalidArgument(ValueError):
    """A component argument that breaks its rule; str() is one line."""

    def __init__(self, key: str, value: Any, expected: str) -> None:
        self.key = key
        self.expected = expected
        super().__init__(f"{key}: {value!r} is not valid; expected {expected}")


def _is_output(value: Any) -> bool:
    """A pulumi.Output (known only later): the service checks it instead."""
    return hasattr(value, "apply") and hasattr(value, "is_known")


@dataclass(frozen=True)
class Rule:
    """One rule on a single value: what a valid value is, and the test."""

    expected: str
    """What a valid value is, in the words both error messages use."""
    accepts: Callable[[Any], bool]

    def check(self, value: Any, key: str) -> None:
        """Raise InvalidArgument naming `key` unless `value` follows the rule."""
        if _is_output(value):
            return
        if not self.accepts(value):
            raise InvalidArgument(key, value, self.expected)

    def validate(self, value: Any) -> Any:
        """The rule as a pydantic AfterValidator: ValueError when broken."""
        if not self.accepts(value):
            raise ValueError(self.expected)
        return value


def _pattern(regex: str) -> Callable[[Any], bool]:
    compiled = re.compile(regex)
    return lambda value: isinstance(value, str) and compiled.fullmatch(value) is not None


def _one_of(values: Iterable[str]) -> str:
    return "one of " + ", ".join(values)


def _email(value: Any) -> bool:
    # The address only, no display name ("Ops <ops@example.com>"): Cost Anomaly
    # Detection and SNS take a bare address. No DNS lookup: plans run offline.
    if not isinstance(value, str) or "<" in value or value != value.strip():
        return False
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@functools.cache
def aws_regions() -> tuple[str, ...]:
    """Regions where AWS Config exists in the commercial partition (botocore's endpoint data)."""
    session = botocore.session.get_session()
    return tuple(session.get_available_regions("config", partition_name=PARTITION))


@functools.cache
def execution_frequencies() -> tuple[str, ...]:
    """`MaximumExecutionFrequency` values AWS Config accepts (botocore's service model)."""
    model = botocore.session.get_session().get_service_model("config")
    return tuple(model.shape_for("MaximumExecutionFrequency").enum)


ACCOUNT_ID = Rule("a 12-digit AWS account id", _pattern(r"[0-9]{12}"))
ROLE_NAME = Rule(
    "an IAM role name (1-64 of letters, digits and +=,.@_-)", _pattern(r"[A-Za-z0-9+=,.@_-]{1,64}")
)
MONITOR_ARN = Rule(
    "a Cost Anomaly Detection monitor ARN (arn:aws:ce::<account id>:anomalymonitor/<id>)",
    _pattern(r"arn:aws:ce::[0-9]{12}:anomalymonitor/[0-9A-Za-z-]{1,64}"),
)
CONFIG_NAME = Rule(
    "an AWS Config name of 1-256 letters, digits, '_', '.' or '-'",
    _pattern(r"[A-Za-z0-9_.-]{1,256}"),
)
CONFORMS_BUCKET = Rule(
    f"an S3 bucket name starting with {CONFORMS_BUCKET_PREFIX} (AWS requires it for an "
    "organization conformance pack): lowercase letters, digits, '.' and '-', at most "
    "63 characters, ending with a letter or digit",
    _pattern(rf"{CONFORMS_BUCKET_PREFIX}[a-z0-9.-]{{0,45}}[a-z0-9]"),
)
EMAIL = Rule("a valid email address", _email)
REGION = Rule(
    "an AWS region name such as us-east-1 (one botocore lists for AWS Config)",
    lambda value: isinstance(value, str) and value in aws_regions(),
)
HOME_REGION = Rule(
    "a region where AWS Config records the global IAM types and offers the root-account "
    "rules (Config ran there before February 2022): "
    + _one_of(sorted(GLOBAL_IAM_RECORDING_REGIONS)),
    lambda value: isinstance(value, str) and value in GLOBAL_IAM_RECORDING_REGIONS,
)
OPT_IN_REGION = Rule(
    "an opt-in region that AWS Config lists, such as af-south-1 (the regions enabled by "
    "default are always covered: " + ", ".join(sorted(DEFAULT_ENABLED_REGIONS)) + ")",
    lambda value: (
        isinstance(value, str) and value in aws_regions() and value not in DEFAULT_ENABLED_REGIONS
    ),
)
FREQUENCY = Rule(
    _one_of(execution_frequencies()),
    lambda value: isinstance(value, str) and value in execution_frequencies(),
)


def first_repeat(
    values: Sequence[Any], *, fold: Callable[[Any], Any] = lambda v: v
) -> tuple[int, int] | None:
    """(index, earlier index) of the first value seen twice (compared after `fold`)."""
    seen: dict[Any, int] = {}
    for index, value in enumerate(values):
        folded = fold(value)
        if folded in seen:
            return index, seen[folded]
        seen[folded] = index
    return None


def check_account_id(account_id: Any, key: str = "account_id") -> None:
    """Reject a malformed AWS account id; an Output (known only later) passes."""
    ACCOUNT_ID.check(account_id, key)


def check_each(rule: Rule, values: Sequence[Any], key: str) -> None:
    """Every value of a list follows `rule` (key[i] names the broken one)."""
    for index, value in enumerate(values):
        rule.check(value, f"{key}[{index}]")


def check_unique(
    values: Sequence[Any], key: str, what: str, *, fold: Callable[[Any], Any] = lambda v: v
) -> None:
    """Each value once: AWS refuses a list that repeats one."""
    repeat = first_repeat(values, fold=fold)
    if repeat is not None:
        index, earlier = repeat
        raise InvalidArgument(
            f"{key}[{index}]", values[index], f"each {what} once ({key}[{earlier}] is it too)"
        )


def check_emails(emails: Sequence[Any], key: str, *, limit: int | None = None) -> None:
    """Valid addresses, each once (case-insensitively), at most `limit` of them."""
    if limit is not None and len(emails) > limit:
        raise InvalidArgument(key, list(emails), f"a list of at most {limit} email addresses")
    check_each(EMAIL, emails, key)
    check_unique(emails, key, "address", fold=str.lower)


def check_regions(regions: Sequence[Any], key: str, *, rule: Rule = REGION) -> None:
    """Known regions, each once."""
    check_each(rule, regions, key)
    check_unique(regions, key, "region")
