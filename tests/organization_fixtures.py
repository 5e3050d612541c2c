"""Organization fixture files for `--accounts` (rootguard.engine.organizations), generated
at any size: the example organization's OUs, with as many workload accounts as asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "fixtures" / "organization" / "example.yaml"
MANAGEMENT = "444444444444"
STACKSETS = "member.org.stacksets.cloudformation.amazonaws.com"


def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


def organization(
    workload_accounts: int,
    *,
    ou: str = "ou-a1b2-workload",
    trusted: list[str] | None = None,
    first: int = 100_000_000_000,
) -> dict[str, Any]:
    """The example organization with `workload_accounts` generated accounts in `ou` instead
    of its own workload and sandbox accounts."""
    data = example()
    kept = [a for a in data["accounts"] if a["ou"] not in {"ou-a1b2-workload", "ou-a1b2-prodwork",
                                                           "ou-a1b2-sandbox1"}]  # fmt: skip
    generated = [
        {"id": f"{first + index:012d}", "name": f"workload-{index}", "ou": ou}
        for index in range(workload_accounts)
    ]
    data["accounts"] = kept + generated
    if trusted is not None:
        data["organization"]["trustedServices"] = trusted
    return data


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
