"""The IAM evaluation the policies share (rootguard_policies.iam): wildcards, statements,
principals and conditions, each with a holding and a failing case."""

import json

import pytest

from policies.rootguard_policies.iam import (
    ALLOW,
    DENY,
    IMPLICIT,
    Request,
    covers_every,
    covers_every_action,
    decide,
    matches,
)

BUCKET = "arn:aws:s3:::logs"
CONFIG = ("Service", "config.amazonaws.com")


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("arn:aws:s3:::logs/*", "arn:aws:s3:::logs/AWSLogs/1/x", True),
        ("arn:aws:s3:::logs/*", "arn:aws:s3:::logsx/a", False),
        ("arn:aws:s3:::log?", "arn:aws:s3:::logs", True),
        ("arn:aws:s3:::log?", "arn:aws:s3:::log", False),
        ("arn:aws:s3:::a.b", "arn:aws:s3:::aXb", False),  # a dot is literal
    ],
)
def test_iam_matches_wildcards(pattern: str, value: str, expected: bool) -> None:
    assert matches(pattern, value) is expected


def test_iam_actions_match_case_insensitively() -> None:
    assert matches("S3:put*", "s3:PutObject", ignore_case=True)
    assert not matches("S3:put*", "s3:PutObject")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("arn:aws:s3:::logs/*", True), ("arn:aws:s3:::l*", True), ("*", True),
     ("arn:aws:s3:::logs/AWSLogs/*", False), ("arn:aws:s3:::logs", False)],
)  # fmt: skip
def test_iam_covers_every_object_key(pattern: str, expected: bool) -> None:
    assert covers_every(pattern, f"{BUCKET}/") is expected


def test_iam_covers_every_action() -> None:
    assert covers_every_action("*") and covers_every_action("*:*")
    assert not covers_every_action("s3:*") and not covers_every_action("iam:*")


def test_iam_decide_allow_deny_implicit() -> None:
    request = Request("s3:PutObject", f"{BUCKET}/k", CONFIG)
    allow = {"Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": f"{BUCKET}/*"}  # fmt: skip
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"{BUCKET}/*"}
    assert decide([_doc(allow)], request) == ALLOW
    assert decide([_doc(allow, deny)], request) == DENY
    assert decide([_doc(dict(allow, Resource=f"{BUCKET}/other/*"))], request) == IMPLICIT


def test_iam_identity_statement_does_not_apply_to_a_service_principal() -> None:
    identity = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}
    assert decide([_doc(identity)], Request("s3:PutObject", BUCKET, CONFIG)) == IMPLICIT
    assert decide([_doc(identity)], Request("s3:PutObject", BUCKET)) == ALLOW


def test_iam_principal_aws_star_is_everyone() -> None:
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*"}
    assert decide([_doc(statement)], Request("s3:GetObject", BUCKET, CONFIG)) == ALLOW


def test_iam_not_principal_excludes_the_named() -> None:
    statement = {"Effect": "Deny", "NotPrincipal": {"Service": "config.amazonaws.com"},
                 "Action": "s3:*", "Resource": "*"}  # fmt: skip
    assert decide([_doc(statement)], Request("s3:GetObject", BUCKET, CONFIG)) == IMPLICIT
    other = ("AWS", "arn:aws:iam::111111111111:role/app")
    assert decide([_doc(statement)], Request("s3:GetObject", BUCKET, other)) == DENY


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"StringEquals": {"aws:SourceAccount": "111111111111"}},
         {"aws:SourceAccount": "111111111111"}, ALLOW),
        ({"StringEquals": {"AWS:SourceAccount": "111111111111"}},
         {"aws:SourceAccount": "222222222222"}, IMPLICIT),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:config:*:111111111111:*"}},
         {"aws:SourceArn": "arn:aws:config:eu-west-1:111111111111:*"}, ALLOW),
        ({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}, {"aws:PrincipalOrgID": None}, IMPLICIT),
        ({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}},
         {"aws:PrincipalOrgID": None}, ALLOW),
        ({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}, {"aws:PrincipalOrgID": None}, ALLOW),
        ({"Null": {"aws:PrincipalOrgID": "true"}}, {"aws:PrincipalOrgID": None}, ALLOW),
        ({"StringEquals": {"aws:SourceOrgID": "o-abc"}}, {}, None),  # not modelled: undecided
        ({"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}},
         {"aws:SourceAccount": "1"}, None),
        ({"NumericLessThan": {"s3:TlsVersion": "1.2"}}, {"s3:TlsVersion": "1.3"}, None),
    ],
    ids=["equals", "equals-other", "arn-like", "absent-key", "if-exists", "not-equals-absent",
         "null", "unmodelled-key", "policy-variable", "unmodelled-operator"],
)  # fmt: skip
def test_iam_conditions(condition: dict, context: dict, expected: str | None) -> None:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                 "Resource": "*", "Condition": condition}  # fmt: skip
    assert decide([_doc(statement)], Request("s3:PutObject", BUCKET, CONFIG, context)) == expected


def test_iam_undecided_deny_is_not_held_against_the_request() -> None:
    allow = {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceOrgID": "o-abc"}}}  # fmt: skip
    assert decide([_doc(allow, deny)], Request("s3:PutObject", BUCKET, CONFIG)) == ALLOW
