"""config-ordering, custom-rule-invocable, conformance-pack-bucket-prefix."""

from policykit import (
    PROD,
    STAGING,
    UNKNOWN_STRING,
    Stack,
    aws_provider,
    check_resource,
    check_resource_preview,
)

from policies.rootguard_policies.config_rules import (
    config_ordering,
    conformance_pack_bucket_prefix,
    custom_rule_invocable,
)
from policies.rootguard_policies.tokens import (
    CONFIG_RULE,
    DELIVERY_CHANNEL,
    LAMBDA_FUNCTION,
    LAMBDA_PERMISSION,
    ORG_CONFORMANCE_PACK,
    RECORDER,
    RECORDER_STATUS,
)

HOME = aws_provider(PROD, "us-east-1")
MFA_SOURCE = {"owner": "AWS", "sourceIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"}


def _config_chain(stack: Stack, *, rule_waits: bool = True, status_waits: bool = True) -> None:
    """Recorder, channel, status and a managed rule in PROD/us-east-1."""
    recorder = stack.add(RECORDER, "recorder", {"name": "default"}, provider=HOME)
    channel = stack.add(
        DELIVERY_CHANNEL, "channel", {"s3BucketName": "b"}, provider=HOME, depends_on=[recorder]
    )
    status = stack.add(
        RECORDER_STATUS,
        "status",
        {"name": "default", "isEnabled": True},
        provider=HOME,
        prop_deps={"name": [recorder]},
        depends_on=[channel] if status_waits else [],
    )
    stack.add(
        CONFIG_RULE,
        "root-mfa",
        {"source": MFA_SOURCE},
        provider=HOME,
        depends_on=[status] if rule_waits else [],  # transitively reaches the recorder
    )


# --- config-ordering


def test_config_ordering_rule_reaches_recorder_transitively_passes() -> None:
    stack = Stack()
    _config_chain(stack)
    assert not stack.check(config_ordering).violations


def test_config_ordering_rule_without_recorder_dependency_fails() -> None:
    stack = Stack()
    _config_chain(stack, rule_waits=False)
    reporter = stack.check(config_ordering)
    assert len(reporter.violations) == 1
    assert reporter.messages[0].startswith("The AWS Config rule root-mfa must depend on")
    assert reporter.urns[0] is not None and reporter.urns[0].endswith("::root-mfa")


def test_config_ordering_status_without_channel_dependency_fails() -> None:
    stack = Stack()
    _config_chain(stack, status_waits=False)
    reporter = stack.check(config_ordering)
    assert len(reporter.violations) == 1
    assert "recorder status status must depend on the delivery channel" in reporter.messages[0]


def test_config_ordering_property_dependency_counts_passes() -> None:
    stack = Stack()
    recorder = stack.add(RECORDER, "recorder", {}, provider=HOME)
    stack.add(
        CONFIG_RULE, "rule", {"source": MFA_SOURCE}, provider=HOME, prop_deps={"name": [recorder]}
    )
    assert not stack.check(config_ordering).violations


def test_config_ordering_recorder_of_other_account_does_not_count_fails() -> None:
    stack = Stack()
    stack.add(RECORDER, "prod-recorder", {}, provider=HOME)
    other = stack.add(RECORDER, "staging-recorder", {}, provider=aws_provider(STAGING))
    stack.add(CONFIG_RULE, "rule", {"source": MFA_SOURCE}, provider=HOME, depends_on=[other])
    reporter = stack.check(config_ordering)
    assert len(reporter.violations) == 1
    assert "prod-recorder" in reporter.messages[0]


def test_config_ordering_no_recorder_in_rule_region_passes() -> None:
    # The stack relies on a recorder it does not manage (e.g. Control Tower's).
    stack = Stack()
    stack.add(RECORDER, "eu-recorder", {"region": "eu-west-1"}, provider=HOME)
    stack.add(CONFIG_RULE, "rule", {"source": MFA_SOURCE}, provider=HOME)
    assert not stack.check(config_ordering).violations


def test_config_ordering_unknown_rule_region_raises_unknown() -> None:
    stack = Stack()
    stack.add(RECORDER, "recorder", {}, provider=HOME)
    stack.add(CONFIG_RULE, "rule", {"region": UNKNOWN_STRING}, provider=HOME)
    reporter, err = stack.check_preview(config_ordering)
    assert not reporter.violations
    assert err.props == ["rule", "region"]


# --- custom-rule-invocable


def _custom_rule(
    *,
    principal: str = "config.amazonaws.com",
    action: str = "lambda:InvokeFunction",
    source_account: str | None = PROD,
    source_arn: str | None = None,
    rule_waits: bool = True,
    preview: bool = False,
) -> Stack:
    stack = Stack()
    function = stack.add(
        LAMBDA_FUNCTION,
        "root-check",
        {"runtime": "python3.12", "name": "root-check"},
        provider=HOME,
    )
    permission_props = {
        "function": UNKNOWN_STRING if preview else "root-check",
        "principal": principal,
        "action": action,
    }
    if source_account is not None:
        permission_props["sourceAccount"] = source_account
    if source_arn is not None:
        permission_props["sourceArn"] = source_arn
    permission = stack.add(
        LAMBDA_PERMISSION,
        "config-invoke",
        permission_props,
        provider=HOME,
        prop_deps={"function": [function]},
    )
    source = {
        "owner": "CUSTOM_LAMBDA",
        "sourceIdentifier": UNKNOWN_STRING
        if preview
        else "arn:aws:lambda:us-east-1:1:function:root-check",
    }
    stack.add(
        CONFIG_RULE,
        "root-rule",
        {"source": source},
        provider=HOME,
        prop_deps={"source": [function]},
        depends_on=[permission] if rule_waits else [],
    )
    return stack


def test_custom_rule_invocable_permission_and_dependency_passes() -> None:
    assert not _custom_rule().check(custom_rule_invocable).violations


def test_custom_rule_invocable_preview_decides_from_graph_passes() -> None:
    # ARNs are unknown on a first preview: the property dependencies decide.
    assert not _custom_rule(preview=True).check(custom_rule_invocable).violations


def test_custom_rule_invocable_missing_source_account_fails() -> None:
    reporter = _custom_rule(source_account=None).check(custom_rule_invocable)
    assert len(reporter.violations) == 1
    assert reporter.messages[0].startswith("The Lambda function root-check of CUSTOM_LAMBDA rule")


def test_custom_rule_invocable_wrong_principal_fails() -> None:
    reporter = _custom_rule(principal="events.amazonaws.com").check(custom_rule_invocable)
    assert len(reporter.violations) == 1


def test_custom_rule_invocable_rule_not_after_permission_fails() -> None:
    reporter = _custom_rule(rule_waits=False).check(custom_rule_invocable)
    assert len(reporter.violations) == 1
    assert "must depend on the lambda.Permission (config-invoke)" in reporter.messages[0]


def test_custom_rule_invocable_function_outside_stack_passes() -> None:
    stack = Stack()
    source = {"owner": "CUSTOM_LAMBDA", "sourceIdentifier": "arn:aws:lambda:us-east-1:1:function:x"}
    stack.add(CONFIG_RULE, "rule", {"source": source}, provider=HOME)
    assert not stack.check(custom_rule_invocable).violations


def test_custom_rule_invocable_matches_function_by_known_arn_fails() -> None:
    stack = Stack()
    stack.add(LAMBDA_FUNCTION, "fn", {"name": "fn"}, provider=HOME)
    source = {
        "owner": "CUSTOM_LAMBDA",
        "sourceIdentifier": "arn:aws:lambda:us-east-1:1:function:fn",
    }
    stack.add(CONFIG_RULE, "rule", {"source": source}, provider=HOME)
    assert len(stack.check(custom_rule_invocable).violations) == 1


# class 6: the permission must let Config of the rule's own account invoke the function


def test_custom_rule_invocable_source_account_of_another_account_fails() -> None:
    reporter = _custom_rule(source_account=STAGING).check(custom_rule_invocable)
    assert len(reporter.violations) == 1
    assert (
        f"has sourceAccount {STAGING}, another account than the rule's {PROD}"
        in (reporter.messages[0])
    )


def test_custom_rule_invocable_other_action_fails() -> None:
    reporter = _custom_rule(action="lambda:GetFunction").check(custom_rule_invocable)
    assert len(reporter.violations) == 1
    assert "allows lambda:GetFunction, not lambda:InvokeFunction" in reporter.messages[0]


def test_custom_rule_invocable_wildcard_action_passes() -> None:
    assert not _custom_rule(action="lambda:*").check(custom_rule_invocable).violations


def test_custom_rule_invocable_source_arn_of_own_config_rules_passes() -> None:
    stack = _custom_rule(
        source_account=None, source_arn=f"arn:aws:config:us-east-1:{PROD}:config-rule/*"
    )
    assert not stack.check(custom_rule_invocable).violations


def test_custom_rule_invocable_source_arn_of_another_account_fails() -> None:
    stack = _custom_rule(
        source_account=None, source_arn=f"arn:aws:config:us-east-1:{STAGING}:config-rule/*"
    )
    reporter = stack.check(custom_rule_invocable)
    assert len(reporter.violations) == 1
    assert "another account than the rule's" in reporter.messages[0]


def test_custom_rule_invocable_source_arn_not_a_config_rule_fails() -> None:
    stack = _custom_rule(
        source_account=None, source_arn=f"arn:aws:events:us-east-1:{PROD}:rule/nightly"
    )
    reporter = stack.check(custom_rule_invocable)
    assert "names no Config rule of one account" in reporter.messages[0]


def test_custom_rule_invocable_unknown_source_account_raises_unknown() -> None:
    stack = _custom_rule(source_account=UNKNOWN_STRING)
    reporter, err = stack.check_preview(custom_rule_invocable)
    assert not reporter.violations
    assert err.props == ["config-invoke", "sourceAccount"]


# --- conformance-pack-bucket-prefix


def test_conformance_pack_bucket_prefix_awsconfigconforms_passes() -> None:
    props = {"name": "root", "deliveryS3Bucket": "awsconfigconforms-root-111111111111"}
    assert not check_resource(
        conformance_pack_bucket_prefix, ORG_CONFORMANCE_PACK, props
    ).violations


def test_conformance_pack_bucket_prefix_unset_passes() -> None:
    props = {"name": "root", "templateBody": "Resources: {}"}
    assert not check_resource(
        conformance_pack_bucket_prefix, ORG_CONFORMANCE_PACK, props
    ).violations


def test_conformance_pack_bucket_prefix_other_name_fails() -> None:
    props = {"deliveryS3Bucket": "config-results"}
    reporter = check_resource(conformance_pack_bucket_prefix, ORG_CONFORMANCE_PACK, props)
    assert reporter.messages == [
        "The organization conformance pack's delivery bucket must start with "
        "`awsconfigconforms`; AWS rejects `config-results`."
    ]


def test_conformance_pack_bucket_prefix_unknown_raises_unknown() -> None:
    props = {"deliveryS3Bucket": UNKNOWN_STRING}
    reporter, err = check_resource_preview(
        conformance_pack_bucket_prefix, ORG_CONFORMANCE_PACK, props
    )
    assert not reporter.violations
    assert err.props == ["deliveryS3Bucket"]
