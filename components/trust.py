"""Trust policies of the roles an AWS service assumes for one account."""

from __future__ import annotations

from typing import Any


def service_trust_policy(service: str, account_id: str) -> dict[str, Any]:
    """Only `service` acting for `account_id` may assume the role.

    IAM user guide, "The confused deputy problem": aws:SourceAccount in a role's trust
    policy keeps the service from assuming it for another account's resources. The Config
    guide gives it for its own roles ("Permissions for the IAM Role Assigned to AWS
    Config": "to restrict the Config service principal to only interact with the AWS IAM
    Role when performing operations on behalf of specific accounts").
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }
