"""One conversion of the stack for all stack policies.

pulumi-policy's `AnalyzeStack` turns every resource of the request (its properties and its
provider's) from protobuf into Python values once *per stack policy*: the pack's twelve stack
policies paid for twelve conversions of a 5,901-resource stack (about 0.7 s each at 50
accounts x 17 regions, most of the stack phase). `share_stack_conversion()` makes those
conversions happen once per `AnalyzeStack` call: while a call runs, the SDK's
`MessageToDict`, `deserialize_properties`, `unknown_checking_proxy` and provider lookup
answer from a cache that lives for that call only, on that thread (Analyze calls on
other threads are untouched). Every policy still gets its own `PolicyResource` objects and
the same values as before; policies only read them, so sharing the values is safe.

The cache keys `MessageToDict` by the message's deterministic serialization (equal
content, equal answer), and the two later steps by the identity of the object the step
before returned, which the cache keeps alive until the call ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from pulumi_policy import policy as sdk

_local = threading.local()


class _Cache:
    def __init__(self) -> None:
        self.dicts: dict[bytes, Any] = {}
        self.deserialized: dict[int, tuple[Any, Any]] = {}  # id(input) -> (input, output)
        self.proxies: dict[int, tuple[Any, Any]] = {}
        self.providers: dict[bytes, Any] = {}


def _active() -> _Cache | None:
    return getattr(_local, "cache", None)


class _JsonFormat:
    """`json_format` as the SDK module sees it, with `MessageToDict` cached during a call."""

    def __getattr__(self, name: str) -> Any:
        return getattr(json_format, name)

    @staticmethod
    def MessageToDict(message: Any, *args: Any, **kwargs: Any) -> Any:
        cache = _active()
        if cache is None or args or kwargs:
            return json_format.MessageToDict(message, *args, **kwargs)
        kind = type(message).__name__.encode()
        key = kind + b"\0" + message.SerializeToString(deterministic=True)
        if key not in cache.dicts:
            cache.dicts[key] = json_format.MessageToDict(message)
        return cache.dicts[key]


def _by_identity(
    function: Callable[..., Any], table: Callable[[_Cache], dict[int, tuple[Any, Any]]]
) -> Callable[..., Any]:
    def cached(value: Any, *args: Any, **kwargs: Any) -> Any:
        cache = _active()
        if cache is None or args or kwargs:  # e.g. Remediate's `proxy_secrets=True`: as is
            return function(value, *args, **kwargs)
        entries = table(cache)
        hit = entries.get(id(value))
        if hit is None or hit[0] is not value:
            hit = entries[id(value)] = (value, function(value))
        return hit[1]

    return cached


def share_stack_conversion() -> None:
    """Install the per-call cache into pulumi-policy's servicer (idempotent)."""
    servicer = sdk._PolicyAnalyzerServicer
    if getattr(servicer, "_rootguard_shared_stack", False):
        return
    analyze_stack = servicer.AnalyzeStack
    provider_resource = servicer._get_provider_resource

    def shared_analyze_stack(self: Any, request: Any, context: Any) -> Any:
        _local.cache = _Cache()
        try:
            return analyze_stack(self, request, context)
        finally:
            _local.cache = None

    def shared_provider_resource(self: Any, request: Any) -> Any:
        cache = _active()
        if cache is None or not request.HasField("provider"):
            return provider_resource(self, request)
        key = request.provider.SerializeToString(deterministic=True)
        if key not in cache.providers:
            cache.providers[key] = provider_resource(self, request)
        return cache.providers[key]

    sdk.json_format = _JsonFormat()
    sdk.deserialize_properties = _by_identity(sdk.deserialize_properties, lambda c: c.deserialized)
    sdk.unknown_checking_proxy = _by_identity(sdk.unknown_checking_proxy, lambda c: c.proxies)
    servicer.AnalyzeStack = shared_analyze_stack  # type: ignore[method-assign]
    servicer._get_provider_resource = shared_provider_resource  # type: ignore[method-assign]
    servicer._rootguard_shared_stack = True  # type: ignore[attr-defined]
    servicer._rootguard_unshared_analyze_stack = analyze_stack  # type: ignore[attr-defined]


def analyze_stack_unshared(servicer: Any, request: Any) -> Any:
    """`AnalyzeStack` as the SDK runs it without the cache (for comparison in tests)."""
    original = getattr(type(servicer), "_rootguard_unshared_analyze_stack", None)
    return (original or type(servicer).AnalyzeStack)(servicer, request, None)
