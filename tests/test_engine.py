"""The offline engine: engine URNs, the recorded graph, AWS-like answers, isolation."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import sys
import types
from pathlib import Path

import pytest

from rootguard.engine.placement import provider_placement
from rootguard.engine.program import (
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    Plan,
    PlannedResource,
    default_provider_name,
    load_project,
    placements,
    read_config,
    require_stack_file,
    run_program,
)
from rootguard.errors import UsageError

PROGRAMS = Path(__file__).parent / "fixtures" / "programs"
BASIC = PROGRAMS / "basic"
PREFIX = "urn:pulumi:test::fixture-basic::"
STACK_URN = PREFIX + "pulumi:pulumi:Stack::fixture-basic-test"
BUNDLE_URN = PREFIX + "fixture:index:Bundle::main"
INNER_URN = PREFIX + "fixture:index:Bundle$fixture:index:Inner::main-inner"
BUCKET_URN = PREFIX + "fixture:index:Bundle$aws:s3/bucket:Bucket::main-bucket"
ROLE_URN = PREFIX + "fixture:index:Bundle$fixture:index:Inner$aws:iam/role:Role::main-inner-role"
PROVIDER_URN = PREFIX + "pulumi:providers:aws::acct"
AWS_VERSION = importlib.metadata.version("pulumi_aws")
DEFAULT_PROVIDER_NAME = "default_" + AWS_VERSION.replace(".", "_")
DEFAULT_PROVIDER_URN = PREFIX + "pulumi:providers:aws::" + DEFAULT_PROVIDER_NAME


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_program(BASIC, "test")


@pytest.fixture(scope="module")
def preview() -> Plan:
    return run_program(BASIC, "test", preview=True)


def named(plan: Plan, name: str) -> PlannedResource:
    (resource,) = [r for r in plan.resources if r.name == name]
    return resource


# -- URNs --------------------------------------------------------------------------------


def test_urn_of_stack_child_leaves_out_stack_type(plan: Plan) -> None:
    topic = named(plan, "on-default-provider")
    assert topic.urn == PREFIX + "aws:sns/topic:Topic::on-default-provider"
    assert topic.parent == STACK_URN
    assert not any("pulumi:pulumi:Stack$" in r.urn for r in plan.resources)


def test_urn_of_nested_component_child_chains_full_types(plan: Plan) -> None:
    role = named(plan, "main-inner-role")
    assert role.urn == ROLE_URN
    assert role.parent == INNER_URN
    assert named(plan, "main-inner").parent == BUNDLE_URN
    assert named(plan, "main-bucket").urn == BUCKET_URN


def test_stack_and_default_provider_are_the_only_resources_without_parent(plan: Plan) -> None:
    roots = [r for r in plan.resources if r.parent is None]
    assert [r.urn for r in roots] == [STACK_URN, DEFAULT_PROVIDER_URN]
    assert plan.resources[0].type == "pulumi:pulumi:Stack"
    urns = {r.urn for r in plan.resources}
    assert len(urns) == len(plan.resources)
    assert all(r.parent in urns for r in plan.resources if r.parent)


# -- providers, dependencies ---------------------------------------------------------------


def test_provider_listed_and_referenced_as_urn_and_id(plan: Plan) -> None:
    provider = named(plan, "acct")
    assert provider.urn == PROVIDER_URN
    assert provider.type == "pulumi:providers:aws"
    assert provider.custom
    assert provider.id
    reference = f"{PROVIDER_URN}::{provider.id}"
    assert named(plan, "main-bucket").provider == reference
    assert named(plan, "main-inner-role").provider == reference
    assert named(plan, "main").provider is None  # a component


# -- class 1: the default provider, as the engine attaches it --------------------------------


def test_default_provider_registered_before_its_first_resource(plan: Plan) -> None:
    order = [r.urn for r in plan.resources]
    topic = named(plan, "on-default-provider")
    assert order.index(DEFAULT_PROVIDER_URN) == order.index(topic.urn) - 1
    assert topic.provider == f"{DEFAULT_PROVIDER_URN}::{plan.by_urn()[DEFAULT_PROVIDER_URN].id}"


def test_default_provider_inputs_are_the_stack_aws_config_and_version(plan: Plan) -> None:
    default = plan.by_urn()[DEFAULT_PROVIDER_URN]
    assert (default.type, default.name, default.custom) == (
        "pulumi:providers:aws",
        DEFAULT_PROVIDER_NAME,
        True,
    )
    assert default.inputs == {"region": "eu-west-1", "version": AWS_VERSION}
    assert default.parent is None and default.provider is None


def test_default_provider_in_preview_is_referenced_with_unknown_id(preview: Plan) -> None:
    assert named(preview, "on-default-provider").provider == f"{DEFAULT_PROVIDER_URN}::{UNKNOWN}"


def test_default_provider_carries_secret_config_wrapped(tmp_path: Path) -> None:
    project = tmp_path / "secret-config"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: secret-config\nruntime: python\n")
    (project / "__main__.py").write_text(
        "import pulumi_aws as aws\naws.sns.Topic('t')\n", encoding="utf-8"
    )
    plan = run_program(
        project, "dev", config={"aws:region": "eu-west-1", "aws:profile": {"secure": "AAE="}}
    )
    default = next(r for r in plan.resources if r.type == "pulumi:providers:aws")
    assert default.inputs["profile"] == {SIG_KEY: SECRET_SIG, "value": "[secret]"}


def test_default_provider_registered_for_an_invoke_without_provider(tmp_path: Path) -> None:
    # The engine's getDefaultProviderRef serves invokes too: the provider lands in state.
    project = tmp_path / "invoke-only"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: invoke-only\nruntime: python\n")
    (project / "__main__.py").write_text(
        "import pulumi, pulumi_aws as aws\n"
        "pulumi.export('account', aws.get_caller_identity_output().account_id)\n",
        encoding="utf-8",
    )
    plan = run_program(
        project,
        "dev",
        config={"aws:region": "eu-west-1", "aws:allowedAccountIds": ["444444444444"]},
    )
    (provider,) = [r for r in plan.resources if r.type == "pulumi:providers:aws"]
    assert provider.name == DEFAULT_PROVIDER_NAME
    stack = next(r for r in plan.resources if r.type == "pulumi:pulumi:Stack")
    assert stack.outputs["account"] == "444444444444"  # the invoke answered for it


def test_default_provider_name_follows_engine_rule() -> None:
    assert default_provider_name("7.51.1") == "default_7_51_1"
    assert default_provider_name("7.0.0-alpha.1+dev") == "default_7_0_0_alpha_1_dev"
    assert default_provider_name("") == "default"


def test_provider_inputs_arrive_json_encoded_with_snake_case_keys(plan: Plan) -> None:
    inputs = named(plan, "acct").inputs
    assert json.loads(inputs["allowedAccountIds"]) == ["111111111111"]
    roles = json.loads(inputs["assumeRoles"])
    assert roles == [{"role_arn": "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"}]


def test_property_dependencies_recorded(plan: Plan) -> None:
    policy = named(plan, "main-policy")
    assert policy.property_dependencies["bucket"] == [BUCKET_URN]
    assert policy.property_dependencies["region"] == []
    assert BUCKET_URN in policy.dependencies


def test_depends_on_component_expands_to_its_custom_descendants(plan: Plan) -> None:
    alerts = named(plan, "alerts")
    assert alerts.dependencies == sorted([BUCKET_URN, ROLE_URN])


def test_inputs_are_wire_form_with_camel_case_keys(plan: Plan) -> None:
    role = named(plan, "main-inner-role")
    # `name` is the auto-name, an input as the provider's Check makes it.
    assert set(role.inputs) == {"assumeRolePolicy", "name"}
    bucket = named(plan, "main-bucket").inputs
    assert bucket == {"region": "eu-central-1", "bucket": bucket["bucket"]}
    assert re.fullmatch(r"main-bucket-[0-9a-f]{7}", bucket["bucket"])


def test_secret_input_stays_wrapped_with_signature(plan: Plan) -> None:
    tags = named(plan, "alerts").inputs["tags"]
    assert tags["owner"] == "platform"
    assert tags["token"] == {SIG_KEY: SECRET_SIG, "value": "s3cr3t"}


# -- AWS-like answers ------------------------------------------------------------------------


def test_arn_carries_provider_account_and_resource_region(plan: Plan) -> None:
    regional = named(plan, "regional")
    assert regional.outputs["arn"].startswith("arn:aws:sns:eu-central-1:111111111111:regional-")
    assert regional.id == regional.outputs["arn"]
    alerts = named(plan, "alerts")  # no region input: the provider's region
    assert alerts.outputs["arn"].startswith("arn:aws:sns:us-east-1:111111111111:alerts-")
    role = named(plan, "main-inner-role")
    assert role.outputs["arn"] == f"arn:aws:iam::111111111111:role/{role.outputs['name']}"


def test_default_provider_uses_stack_region_and_default_account(plan: Plan) -> None:
    topic = named(plan, "on-default-provider")
    assert topic.outputs["arn"].startswith("arn:aws:sns:eu-west-1:123456789012:")


def test_auto_names_are_stable_and_bucket_names_lower_case(plan: Plan) -> None:
    bucket = named(plan, "main-bucket")
    assert bucket.id == bucket.outputs["bucket"]
    assert bucket.id.startswith("main-bucket-") and bucket.id == bucket.id.lower()
    assert bucket.outputs["arn"] == f"arn:aws:s3:::{bucket.id}"
    again = run_program(BASIC, "test")
    assert named(again, "main-bucket").id == bucket.id
    assert [r.urn for r in again.resources] == [r.urn for r in plan.resources]


def test_invokes_answer_caller_account_and_policy_document(plan: Plan) -> None:
    stack = plan.resources[0]
    assert stack.outputs["callerAccount"] == "111111111111"
    policy = json.loads(named(plan, "main-policy").inputs["policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == "*"
    assert statement["Resource"] == named(plan, "main-bucket").outputs["arn"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_component_outputs_are_its_registered_outputs(plan: Plan) -> None:
    assert named(plan, "main").outputs == {"bucketArn": named(plan, "main-bucket").outputs["arn"]}


def test_placements_follow_provider_account_and_region_input(plan: Plan) -> None:
    where = placements(plan)
    assert where[named(plan, "regional").urn].account == "111111111111"
    assert where[named(plan, "regional").urn].region == "eu-central-1"
    assert where[named(plan, "alerts").urn].region == "us-east-1"
    assert where[named(plan, "on-default-provider").urn].region == "eu-west-1"
    assert BUNDLE_URN not in where


def test_provider_placement_reads_camel_case_and_allowed_accounts() -> None:
    camel = provider_placement(
        {"assumeRoles": '[{"roleArn": "arn:aws:iam::222222222222:role/R"}]', "region": "eu-west-1"}
    )
    assert (camel.account, camel.region) == ("222222222222", "eu-west-1")
    allowed = provider_placement({"allowedAccountIds": '["333333333333"]'})
    assert (allowed.account, allowed.region) == ("333333333333", None)


# -- preview ---------------------------------------------------------------------------------


def test_preview_leaves_computed_outputs_unknown(preview: Plan) -> None:
    assert preview.preview
    alerts = named(preview, "alerts")
    assert alerts.id is None
    assert alerts.outputs["arn"] == UNKNOWN
    assert alerts.outputs["tags"]["owner"] == "platform"  # inputs stay known
    bucket = named(preview, "main-bucket")
    # The auto-name is known, as the provider names the bucket in Check; the ARN is not.
    assert bucket.outputs["bucket"] == named(preview, "main-bucket").inputs["bucket"]
    assert bucket.outputs["arn"] == UNKNOWN
    assert bucket.outputs["region"] == "eu-central-1"


def test_preview_sends_unknown_sentinels_in_dependent_inputs(preview: Plan) -> None:
    policy = named(preview, "main-policy")
    assert policy.inputs["bucket"] == UNKNOWN
    assert policy.property_dependencies["bucket"] == [BUCKET_URN]
    provider = named(preview, "acct")
    assert provider.id is None
    assert named(preview, "main-bucket").provider == f"{PROVIDER_URN}::{UNKNOWN}"


# -- errors ----------------------------------------------------------------------------------


def test_duplicate_urn_is_a_usage_error_naming_it() -> None:
    with pytest.raises(UsageError) as err:
        run_program(PROGRAMS / "duplicate", "test")
    message = str(err.value)
    assert "urn:pulumi:test::fixture-duplicate::aws:sns/topic:Topic::alerts" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        ("value-error", "program failed: ValueError: threshold must be positive, not -1"),
        ("run-error", "rootguard:regions[1]: 'us-east-9' is not an AWS region"),
        ("log-error", "program logged an error: the recorder mode cannot be decided"),
        ("missing-config", "Missing required configuration variable 'fixture-failing:accounts'"),
    ],
)
def test_program_failure_is_one_line_usage_error(stack: str, expected: str) -> None:
    with pytest.raises(UsageError) as err:
        run_program(PROGRAMS / "failing", stack)
    message = str(err.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_missing_project_file_is_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no Pulumi\.yaml"):
        run_program(tmp_path, "dev")
    with pytest.raises(UsageError, match="no such directory"):
        run_program(tmp_path / "absent", "dev")


def test_missing_stack_file_is_empty_config_but_required_by_cli() -> None:
    plan = run_program(PROGRAMS / "other", "absent")
    assert plan.config == {}
    with pytest.raises(UsageError, match=r"no Pulumi.absent.yaml .*\(test\)"):
        require_stack_file(PROGRAMS / "other", "absent")


# -- isolation between runs ------------------------------------------------------------------


def test_two_projects_with_own_components_do_not_leak() -> None:
    path, cwd = list(sys.path), os.getcwd()
    first = run_program(BASIC, "test")
    second = run_program(PROGRAMS / "other", "test")
    third = run_program(BASIC, "test")
    assert first.resources[0].outputs["components"] == "basic"
    assert second.resources[0].outputs["components"] == "other"
    assert third.resources[0].outputs["components"] == "basic"
    assert "components" not in sys.modules
    assert sys.path == path
    assert os.getcwd() == cwd


def test_module_of_same_name_imported_before_is_set_aside_and_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = types.ModuleType("components")
    host.MARKER = "host"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "components", host)
    plan = run_program(PROGRAMS / "other", "test")
    assert plan.resources[0].outputs["components"] == "other"
    assert sys.modules["components"] is host


# -- project and stack files -----------------------------------------------------------------


def write_project(root: Path, stack_yaml: str, project_extra: str = "") -> None:
    (root / "Pulumi.yaml").write_text(f"name: demo\nruntime: python\n{project_extra}")
    (root / "__main__.py").write_text("")
    (root / "Pulumi.dev.yaml").write_text(stack_yaml)


def test_config_is_carried_as_pulumi_config_strings(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        "config:\n"
        "  aws:region: us-east-1\n"
        "  threshold: 100\n"
        "  enabled: true\n"
        "  demo:answer: yes\n"
        "  demo:day: 2024-01-01\n"
        "  demo:regions: [us-east-1, eu-west-1]\n"
        "  demo:alerts: {emails: [a@example.com], thresholdUsd: 5}\n"
        "  demo:token: {secure: AAABAxyz}\n",
        project_extra="config:\n  demo:mode: {type: string, default: create}\n",
    )
    config, secret_keys = read_config(load_project(tmp_path), "dev")
    assert config == {
        "demo:mode": "create",
        "aws:region": "us-east-1",
        "demo:threshold": "100",
        "demo:enabled": "true",
        "demo:answer": "yes",
        "demo:day": "2024-01-01",
        "demo:regions": '["us-east-1","eu-west-1"]',
        "demo:alerts": '{"emails":["a@example.com"],"thresholdUsd":5}',
        "demo:token": "[secret]",
    }
    assert secret_keys == ["demo:token"]


def test_program_sees_config_through_pulumi_config(plan: Plan) -> None:
    assert plan.config["fixture-basic:regions"] == '["us-east-1","eu-central-1"]'
    assert named(plan, "regional").inputs["region"] == "eu-central-1"


def test_non_python_runtime_is_usage_error(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: nodejs\n")
    with pytest.raises(UsageError, match="runtime: 'nodejs'; expected python"):
        load_project(tmp_path)


def test_packages_installed_inside_project_stay_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project's own .venv sits under its folder; its packages are not the program's."""
    site = tmp_path / ".venv" / "site-packages"
    (site / "installedpkg").mkdir(parents=True)
    (site / "installedpkg" / "__init__.py").write_text("")
    (tmp_path / "localmod.py").write_text("")
    write_project(tmp_path, "config: {}\n")
    (tmp_path / "__main__.py").write_text("import installedpkg\nimport localmod\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "installedpkg", raising=False)
    run_program(tmp_path, "dev")
    assert "installedpkg" in sys.modules
    assert "localmod" not in sys.modules
    monkeypatch.delitem(sys.modules, "installedpkg")


def test_config_argument_replaces_stack_file() -> None:
    plan = run_program(
        BASIC,
        "generated",
        config={
            "aws:region": "us-west-2",
            "accountId": "444444444444",
            "regions": ["us-east-1", "ap-south-1"],
            "owner": "tests",
        },
    )
    assert plan.stack == "generated"
    assert plan.config["fixture-basic:accountId"] == "444444444444"
    regional = named(plan, "regional")
    assert regional.outputs["arn"].startswith("arn:aws:sns:ap-south-1:444444444444:")
    assert named(plan, "on-default-provider").outputs["arn"].startswith("arn:aws:sns:us-west-2:")
