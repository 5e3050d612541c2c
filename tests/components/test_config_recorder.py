"""ConfigRecorder: placement per region, ordering, delivery-bucket hardening, modes."""

from __future__ import annotations

import pytest
from rootguard.components import ConfigRecorder, ConfigRecorderArgs

from tests.conftest import Recorder, Registration, policy_document

ACCOUNT = "111111111111"
HOME = "eu-west-1"
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE_POLICY = "aws:iam/rolePolicy:RolePolicy"
BUCKET_ARN = f"arn:aws:s3:::rootguard-config-{ACCOUNT}-{HOME}"
RECORDER = "aws:cfg/recorder:Recorder"
CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel"
STATUS = "aws:cfg/recorderStatus:RecorderStatus"


def _args(**overrides: object) -> ConfigRecorderArgs:
    args: ConfigRecorderArgs = {"account_id": ACCOUNT, "home_region": HOME, "regions": REGIONS}
    args.update(overrides)
    return args


def _run(mocks: Recorder, **overrides: object) -> Recorder:
    mocks.run(lambda: ConfigRecorder("acct-config", _args(**overrides)))
    return mocks


def _by_region(mocks: Recorder, type_: str) -> dict[str, Registration]:
    return {reg.inputs["region"]: reg for reg in mocks.of_type(type_)}


# --------------------------------------------------------------------------- placement


def test_config_recorder_each_region_gets_recorder_channel_status(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    for type_ in (RECORDER, CHANNEL, STATUS):
        regions = sorted(reg.inputs["region"] for reg in pulumi_mocks.of_type(type_))
        assert regions == sorted(REGIONS), type_


def test_config_recorder_records_all_supported_types(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    for reg in pulumi_mocks.of_type(RECORDER):
        assert reg.inputs["recordingGroup"]["allSupported"] is True
        assert reg.inputs["name"] == "default"


def test_config_recorder_global_types_only_in_home_region(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    global_regions = [
        reg.inputs["region"]
        for reg in pulumi_mocks.of_type(RECORDER)
        if reg.inputs["recordingGroup"]["includeGlobalResourceTypes"]
    ]
    assert global_regions == [HOME]


def test_config_recorder_global_types_everywhere_when_switched_on(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks, global_resources_in_all_regions=True)
    flags = [
        reg.inputs["recordingGroup"]["includeGlobalResourceTypes"]
        for reg in pulumi_mocks.of_type(RECORDER)
    ]
    assert flags == [True] * len(REGIONS)


def test_config_recorder_global_types_never_in_a_region_after_february_2022(
    pulumi_mocks: Recorder,
) -> None:
    # RecordingGroup: the global IAM types cannot be recorded "in Regions supported by
    # Config after February 2022" (il-central-1, ca-west-1, ...).
    _run(
        pulumi_mocks,
        regions=[*REGIONS, "il-central-1", "ca-west-1"],
        global_resources_in_all_regions=True,
    )
    flags = {
        reg.inputs["region"]: reg.inputs["recordingGroup"]["includeGlobalResourceTypes"]
        for reg in pulumi_mocks.of_type(RECORDER)
    }
    assert flags == {**dict.fromkeys(REGIONS, True), "il-central-1": False, "ca-west-1": False}


def test_config_recorder_bucket_and_its_settings_in_home_region(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    for type_ in (BUCKET, PUBLIC_ACCESS, VERSIONING, ENCRYPTION, LIFECYCLE, BUCKET_POLICY):
        assert pulumi_mocks.one(type_).inputs["region"] == HOME, type_
    assert pulumi_mocks.one(BUCKET).inputs["bucket"] == f"rootguard-config-{ACCOUNT}-{HOME}"


def test_config_recorder_children_are_parented_to_component(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    component = pulumi_mocks.one("rootguard:config_recorder:ConfigRecorder")
    children = [reg for reg in pulumi_mocks.registrations if reg is not component]
    assert children
    assert all(reg.parent == component.urn for reg in children)
    assert all(reg.name.startswith("acct-config-") for reg in children)


# ---------------------------------------------------------------------------- ordering


def test_config_recorder_status_depends_on_channel_of_its_region(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    channels = _by_region(pulumi_mocks, CHANNEL)
    for region, status in _by_region(pulumi_mocks, STATUS).items():
        assert channels[region].urn in status.dependencies
        other = [c.urn for r, c in channels.items() if r != region]
        assert not set(other) & set(status.dependencies)


def test_config_recorder_status_enabled_for_its_recorder(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    recorders = _by_region(pulumi_mocks, RECORDER)
    for region, status in _by_region(pulumi_mocks, STATUS).items():
        assert status.inputs["isEnabled"] is True
        assert recorders[region].urn in status.property_dependencies["name"]


def test_config_recorder_channel_depends_on_bucket_policy_and_recorder(
    pulumi_mocks: Recorder,
) -> None:
    _run(pulumi_mocks)
    policy = pulumi_mocks.one(BUCKET_POLICY)
    recorders = _by_region(pulumi_mocks, RECORDER)
    for region, channel in _by_region(pulumi_mocks, CHANNEL).items():
        assert policy.urn in channel.dependencies
        assert recorders[region].urn in channel.dependencies


def test_config_recorder_recorders_use_the_recorder_role(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    role = pulumi_mocks.one(ROLE)
    for reg in pulumi_mocks.of_type(RECORDER):
        assert reg.property_dependencies["roleArn"] == [role.urn]


# ----------------------------------------------------------------------- bucket, role


def test_config_recorder_bucket_blocks_all_public_access(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    inputs = pulumi_mocks.one(PUBLIC_ACCESS).inputs
    for flag in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert inputs[flag] is True, flag


def test_config_recorder_bucket_versioned_encrypted_with_lifecycle(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    versioning = pulumi_mocks.one(VERSIONING)
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    (rule,) = pulumi_mocks.one(ENCRYPTION).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    lifecycle = pulumi_mocks.one(LIFECYCLE)
    (life_rule,) = lifecycle.inputs["rules"]
    assert life_rule["status"] == "Enabled"
    assert life_rule["noncurrentVersionExpiration"]["noncurrentDays"] == 365
    assert versioning.urn in lifecycle.dependencies


def test_config_recorder_bucket_policy_denies_insecure_transport(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    statements = policy_document(pulumi_mocks.one(BUCKET_POLICY).inputs["policy"])["Statement"]
    deny = [s for s in statements if s["Effect"] == "Deny"]
    assert len(deny) == 1
    assert deny[0]["Principal"] == "*" and deny[0]["Action"] == "s3:*"
    assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_config_recorder_bucket_policy_lets_config_of_this_account_write(
    pulumi_mocks: Recorder,
) -> None:
    _run(pulumi_mocks)
    bucket_arn = BUCKET_ARN
    statements = policy_document(pulumi_mocks.one(BUCKET_POLICY).inputs["policy"])["Statement"]
    allows = {s["Action"]: s for s in statements if s["Effect"] == "Allow"}
    assert set(allows) == {"s3:GetBucketAcl", "s3:ListBucket", "s3:PutObject"}
    for statement in allows.values():
        assert statement["Principal"] == {"Service": "config.amazonaws.com"}
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
    assert allows["s3:GetBucketAcl"]["Resource"] == bucket_arn
    assert allows["s3:ListBucket"]["Resource"] == bucket_arn
    put = allows["s3:PutObject"]
    assert put["Resource"] == f"{bucket_arn}/AWSLogs/{ACCOUNT}/Config/*"
    assert put["Condition"]["StringEquals"]["s3:x-amz-acl"] == "bucket-owner-full-control"


def test_config_recorder_role_trusts_config_of_this_account_only(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    trust = policy_document(pulumi_mocks.one(ROLE).inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "config.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    attachment = pulumi_mocks.one(ROLE_POLICY)
    assert attachment.inputs["policyArn"] == ("arn:aws:iam::aws:policy/service-role/AWS_ConfigRole")


def test_config_recorder_role_may_deliver_to_its_bucket_only(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks)
    role = pulumi_mocks.one(ROLE)
    delivery = pulumi_mocks.one(INLINE_POLICY)
    assert delivery.property_dependencies["role"] == [role.urn]
    statements = policy_document(delivery.inputs["policy"])["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    put = by_sid["DeliverConfigurationHistoryAndSnapshots"]
    assert put["Action"] == ["s3:PutObject", "s3:PutObjectAcl"]
    assert put["Resource"] == f"{BUCKET_ARN}/AWSLogs/{ACCOUNT}/Config/*"
    assert put["Condition"] == {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}
    check = by_sid["CheckDeliveryBucket"]
    assert (check["Action"], check["Resource"]) == (
        ["s3:GetBucketAcl", "s3:ListBucket"],
        BUCKET_ARN,
    )
    assert all(s["Effect"] == "Allow" for s in statements)


def test_config_recorder_channel_and_status_wait_for_the_delivery_policy(
    pulumi_mocks: Recorder,
) -> None:
    _run(pulumi_mocks)
    delivery = pulumi_mocks.one(INLINE_POLICY)
    for type_ in (CHANNEL, STATUS):
        for reg in pulumi_mocks.of_type(type_):
            assert delivery.urn in reg.dependencies, reg.name


# ------------------------------------------------------------------------------ destroy


BUCKET_SETTINGS = (BUCKET, PUBLIC_ACCESS, VERSIONING, ENCRYPTION, LIFECYCLE, BUCKET_POLICY)


def test_config_recorder_bucket_and_its_hardening_outlive_destroy(pulumi_mocks: Recorder) -> None:
    # The default: configuration history outlives the stack, still private and TLS-only.
    _run(pulumi_mocks)
    for type_ in BUCKET_SETTINGS:
        assert pulumi_mocks.one(type_).retain_on_delete is True, type_
    assert "forceDestroy" not in pulumi_mocks.one(BUCKET).inputs
    retained = {reg.type for reg in pulumi_mocks.registrations if reg.retain_on_delete}
    assert retained == set(BUCKET_SETTINGS)  # the role, recorders, channels go


def test_config_recorder_keep_bucket_off_destroy_empties_and_deletes(
    pulumi_mocks: Recorder,
) -> None:
    _run(pulumi_mocks, keep_bucket_on_destroy=False)
    assert pulumi_mocks.one(BUCKET).inputs["forceDestroy"] is True
    assert not any(reg.retain_on_delete for reg in pulumi_mocks.registrations)


# ------------------------------------------------------------------------------- modes


def test_config_recorder_create_mode_imports_nothing(pulumi_mocks: Recorder) -> None:
    _run(pulumi_mocks, mode="create")
    assert all(reg.import_id == "" for reg in pulumi_mocks.registrations)


def test_config_recorder_adopt_mode_imports_recorder_and_channel_by_name(
    pulumi_mocks: Recorder,
) -> None:
    _run(pulumi_mocks, mode="adopt", recorder_name="legacy", delivery_channel_name="legacy-ch")
    recorders = _by_region(pulumi_mocks, RECORDER)
    channels = _by_region(pulumi_mocks, CHANNEL)
    for region in REGIONS:
        recorder = recorders[region]
        channel = channels[region]
        assert recorder.import_id == f"legacy@{region}"
        assert recorder.inputs["name"] == "legacy"
        assert "roleArn" in recorder.ignore_changes
        assert channel.import_id == f"legacy-ch@{region}"
        assert "s3BucketName" in channel.ignore_changes
    # The rest is created as in `create` mode.
    assert pulumi_mocks.one(BUCKET).import_id == ""
    assert len(pulumi_mocks.of_type(STATUS)) == len(REGIONS)


def test_config_recorder_adopt_and_create_share_resource_names(pulumi_mocks: Recorder) -> None:
    # Switching adopt -> create must update the adopted resources, not replace them.
    _run(pulumi_mocks, mode="adopt")
    adopt_names = sorted(
        (reg.type, reg.name, reg.inputs.get("name")) for reg in pulumi_mocks.registrations
    )
    pulumi_mocks.registrations.clear()
    _run(pulumi_mocks, mode="create")
    create_names = sorted(
        (reg.type, reg.name, reg.inputs.get("name")) for reg in pulumi_mocks.registrations
    )
    assert adopt_names == create_names


def test_config_recorder_skip_mode_creates_nothing(pulumi_mocks: Recorder) -> None:
    component: list[ConfigRecorder] = []
    pulumi_mocks.run(lambda: component.append(ConfigRecorder("acct-config", _args(mode="skip"))))
    assert [reg.type for reg in pulumi_mocks.registrations] == [
        "rootguard:config_recorder:ConfigRecorder"
    ]
    assert component[0].home_recorder is None
    assert component[0].recorders == {}
    assert component[0].bucket_name is None


def test_config_recorder_exposes_home_recorder(pulumi_mocks: Recorder) -> None:
    component: list[ConfigRecorder] = []
    pulumi_mocks.run(lambda: component.append(ConfigRecorder("acct-config", _args())))
    assert component[0].home_recorder is component[0].recorders[HOME]
    assert set(component[0].recorders) == set(REGIONS)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mode": "manage"}, "^ConfigRecorder mode: 'manage' is not valid; expected one of create"),
        ({"home_region": "us-west-2"}, "^ConfigRecorder home_region: 'us-west-2' is not valid"),
        (
            {"home_region": "il-central-1", "regions": ["il-central-1"]},
            "^ConfigRecorder home_region: 'il-central-1' is not valid; expected a region where "
            "AWS Config records the global IAM types",
        ),
        ({"regions": ["eu-west-1", "eu-west-1"]}, r"^ConfigRecorder regions\[1\]: 'eu-west-1'"),
        ({"regions": ["eu-west-1", "mars-1"]}, r"^ConfigRecorder regions\[1\]: 'mars-1'"),
        ({"account_id": "12345"}, "^ConfigRecorder account_id: '12345' is not valid"),
        ({"recorder_name": "a b"}, "^ConfigRecorder recorder_name: 'a b' is not valid"),
        ({"noncurrent_version_days": 0}, "^ConfigRecorder noncurrent_version_days: 0"),
    ],
)
def test_config_recorder_bad_args_raise_before_registering(
    pulumi_mocks: Recorder, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ConfigRecorder("acct-config", _args(**overrides))
    assert pulumi_mocks.registrations == []
