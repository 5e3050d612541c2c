"""Root activity events and the two pattern languages that catch them
(rootguard_policies.events)."""

import pytest

from policies.rootguard_policies.events import (
    STATE_ALL_MANAGEMENT,
    delivered,
    filter_matches,
    pattern_matches,
    root_events,
)

ACCOUNT = "111111111111"
EVENTS = root_events(ACCOUNT, "us-east-1")
API_CALL = next(e for e in EVENTS if not e.sign_in and e.read_only)
SIGN_IN = next(e for e in EVENTS if e.sign_in)
ROOT = {"detail": {"userIdentity": {"type": ["Root"]}}}
CIS_FILTER = (
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
    '&& $.eventType != "AwsServiceEvent" }'
)


def test_events_sign_in_only_where_delivered() -> None:
    assert any(e.sign_in for e in root_events(ACCOUNT, "us-east-1"))
    assert not any(e.sign_in for e in root_events(ACCOUNT, "eu-west-1"))
    assert {e.read_only for e in EVENTS} == {True, False}


def test_events_read_only_calls_need_the_all_management_state() -> None:
    assert not delivered(API_CALL, "ENABLED") and not delivered(API_CALL, None)
    assert delivered(API_CALL, STATE_ALL_MANAGEMENT)
    assert delivered(SIGN_IN, "ENABLED") and not delivered(SIGN_IN, "DISABLED")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (ROOT, True),
        ({"detail": {"userIdentity": {"type": ["IAMUser"]}}}, False),
        ({"account": [ACCOUNT], **ROOT}, True),
        ({"account": ["222222222222"], **ROOT}, False),
        ({"detail-type": [{"prefix": "AWS API Call"}], **ROOT}, True),
        ({"detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": False}]}}}, True),
        ({"detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": True}]}}}, False),
        ({"source": [{"anything-but": ["aws.config"]}], **ROOT}, True),
        ({"detail": {"eventName": [{"wildcard": "List*"}]}}, True),
        ({"detail": {"userIdentity": {"type": [{"equals-ignore-case": "root"}]}}}, True),
        ({"$or": [{"source": ["aws.ec2"]}, {"source": ["aws.s3"]}]}, True),
        ({"detail": {"requestParameters": [{"numeric": [">", 0]}]}}, False),  # absent field
        ({"detail": {"eventName": [{"cidr": "10.0.0.0/8"}]}}, None),  # not modelled
    ],
)
def test_events_pattern_matches_a_root_list_buckets(pattern: dict, expected: bool | None) -> None:
    assert pattern_matches(pattern, API_CALL.event) is expected


def test_events_pattern_from_json_text() -> None:
    assert pattern_matches('{"detail": {"userIdentity": {"type": ["Root"]}}}', API_CALL.event)
    assert pattern_matches("not json", API_CALL.event) is None


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (CIS_FILTER, True),
        ('{ $.userIdentity.type = "IAMUser" }', False),
        ('{ ($.userIdentity.type = "Root") || ($.eventName = "Nothing") }', True),
        ("{ $.userIdentity.type = Root && $.readOnly IS NULL }", False),
        ('{ $.eventSource = "*.amazonaws.com" }', True),
        ('{ $.userIdentity.type = "Root" && $.eventName = "ConsoleLogin" }', False),
        ('"Root"', True),
        ('"Root" -"ListBuckets"', False),
        ('{ $.responseElements.ConsoleLogin = "Failure" }', False),
        ('{ $.userIdentity.type = "Root" && $.x > 1 }', None),  # numeric: not modelled
        ("", True),
    ],
)
def test_events_metric_filter_matches_a_root_list_buckets(
    pattern: str, expected: bool | None
) -> None:
    assert filter_matches(pattern, API_CALL.detail) is expected


def test_events_metric_filter_cis_pattern_catches_the_sign_in() -> None:
    assert filter_matches(CIS_FILTER, SIGN_IN.detail) is True
