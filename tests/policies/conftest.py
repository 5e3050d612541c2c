"""Isolate the Pulumi runtime config: placement falls back to `aws:region`, which other
tests in this process (the offline engine) may have set."""

from collections.abc import Iterator

import pulumi.runtime.config
import pytest


@pytest.fixture(autouse=True)
def isolated_pulumi_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    token = pulumi.runtime.config.CONFIG.set({})
    yield
    pulumi.runtime.config.CONFIG.reset(token)
