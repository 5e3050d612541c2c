"""Type tokens of the pulumi-aws resources the policies look at (v7, with v6 aliases)."""

AWS_PROVIDER = "pulumi:providers:aws"

RECORDER = "aws:cfg/recorder:Recorder"
RECORDER_STATUS = "aws:cfg/recorderStatus:RecorderStatus"
DELIVERY_CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel"
CONFIG_RULE = "aws:cfg/rule:Rule"
ORG_MANAGED_RULE = "aws:cfg/organizationManagedRule:OrganizationManagedRule"
ORG_CONFORMANCE_PACK = "aws:cfg/organizationConformancePack:OrganizationConformancePack"

ANOMALY_MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
ANOMALY_SUBSCRIPTION = "aws:costexplorer/anomalySubscription:AnomalySubscription"

BUCKETS = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
BUCKET_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"

LAMBDA_FUNCTION = "aws:lambda/function:Function"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"

IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_USER_POLICY = "aws:iam/userPolicy:UserPolicy"
IAM_GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"


def is_aws_resource(resource_type: str) -> bool:
    """True for pulumi-aws resources (not its provider, not components of other packages)."""
    return resource_type.startswith("aws:")
