"""Every component's type token is `rootguard:<module>:<ClassName>` (STYLE.md): tokens are
state identity, so a token that drifts from its module or class is caught here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pulumi
import rootguard.components as package


def _component_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(package.__path__) if not info.ispkg)


def test_type_tokens_follow_module_and_class_names() -> None:
    checked = []
    for module_name in _component_modules():
        module = importlib.import_module(f"{package.__name__}.{module_name}")
        classes = [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, pulumi.ComponentResource) and cls.__module__ == module.__name__
        ]
        for cls in classes:
            assert getattr(module, "TYPE", None) == f"rootguard:{module_name}:{cls.__name__}", (
                module_name
            )
            checked.append(cls.__name__)
    assert {"AccountBaseline", "RootGuardRule", "RootSigninAlarm"} <= set(checked)
