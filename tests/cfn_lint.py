"""cfn-lint as the tests run it on CloudFormation templates: errors and warnings are
problems, informational findings are not."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from cfnlint.api import lint


@functools.cache
def _problems(body: str, regions: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        f"{match.rule.id} line {match.linenumber}: {match.message}"
        for match in lint(body, regions=list(regions))
        if match.rule.id[0] in "EW"
    )


def cfn_lint_problems(body: str, regions: Sequence[str]) -> tuple[str, ...]:
    """cfn-lint's errors and warnings for `body`, linted for `regions`."""
    return _problems(body, tuple(regions))
