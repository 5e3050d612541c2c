"""Account discovery (`rootguard:accounts: {fromOrganization: ...}`) planned offline from an
organization fixture (`--accounts FILE`): every account under the OUs, more than a page of
the Organizations API, nested OUs included; exclusions absent; a suspended account and the
management account skipped with a one-line note; bad input one line, exit 2."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from rootguard.cli import main
from rootguard.engine.organizations import load_fixture
from rootguard.engine.program import Plan, run_program
from rootguard.errors import UsageError
from tests import organization_fixtures as org

REPO = Path(__file__).resolve().parent.parent
PROVIDER = "pulumi:providers:aws"


def explicit_provider(resource_type: str, name: str) -> bool:
    """An account's provider, not the engine's default provider (`default_7_...`), which
    the plan lists because discovery's invokes run on it."""
    return resource_type == PROVIDER and not name.startswith("default")


PAGE = 20
"""ListAccountsForParent returns at most 20 accounts a page."""
MANAGEMENT = org.MANAGEMENT


def organization() -> dict[str, Any]:
    """Three OUs, one nested, with more accounts than two pages; a suspended account; the
    management account at the root."""
    accounts = [{"id": MANAGEMENT, "name": "management", "ou": "r-a1b2"}]
    accounts += [
        {"id": f"{100000000000 + i:012d}", "name": f"apps {i}", "ou": "ou-a1b2-applicat"}
        for i in range(PAGE + 2)
    ]
    accounts += [
        {"id": f"{200000000000 + i:012d}", "name": f"data/{i}", "ou": "ou-a1b2-datanest"}
        for i in range(3)
    ]
    accounts += [
        {"id": f"{300000000000 + i:012d}", "name": f"sandbox-{i}", "ou": "ou-a1b2-sandboxx"}
        for i in range(2)
    ]
    accounts[3]["status"] = "SUSPENDED"
    return {
        "organization": {
            "id": "o-a1b2c3d4e5",
            "rootId": "r-a1b2",
            "managementAccountId": MANAGEMENT,
        },
        "organizationalUnits": [
            {"id": "ou-a1b2-applicat", "name": "applications", "parent": "r-a1b2"},
            {"id": "ou-a1b2-datanest", "name": "data", "parent": "ou-a1b2-applicat"},
            {"id": "ou-a1b2-sandboxx", "name": "sandbox", "parent": "r-a1b2"},
        ],
        "accounts": accounts,
    }


def stack_config(discovery: dict[str, Any]) -> dict[str, Any]:
    return {
        "aws:region": "us-east-1",
        "rootguard:regions": ["us-east-1"],
        "rootguard:accounts": {"fromOrganization": discovery},
        "rootguard:alerts": {"emails": ["secops@example.com"]},
    }


def plan(tmp_path: Path, discovery: dict[str, Any], data: dict[str, Any] | None = None) -> Plan:
    fixture = load_fixture(org.write(tmp_path / "org.yaml", data or organization()))
    return run_program(REPO, "discovery", config=stack_config(discovery), organization=fixture)


def provider_accounts(planned: Plan) -> list[str]:
    found = []
    for resource in planned.resources:
        if explicit_provider(resource.type, resource.name):
            (allowed,) = json.loads(resource.inputs["allowedAccountIds"])
            found.append(allowed)
    return found


EXCLUDED = ["100000000001", "200000000002"]


@pytest.fixture(scope="module")
def applications(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, str]:
    """The applications OU (a nested OU under it) planned once, excluding EXCLUDED; and
    what the program wrote to stderr."""
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        planned = plan(
            tmp_path_factory.mktemp("org"), {"ous": ["ou-a1b2-applicat"], "exclude": EXCLUDED}
        )
    return planned, errors.getvalue()


def test_discovery_plans_every_page_and_nested_ou(applications: tuple[Plan, str]) -> None:
    planned, _ = applications
    data = organization()
    expected = sorted(
        a["id"] for a in data["accounts"][1:]
        if a["ou"] in ("ou-a1b2-applicat", "ou-a1b2-datanest")
        and a.get("status") != "SUSPENDED" and a["id"] not in EXCLUDED
    )  # fmt: skip
    assert len(expected) > PAGE  # more than one page of ListAccountsForParent
    assert sorted(provider_accounts(planned)) == expected
    baselines = [r.name for r in planned.resources if r.type.endswith(":AccountBaseline")]
    assert sorted(baselines) == expected  # named by id: renaming an account replaces nothing


def test_discovery_leaves_excluded_accounts_out(applications: tuple[Plan, str]) -> None:
    planned, _ = applications
    assert not set(EXCLUDED) & set(provider_accounts(planned))
    assert {"100000000000", "200000000000"} <= set(provider_accounts(planned))


def test_discovery_skips_a_suspended_account_with_one_line(
    applications: tuple[Plan, str],
) -> None:
    planned, errors = applications
    suspended = organization()["accounts"][3]
    assert suspended["id"] not in provider_accounts(planned)
    notes = [line for line in errors.splitlines() if suspended["id"] in line]
    assert notes == [
        f"warning: rootguard:accounts.fromOrganization: {suspended['id']} "
        f"({suspended['name']}) is SUSPENDED; skipped"
    ]


def test_discovery_whole_organization_skips_the_management_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A small organization: the management account and two members, one in a nested OU.
    data = organization()
    data["accounts"] = [a for a in data["accounts"] if a["id"] in
                        (MANAGEMENT, "200000000000", "300000000000")]  # fmt: skip
    planned = plan(tmp_path, {"ous": ["r-a1b2"], "roleName": "PlatformDeploy"}, data)
    assert sorted(provider_accounts(planned)) == ["200000000000", "300000000000"]
    assert "is the management account; skipped" in capsys.readouterr().err
    roles = {json.loads(r.inputs["assumeRoles"])[0]["roleArn"].rsplit("/", 1)[1]
             for r in planned.resources if explicit_provider(r.type, r.name)}  # fmt: skip
    assert roles == {"PlatformDeploy"}


def test_discovery_notes_an_exclusion_that_is_not_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan(tmp_path, {"ous": ["ou-a1b2-sandboxx"], "exclude": ["123456789012"]})
    assert (
        "warning: rootguard:accounts.fromOrganization: excluded account 123456789012 is not "
        "under ou-a1b2-sandboxx" in capsys.readouterr().err
    )


def test_discovery_ou_missing_from_the_fixture_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        plan(tmp_path, {"ous": ["ou-a1b2-notthere"]})
    assert "'ou-a1b2-notthere', which is not the root or an OU of the fixture" in str(err.value)
    assert "\n" not in str(err.value)


# -------------------------------------------------------------------- the command line


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """This project with a discovery stack file next to it (the repository is not written)."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        (root / name).write_text((REPO / name).read_text())
    (root / "components").symlink_to(REPO / "components", target_is_directory=True)
    config = stack_config({"ous": ["ou-a1b2-sandboxx"]})
    (root / "Pulumi.discovery.yaml").write_text(json.dumps({"config": config}))
    org.write(root / "org.yaml", organization())
    return root


def test_discovery_plan_without_fixture_names_the_option(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", str(project), "--stack", "discovery"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith("rootguard plan: error: the program lists AWS Organizations accounts")
    assert "expected --accounts FILE" in err


def test_discovery_plan_with_fixture_lists_the_accounts(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["plan", str(project), "--stack", "discovery", "--accounts", str(project / "org.yaml")]
    assert main([*args, "--json"]) == 0
    resources = json.loads(capsys.readouterr().out)["resources"]
    providers = [r for r in resources if explicit_provider(r["type"], r["name"])]
    assert len(providers) == 2  # the sandbox OU's accounts


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("organization: {id: o-a1b2c3d4e5}", "organization.rootId: field required"),
        ("{organization: {id: o-a1b2c3d4e5, rootId: r-a1b2, managementAccountId: '444444444444'}, "
         "accounts: [{id: '12', name: x, ou: r-a1b2}]}", "accounts[0].id: string should match"),
        ("{organization: {id: o-a1b2c3d4e5, rootId: r-a1b2, managementAccountId: '444444444444'}, "
         "accounts: [{id: '111111111111', name: x, ou: ou-a1b2-nowhere1}]}",
         "accounts[0].ou: 'ou-a1b2-nowhere1' is not the root or an OU of the file"),
        ("[: not yaml", "not YAML or JSON"),
    ],
    ids=["missing-key", "bad-id", "unknown-ou", "not-yaml"],
)  # fmt: skip
def test_discovery_bad_fixture_is_one_line_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    bad = project / "bad.yaml"
    bad.write_text(content)
    assert main(["plan", str(project), "--stack", "discovery", "--accounts", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err, err


def test_discovery_missing_fixture_file_is_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = project / "missing.yaml"
    assert main(["plan", str(project), "--stack", "discovery", "--accounts", str(missing)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"rootguard plan: error: --accounts {missing}: cannot read (No such file or "
        "directory); expected a fixture file"
    )


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_discovery_stack_passes_the_gate(
    project: Path, capsys: pytest.CaptureFixture[str], preview: bool
) -> None:
    fixture = str(project / "org.yaml")
    args = ["gate", str(project), "--stack", "discovery", "--json", "--accounts", fixture]
    code = main([*args, *(["--preview"] if preview else [])])
    out = json.loads(capsys.readouterr().out)
    mandatory = [v for v in out["violations"] if v["enforcementLevel"] == "mandatory"]
    assert (code, mandatory) == (0, [])
