"""The CLI that `make pulumi-cli` built (or found) is the pinned version, and offline."""

from __future__ import annotations

from pathlib import Path

from tests.engine.conftest import pinned_version, pulumi


def test_pulumi_version_is_the_pinned_version(engine_env: dict[str, str], cli_bin: Path) -> None:
    done = pulumi(engine_env, "version")
    assert done.returncode == 0, done.stderr
    version = done.stdout.strip()
    if (cli_bin / "pulumi").is_symlink():  # a recent enough `pulumi` from PATH was linked
        have = tuple(int(part) for part in version.lstrip("v").split("-")[0].split("."))
        assert have >= (3, 255, 0), version
    else:
        assert version == f"v{pinned_version()}"


def test_the_backend_is_the_local_file_backend(engine_env: dict[str, str]) -> None:
    done = pulumi(engine_env, "whoami", "--verbose")
    assert done.returncode == 0, done.stderr
    assert "file://" in done.stdout
