"""root-activity-alarmed."""

import json

import pulumi.runtime
from policykit import PROD, STAGING, UNKNOWN_STRING, Stack, aws_provider

from policies.rootguard_policies.root_activity import root_activity_alarmed
from policies.rootguard_policies.tokens import (
    EVENT_RULE,
    EVENT_TARGET,
    LOG_GROUP,
    LOG_METRIC_FILTER,
    METRIC_ALARM,
    TRAIL,
)

HOME = aws_provider(PROD, "us-east-1")
EU = aws_provider(PROD, "eu-west-1", name="prod-eu")
ALL = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
ROOT_PATTERN = json.dumps(
    {
        "detail-type": ["AWS Console Sign In via CloudTrail", "AWS API Call via CloudTrail"],
        "detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": False}]}},
    }
)
CIS_FILTER = (
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
    '&& $.eventType != "AwsServiceEvent" }'
)


def _rule(
    stack: Stack,
    name: str,
    *,
    provider=HOME,
    state: str | None = ALL,
    pattern: str = ROOT_PATTERN,
    target: str | None = "arn:aws:sns:us-east-1:111111111111:alarms",
) -> None:
    props = {"name": name, "eventPattern": pattern}
    if state is not None:
        props["state"] = state
    rule = stack.add(EVENT_RULE, name, props, provider=provider)
    if target is not None:
        stack.add(
            EVENT_TARGET,
            f"{name}-target",
            {"rule": name, "arn": target},
            provider=provider,
            prop_deps={"rule": [rule]},
        )


def _workload(*providers) -> Stack:
    stack = Stack()
    for index, provider in enumerate(providers or (HOME,)):
        stack.add("aws:sns/topic:Topic", f"workload-{index}", {}, provider=provider)
    return stack


def test_root_activity_alarmed_all_events_rule_with_target_passes() -> None:
    stack = _workload()
    _rule(stack, "root")
    assert not stack.check(root_activity_alarmed).violations


def test_root_activity_alarmed_nothing_fails() -> None:
    reporter = _workload().check(root_activity_alarmed)
    assert len(reporter.violations) == 1
    assert reporter.messages[0].startswith(f"The account {PROD} must have root activity alarmed")
    assert "API calls in us-east-1; console sign-ins (us-east-1)" in reporter.messages[0]
    assert reporter.urns[0] == HOME.urn


def test_root_activity_alarmed_enabled_state_misses_read_only_calls_fails() -> None:
    stack = _workload()
    _rule(stack, "root", state=None)  # ENABLED by default
    reporter = stack.check(root_activity_alarmed)
    assert "API calls in us-east-1" in reporter.messages[0]
    assert "console sign-ins" not in reporter.messages[0]


def test_root_activity_alarmed_rule_without_target_fails() -> None:
    stack = _workload()
    _rule(stack, "root", target=None)
    assert len(stack.check(root_activity_alarmed).violations) == 1


def test_root_activity_alarmed_pattern_for_other_identities_fails() -> None:
    stack = _workload()
    users = json.dumps({"detail": {"userIdentity": {"type": ["IAMUser"]}}})
    _rule(stack, "root", pattern=users)
    assert len(stack.check(root_activity_alarmed).violations) == 1


def test_root_activity_alarmed_pattern_of_one_service_fails() -> None:
    stack = _workload()
    s3_only = json.dumps({"source": ["aws.s3"], "detail": {"userIdentity": {"type": ["Root"]}}})
    _rule(stack, "root", pattern=s3_only)
    assert len(stack.check(root_activity_alarmed).violations) == 1


def test_root_activity_alarmed_region_without_rule_fails() -> None:
    stack = _workload(HOME, EU)
    _rule(stack, "root")
    reporter = stack.check(root_activity_alarmed)
    assert "API calls in eu-west-1" in reporter.messages[0]
    assert "us-east-1" not in reporter.messages[0].split("there:")[1]


def test_root_activity_alarmed_forwarding_to_a_covered_bus_passes() -> None:
    stack = _workload(HOME, EU)
    _rule(stack, "root")
    _rule(
        stack, "root-eu", provider=EU, target=f"arn:aws:events:us-east-1:{PROD}:event-bus/default"
    )
    assert not stack.check(root_activity_alarmed).violations


def test_root_activity_alarmed_forwarding_to_a_bus_whose_rule_misses_fails() -> None:
    stack = _workload(HOME, EU)
    _rule(stack, "root", pattern=json.dumps({"detail": {"awsRegion": ["us-east-1"]}}))
    _rule(stack, "signin", pattern=json.dumps({"source": ["aws.signin"]}))
    _rule(
        stack, "root-eu", provider=EU, target=f"arn:aws:events:us-east-1:{PROD}:event-bus/default"
    )
    reporter = stack.check(root_activity_alarmed)
    assert "API calls in eu-west-1" in reporter.messages[0]


def test_root_activity_alarmed_each_account_on_its_own_fails() -> None:
    stack = _workload(HOME, aws_provider(STAGING, "us-east-1"))
    _rule(stack, "root")
    reporter = stack.check(root_activity_alarmed)
    assert len(reporter.violations) == 1
    assert reporter.messages[0].startswith(f"The account {STAGING}")


def _trail(stack: Stack, *, multi: bool = True, pattern: str = CIS_FILTER, actions: bool = True):
    group = stack.add(LOG_GROUP, "trail-log", {"name": "trail-log"}, provider=HOME)
    stack.add(
        TRAIL,
        "trail",
        {
            "isMultiRegionTrail": multi,
            "cloudWatchLogsGroupArn": f"arn:aws:logs:us-east-1:{PROD}:log-group:trail-log:*",
        },
        provider=HOME,
        prop_deps={"cloudWatchLogsGroupArn": [group]},
    )
    stack.add(
        LOG_METRIC_FILTER,
        "root-filter",
        {
            "logGroupName": "trail-log",
            "pattern": pattern,
            "metricTransformation": {"name": "Root", "namespace": "Security", "value": "1"},
        },
        provider=HOME,
        prop_deps={"logGroupName": [group]},
    )
    stack.add(
        METRIC_ALARM,
        "root-alarm",
        {
            "metricName": "Root",
            "namespace": "Security",
            "alarmActions": ["arn:aws:sns:us-east-1:111111111111:alarms"] if actions else [],
        },
        provider=HOME,
    )


def test_root_activity_alarmed_multi_region_trail_metric_filter_passes() -> None:
    stack = _workload(HOME, EU)
    _trail(stack)
    assert not stack.check(root_activity_alarmed).violations


def test_root_activity_alarmed_single_region_trail_misses_other_regions_fails() -> None:
    stack = _workload(HOME, EU)
    _trail(stack, multi=False)
    reporter = stack.check(root_activity_alarmed)
    assert "API calls in eu-west-1" in reporter.messages[0]


def test_root_activity_alarmed_filter_for_other_events_fails() -> None:
    stack = _workload()
    _trail(stack, pattern='{ $.eventName = "DeleteTrail" }')
    assert len(stack.check(root_activity_alarmed).violations) == 1


def test_root_activity_alarmed_alarm_without_actions_fails() -> None:
    stack = _workload()
    _trail(stack, actions=False)
    assert len(stack.check(root_activity_alarmed).violations) == 1


def test_root_activity_alarmed_trail_covers_unknown_region_passes() -> None:
    stack = _workload()
    stack.add("aws:s3/bucket:Bucket", "b", {"region": UNKNOWN_STRING}, provider=HOME)
    _trail(stack)
    assert not stack.check(root_activity_alarmed).violations


def test_root_activity_alarmed_rules_with_unknown_region_raise_unknown() -> None:
    stack = _workload()
    stack.add("aws:s3/bucket:Bucket", "b", {"region": UNKNOWN_STRING}, provider=HOME)
    _rule(stack, "root")
    reporter, err = stack.check_preview(root_activity_alarmed)
    assert not reporter.violations
    assert err.props == ["b", "region"]


def test_root_activity_alarmed_unknown_state_raises_unknown() -> None:
    stack = _workload()
    _rule(stack, "root", state=UNKNOWN_STRING)
    reporter, err = stack.check_preview(root_activity_alarmed)
    assert not reporter.violations
    assert err.props == ["root", "state"]


def test_root_activity_alarmed_default_account_pattern_naming_its_id_passes() -> None:
    # The default account's id is in no input; a pattern written for it names it
    # (from aws.get_caller_identity), so it is judged as that id.
    pulumi.runtime.set_config("aws:region", "us-east-1")
    stack = Stack()
    stack.add("aws:sns/topic:Topic", "workload", {}, provider=None)
    pattern = json.loads(ROOT_PATTERN)
    _rule(
        stack, "root", provider=None, pattern=json.dumps({"account": ["123456789012"], **pattern})
    )
    assert not stack.check(root_activity_alarmed).violations


def test_root_activity_alarmed_default_account_pattern_for_other_ids_fails() -> None:
    pulumi.runtime.set_config("aws:region", "us-east-1")
    stack = Stack()
    stack.add("aws:sns/topic:Topic", "workload", {}, provider=None)
    _rule(stack, "root", provider=HOME, pattern=ROOT_PATTERN)  # in PROD, not the default
    reporter = stack.check(root_activity_alarmed)
    assert [m.split(" must ")[0] for m in reporter.messages] == ["The stack's default account"]
