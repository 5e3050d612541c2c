"""The command line's shared behaviour: version, one-line usage errors, exit codes."""

import subprocess
import sys

import pytest

from rootguard import __version__
from rootguard.cli import main


def test_cli_version_prints_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"rootguard {__version__}"


def test_cli_unknown_command_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "frobnicate" in err


def test_cli_python_dash_m_runs_same_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rootguard", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"rootguard {__version__}"
