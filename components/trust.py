"""Trust policies of the roles an AWS service assumes."""

from __future__ import annotations

from typing import Any


def service_trust_policy(service: str, source_account: str | None = None) -> dict[str, Any]:
    """`service` may assume the role; with `source_account`, only when acting for it.

    The condition is given where the service documents it: the Config guide, "Permissions
    for the IAM Role Assigned to AWS Config", for the recorder role ("to restrict the
    Config service principal to only interact with the AWS IAM Role when performing
    operations on behalf of specific accounts"). A service that does not send the key
    would be refused the role, so it is not added on a guess.
    """
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if source_account is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return {"Version": "2012-10-17", "Statement": [statement]}
