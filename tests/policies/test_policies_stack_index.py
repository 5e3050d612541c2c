"""StackIndex: which resource an input names (graph, names, ARNs; names scoped to an
account, bucket names global), and the indexes policies build on."""

from policykit import PROD, STAGING, UNKNOWN_STRING, Stack, aws_provider

from policies.rootguard_policies.placement import Placement
from policies.rootguard_policies.stack import StackIndex, arn_resource_name
from policies.rootguard_policies.tokens import (
    BUCKET_POLICY,
    BUCKETS,
    EVENT_RULE,
    EVENT_TARGET,
    LAMBDA_FUNCTION,
)

PROD_HOME = aws_provider(PROD, "us-east-1")
PROD_EU = aws_provider(PROD, "eu-west-1", name="prod-eu")
STAGING_HOME = aws_provider(STAGING, "us-east-1")
BUCKET = "aws:s3/bucket:Bucket"


def test_stack_index_arn_resource_name() -> None:
    assert arn_resource_name("arn:aws:s3:::logs/AWSLogs/x") == "logs"
    assert arn_resource_name("arn:aws:lambda:us-east-1:1:function:fn:3") == "fn"
    assert arn_resource_name("arn:aws:iam::1:role/service/config") == "config"
    assert arn_resource_name("not an arn") is None


def test_stack_index_reference_through_the_graph_while_unknown() -> None:
    stack = Stack()
    rule = stack.add(EVENT_RULE, "rule", {"name": UNKNOWN_STRING}, provider=PROD_HOME)
    target = stack.add(
        EVENT_TARGET, "t", {"rule": UNKNOWN_STRING}, provider=PROD_HOME, prop_deps={"rule": [rule]}
    )
    assert StackIndex(stack.resources).references(target, "rule", EVENT_RULE) == [rule]


def test_stack_index_names_are_scoped_to_the_account() -> None:
    stack = Stack()
    prod_rule = stack.add(EVENT_RULE, "prod-rule", {"name": "root"}, provider=PROD_HOME)
    stack.add(EVENT_RULE, "staging-rule", {"name": "root"}, provider=STAGING_HOME)
    target = stack.add(EVENT_TARGET, "t", {"rule": "root"}, provider=PROD_HOME)
    index = StackIndex(stack.resources)
    assert index.references(target, "rule", EVENT_RULE) == [prod_rule]
    assert index.referrers(prod_rule, EVENT_TARGET, "rule", EVENT_RULE) == [target]


def test_stack_index_arn_names_its_own_account() -> None:
    stack = Stack()
    stack.add(LAMBDA_FUNCTION, "prod-fn", {"name": "fn"}, provider=PROD_HOME)
    staging_fn = stack.add(LAMBDA_FUNCTION, "staging-fn", {"name": "fn"}, provider=STAGING_HOME)
    index = StackIndex(stack.resources)
    arn = f"arn:aws:lambda:us-east-1:{STAGING}:function:fn"
    assert index.references_value(arn, LAMBDA_FUNCTION, account=PROD) == [staging_fn]


def test_stack_index_bucket_names_are_global() -> None:
    stack = Stack()
    bucket = stack.add(BUCKET, "central", {"bucket": "org-config"}, provider=STAGING_HOME)
    policy = stack.add(BUCKET_POLICY, "p", {"bucket": "org-config"}, provider=PROD_HOME)
    index = StackIndex(stack.resources)
    assert index.references(policy, "bucket", BUCKETS) == [bucket]


def test_stack_index_at_indexes_by_placement() -> None:
    stack = Stack()
    home = stack.add(EVENT_RULE, "home", {}, provider=PROD_HOME)
    eu = stack.add(EVENT_RULE, "eu", {}, provider=PROD_EU)
    unknown = stack.add(EVENT_RULE, "later", {"region": UNKNOWN_STRING}, provider=PROD_HOME)
    index = StackIndex(stack.resources)
    assert index.at(EVENT_RULE, Placement(PROD, "us-east-1")) == [home]
    assert index.at(EVENT_RULE, Placement(PROD, "eu-west-1")) == [eu]
    assert index.at(EVENT_RULE, None) == [unknown]
