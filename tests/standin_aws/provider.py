"""A stand-in `pulumi-resource-aws` for tests that drive the real Pulumi engine offline.

The real pulumi-aws provider cannot be built here (its Go module replaces the Terraform
provider with a local submodule), and it would need credentials anyway. This test double
speaks the same resource-provider gRPC protocol, so the engine, the language SDK and the
policy packs around it are the real ones:

- CheckConfig checks the provider's `region`; Configure records the provider's account
  and region (from `assumeRoles`/`allowedAccountIds` and `region`, as rootguard places
  resources);
- Check echoes the inputs and fills in auto-names as the real provider does in Check (so a
  preview knows them), keeping the name a resource already has;
- Create/Update echo the inputs and invent what AWS computes (ids, ARNs with the
  provider's account and the resource's region) from `rootguard.engine.aws`, the same
  answers as `rootguard plan`; a preview leaves them unknown; Diff compares inputs, and a
  change of physical name or region replaces;
- Read answers an import or refresh with the state it is given; Delete forgets;
- Invoke answers getCallerIdentity, getRegion, getPartition, getPolicyDocument, ...

Nothing is stored: every answer follows from the request, so two runs answer alike and a
second `pulumi up` sees no change. Run as the engine runs a provider:
`pulumi-resource-aws <engine address>`; it prints its port and serves until killed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import sys
from collections.abc import Mapping
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from rootguard.engine.aws import AwsMocks, auto_name, reveal


def _sdk_version() -> str:
    try:
        return importlib.metadata.version("pulumi_aws")
    except importlib.metadata.PackageNotFoundError:
        return "7.0.0"


PROVIDER_VERSION = _sdk_version()
"""The installed pulumi-aws SDK's version, which the engine expects of the provider (it
warns on a mismatch, and does not enforce it for a provider found on PATH or through
Pulumi.yaml `plugins: providers:`)."""

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")


def package_schema() -> dict[str, Any]:
    """A schema naming every pulumi-aws resource type (no properties): enough for code
    generation that refers to aws resources (`pulumi package gen-sdk` of a component that
    takes or returns them), with pulumi-aws's package names per language. The Go import
    path is STANDIN_AWS_GO_SDK (default: pulumi-aws's own, sdk/v7)."""
    try:
        spec = importlib.util.find_spec("pulumi_aws")
        text = Path(spec.origin).read_text(encoding="utf-8") if spec and spec.origin else ""
    except (ImportError, OSError):
        text = ""
    tokens = sorted(set(re.findall(r'"(aws:[A-Za-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+)": "', text)))
    go_sdk = os.environ.get("STANDIN_AWS_GO_SDK", "github.com/pulumi/pulumi-aws/sdk/v7")
    return {
        "name": "aws",
        "version": PROVIDER_VERSION,
        # pulumi-aws's rule: module `cfg/recorder` of `aws:cfg/recorder:Recorder` is `cfg`.
        "meta": {"moduleFormat": "(.*)(?:/[^/]*)"},
        "resources": {token: {"properties": {}, "inputProperties": {}} for token in tokens},
        "language": {
            "nodejs": {"packageName": "@pulumi/aws"},
            "go": {"importBasePath": f"{go_sdk}/go/aws"},
            "python": {"packageName": "pulumi_aws"},
        },
    }


def _plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(struct)


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return struct


def _failure(prop: str, reason: str) -> provider_pb2.CheckFailure:
    return provider_pb2.CheckFailure(property=prop, reason=reason)


class StandInAws(provider_pb2_grpc.ResourceProviderServicer):
    """One provider instance: the engine starts a process per aws provider resource."""

    def __init__(self) -> None:
        self.config: dict[str, str] = {}
        self.mocks = AwsMocks(config={}, preview=False)

    # --- plugin and provider configuration ------------------------------------------------
    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=PROVIDER_VERSION)

    def GetSchema(self, request: Any, context: Any) -> Any:
        return provider_pb2.GetSchemaResponse(schema=json.dumps(package_schema()))

    def CheckConfig(self, request: Any, context: Any) -> Any:
        news = _plain(request.news)
        failures = []
        region = reveal(news.get("region"))
        if isinstance(region, str) and not _REGION.match(region):
            failures.append(_failure("region", f"{region!r} is not an AWS region"))
        elif region is None and "region" not in news:
            failures.append(_failure("region", "missing region: set aws:region or region"))
        return provider_pb2.CheckResponse(inputs=request.news, failures=failures)

    def DiffConfig(self, request: Any, context: Any) -> Any:
        return self._diff(_plain(request.olds), _plain(request.news), replace_keys=())

    def Configure(self, request: Any, context: Any) -> Any:
        config = {
            key if ":" in key else f"aws:{key}": value for key, value in request.variables.items()
        }
        args = _plain(request.args)
        for key, value in args.items():
            config.setdefault(f"aws:{key}", value if isinstance(value, str) else json.dumps(value))
        self.config = config
        self.mocks = AwsMocks(config=config, preview=False)
        return provider_pb2.ConfigureResponse(
            acceptSecrets=True, supportsPreview=True, acceptResources=True
        )

    # --- resources ------------------------------------------------------------------------
    def Check(self, request: Any, context: Any) -> Any:
        news = _plain(request.news)
        olds = _plain(request.olds)
        failures = []
        region = reveal(news.get("region"))
        if isinstance(region, str) and not _REGION.match(region):
            failures.append(_failure("region", f"{region!r} is not an AWS region"))
        named = auto_name(request.type or _type(request.urn), _name(request.urn), request.urn, news)
        for key, value in named.items():
            # A resource keeps the name it was given on creation.
            news[key] = olds.get(key, value)
        return provider_pb2.CheckResponse(inputs=_struct(news), failures=failures)

    def Diff(self, request: Any, context: Any) -> Any:
        news = _plain(request.news)
        if request.HasField("old_inputs"):
            olds = _plain(request.old_inputs)
        else:  # an older engine: the old outputs hold computed keys too; compare the inputs
            olds = {k: v for k, v in _plain(request.olds).items() if k in news}
        named = auto_name(_type(request.urn), _name(request.urn), request.urn, {})
        return self._diff(olds, news, replace_keys=(*named, "region"))

    def Create(self, request: Any, context: Any) -> Any:
        inputs = _plain(request.properties)
        id_, outputs = self._answer(request.urn, inputs, preview=request.preview)
        return provider_pb2.CreateResponse(id=id_ or "", properties=_struct(outputs))

    def Update(self, request: Any, context: Any) -> Any:
        inputs = _plain(request.news)
        _, outputs = self._answer(request.urn, inputs, preview=request.preview, id_=request.id)
        return provider_pb2.UpdateResponse(properties=_struct(outputs))

    def Read(self, request: Any, context: Any) -> Any:
        # An import (no state given) or a refresh: the resource is as the state says.
        properties = _plain(request.properties) or {"id": request.id}
        inputs = _plain(request.inputs) or {k: v for k, v in properties.items() if k != "id"}
        return provider_pb2.ReadResponse(
            id=request.id, properties=_struct(properties), inputs=_struct(inputs)
        )

    def Delete(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any) -> Any:
        result = self.mocks.invoke(request.tok, _plain(request.args), None)
        return provider_pb2.InvokeResponse(**{"return": _struct(result)})

    def Cancel(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    # --- helpers --------------------------------------------------------------------------
    def _answer(
        self, urn: str, inputs: dict[str, Any], *, preview: bool, id_: str | None = None
    ) -> tuple[str | None, dict[str, Any]]:
        self.mocks.preview = preview
        found_id, computed = self.mocks.answer(
            urn=urn,
            type_=_type(urn),
            name=_name(urn),
            custom=True,
            provider=None,
            inputs=inputs,
            existing_id=id_,
        )
        return found_id, {**inputs, **computed}

    @staticmethod
    def _diff(olds: Mapping[str, Any], news: Mapping[str, Any], replace_keys: Any) -> Any:
        changed = sorted(k for k in set(olds) | set(news) if olds.get(k) != news.get(k))
        changed = [k for k in changed if k not in ("id", "urn")]
        if not changed:
            return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)
        replaces = [k for k in changed if k in replace_keys]
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME, diffs=changed, replaces=replaces
        )


def _type(urn: str) -> str:
    return urn.split("::")[2].rsplit("$", 1)[-1]


def _name(urn: str) -> str:
    return urn.split("::", 3)[3]


def main() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(StandInAws(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
