"""The pack converts the stack once for all its stack policies (`shared_stack`), and that
changes no answer: on programs with violations, advisories and preview unknowns, the
AnalyzeStack response is byte for byte the SDK's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

from policies.rootguard_policies import ALL_POLICIES, PACK_NAME
from policies.rootguard_policies.root_access import ROOT_ACCESS_POLICIES
from policies.rootguard_policies.shared_stack import (
    analyze_stack_unshared,
    share_stack_conversion,
)
from rootguard.engine.program import STACK_TYPE, run_program
from rootguard.gate.analyzer import RequestBuilder

FIXTURES = Path(__file__).parents[1] / "fixtures"
PROGRAMS = [
    ("policy_programs/root-activity-alarmed/fail", False),
    ("policy_programs/config-delivery-writable/fail", False),
    ("policy_programs/root-mfa-rule-present/fail", False),
    ("policy_programs/preview-unknowns", True),
    ("precision_programs/4-preview-custom-rule-hides-no-mfa/fail", True),
]


def _request(program: Path, preview: bool) -> analyzer_pb2.AnalyzeStackRequest:
    plan = run_program(program, "test", preview=preview)
    builder = RequestBuilder(plan.resources)
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            builder.stack_resource(r, r.outputs) for r in plan.resources if r.type != STACK_TYPE
        ]
    )


@pytest.mark.parametrize(("folder", "preview"), PROGRAMS, ids=[p for p, _ in PROGRAMS])
def test_shared_stack_conversion_answers_as_the_sdk(folder: str, preview: bool) -> None:
    share_stack_conversion()
    servicer = _PolicyAnalyzerServicer(
        PACK_NAME, "0.0.0", [*ALL_POLICIES, *ROOT_ACCESS_POLICIES], EnforcementLevel.MANDATORY
    )
    request = _request(FIXTURES / folder, preview)
    shared = servicer.AnalyzeStack(request, None)
    unshared = analyze_stack_unshared(servicer, request)
    assert unshared.diagnostics  # the programs fail, or wait for the update
    assert shared.SerializeToString(deterministic=True) == unshared.SerializeToString(
        deterministic=True
    )


def test_shared_stack_conversion_is_installed_once_and_leaves_no_cache_behind() -> None:
    import pulumi_policy.policy as sdk

    from policies.rootguard_policies import shared_stack

    share_stack_conversion()
    patched = sdk._PolicyAnalyzerServicer.AnalyzeStack
    share_stack_conversion()
    assert sdk._PolicyAnalyzerServicer.AnalyzeStack is patched
    servicer = _PolicyAnalyzerServicer(
        PACK_NAME, "0.0.0", list(ALL_POLICIES), EnforcementLevel.MANDATORY
    )
    servicer.AnalyzeStack(_request(FIXTURES / PROGRAMS[0][0], False), None)
    assert shared_stack._active() is None
