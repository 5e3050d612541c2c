"""`RootAccess`: centralized root access for the organization's member accounts.

Declared in the management account (OrganizationBaseline composes it): trusted access for
IAM in AWS Organizations, the IAM organization features RootCredentialsManagement and
RootSessions, and optionally an IAM delegated administrator. With them, the management
account (or that administrator) can delete member accounts' root credentials and take
short, task-scoped root sessions (`sts:AssumeRoot`) instead of keeping hundreds of root
passwords and MFA devices safe.
"""

import sys
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from .validation import check_account_id

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - pulumi-aws brings typing_extensions on Python 3.10
    from typing_extensions import NotRequired, TypedDict

TYPE = "rootguard:root_access:RootAccess"
IAM_SERVICE = "iam.amazonaws.com"
FEATURES = ("RootCredentialsManagement", "RootSessions")
"""Both features (IAM ListOrganizationsFeatures' `FeaturesListType`): credentials
management (audit, delete, allow recovery) and privileged root sessions."""


class RootAccessArgs(TypedDict):
    trusted_access: NotRequired[bool]
    """Enable trusted access for iam.amazonaws.com (default true); false when the
    organization's service access is managed elsewhere (an `Organization` resource's
    `awsServiceAccessPrincipals`, Control Tower)."""
    delegated_admin_account_id: NotRequired[str]
    """Register this member account as the IAM delegated administrator: it may then audit
    and delete root credentials and take root sessions too (default none)."""


def validate_args(args: RootAccessArgs) -> None:
    admin = args.get("delegated_admin_account_id")
    if admin is not None:
        check_account_id(admin, "delegated_admin_account_id")


class RootAccess(pulumi.ComponentResource):
    """Trusted access for IAM, the organization features RootCredentialsManagement and
    RootSessions, and optionally the IAM delegated administrator."""

    enabled_features: pulumi.Output[Sequence[str]]
    """The IAM organization features enabled."""

    def __init__(
        self, name: str, args: RootAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate_args(args)
        super().__init__(TYPE, name, None, opts)
        prerequisites: list[pulumi.Resource] = []
        if args.get("trusted_access", True):
            prerequisites.append(
                aws.organizations.AwsServiceAccess(
                    f"{name}-iam-trusted-access",
                    service_principal=IAM_SERVICE,
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        features = aws.iam.OrganizationsFeatures(
            f"{name}-features",
            enabled_features=list(FEATURES),
            # IAM API reference, EnableOrganizationsRootCredentialsManagement and
            # EnableOrganizationsRootSessions: "Before you enable ... Enable trusted access
            # for AWS Identity and Access Management in AWS Organizations" (else
            # ServiceAccessNotEnabledException).
            opts=pulumi.ResourceOptions(parent=self, depends_on=prerequisites),
        )
        self.delegated_administrator: aws.organizations.DelegatedAdministrator | None = None
        """The IAM delegated-administrator registration (None unless asked for)."""
        admin = args.get("delegated_admin_account_id")
        if admin is not None:
            self.delegated_administrator = aws.organizations.DelegatedAdministrator(
                f"{name}-iam-delegated-admin",
                account_id=admin,
                service_principal=IAM_SERVICE,
                # RegisterDelegatedAdministrator fails without the service's trusted
                # access (ConstraintViolationException SERVICE_ACCESS_NOT_ENABLED,
                # Organizations API reference); after the features too, as the IAM
                # console does, so the administrator never meets a half-enabled setup.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*prerequisites, features]),
            )
        self.features = features
        self.enabled_features = features.enabled_features
        self.register_outputs({"enabled_features": self.enabled_features})
