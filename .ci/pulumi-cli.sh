#!/usr/bin/env bash
# `make pulumi-cli`: the real Pulumi CLI and the language hosts the engine tests need, in
# .tools/pulumi/bin/ (git-ignored). Uses a `pulumi` already on PATH when it is recent
# enough; otherwise builds the pinned versions from the Go module proxy. The Go module and
# build caches live outside the clone (go env GOMODCACHE GOCACHE), so a second build, even
# from a fresh clone, only links. See docs/engine-tests.md.
#
# Why build from a copy: the modules' go.mod files replace their sibling modules with local
# folders (`replace github.com/pulumi/pulumi/sdk/v3 => ../sdk`), which `go install m@v`
# refuses. We copy each downloaded module, drop those replaces, require the siblings at the
# same version and `go build`, stamping the version the way Pulumi's release build does.
set -euo pipefail

# The Pulumi CLI. The Python SDK in use is pulumi 3.272.0, but the module proxy does not
# serve pkg/v3 between v3.260.0 and v3.274.0; v3.274.1 is the nearest served patch
# release. A CLI newer than the SDK is the supported direction (the engine speaks every
# older SDK's protocol; an older engine may lack what a newer SDK asks for).
PULUMI_VERSION="${PULUMI_VERSION:-3.274.1}"
# The YAML language host (github.com/pulumi/pulumi-yaml), for the multi-language test, built
# with the pulumi/pkg version its go.mod pins (v1.25.0 does not compile against v3.274's API).
PULUMI_YAML_VERSION="${PULUMI_YAML_VERSION:-1.25.0}"
# A `pulumi` on PATH is used from this version on: executable policy packs (our stand-in
# for the Python language host's pack launcher, see docs) arrived in v3.255.0.
MIN_PULUMI_VERSION="3.255.0"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/.tools/pulumi"
BIN="$TOOLS/bin"
SRC="$TOOLS/src"
export GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false"
VERSION_PKG="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"

say() { printf '[pulumi-cli] %s\n' "$*"; }

version_at_least() { # version_at_least HAVE WANT: HAVE >= WANT (both X.Y.Z, no leading v)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

cli_version() { "$1" version 2>/dev/null | sed 's/^v//' || true; }

# 1. Already built here, at the pinned version?
if [ -x "$BIN/pulumi" ] && [ "$(cli_version "$BIN/pulumi")" = "$PULUMI_VERSION" ] \
   && [ -x "$BIN/pulumi-language-yaml" ] && [ -x "$BIN/pulumi-sdkgen" ]; then
  say "up to date: $BIN/pulumi v$PULUMI_VERSION"
  exit 0
fi

# 2. A recent enough `pulumi` on PATH (an official install ships its language hosts beside it).
if [ "${PULUMI_CLI_BUILD:-0}" != 1 ] && ON_PATH="$(command -v pulumi 2>/dev/null)" \
   && [ "$ON_PATH" != "$BIN/pulumi" ]; then
  HAVE="$(cli_version "$ON_PATH")"
  if [ -n "$HAVE" ] && version_at_least "$HAVE" "$MIN_PULUMI_VERSION"; then
    mkdir -p "$BIN"
    for tool in "$(dirname "$ON_PATH")"/pulumi*; do
      ln -sf "$tool" "$BIN/$(basename "$tool")"
    done
    say "using $ON_PATH (v$HAVE >= v$MIN_PULUMI_VERSION); set PULUMI_CLI_BUILD=1 to build instead"
    exit 0
  fi
  say "ignoring $ON_PATH: v${HAVE:-unknown} is older than v$MIN_PULUMI_VERSION"
fi

command -v go >/dev/null || { say "error: go is not on PATH (Go 1.26 or newer is needed)"; exit 2; }
mkdir -p "$BIN" "$SRC"
: >"$TOOLS/build.log"
START=$SECONDS

# module_copy MODULE VERSION: a writable copy of the downloaded module; prints its path.
module_copy() {
  local dir dest
  dir="$(go mod download -json "$1@$2" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [ -n "$dir" ] || return 1
  dest="$SRC/$(basename "${1%/v3}")-$2"
  rm -rf "$dest"
  cp -r "$dir" "$dest"
  chmod -R u+w "$dest"
  printf '%s\n' "$dest"
}

# logged COMMAND...: run quietly into build.log; on failure show its tail and stop.
logged() {
  if ! "$@" >>"$TOOLS/build.log" 2>&1; then
    say "failed: $* (last lines of $TOOLS/build.log:)"
    tail -n 20 "$TOOLS/build.log" >&2
    exit 1
  fi
}

# go_build DIR PACKAGE OUTPUT [LDFLAGS]: `go build` with a progress line every 200 packages;
# compiler errors are shown, and a failed build stops with a line naming what failed.
go_build() {
  local total n=0 begin=$SECONDS line
  total="$(cd "$1" && go list -deps "$2" 2>>"$TOOLS/build.log" | wc -l)"
  say "compiling $(basename "$3"): $total packages (a cold build takes many minutes on 2 cores)"
  (cd "$1" && go build -v -ldflags "${4:-}" -o "$3" "$2" 2>&1) \
    | while IFS= read -r line; do
        case "$line" in
          \#*|*.go:[0-9]*) printf '%s\n' "$line" ;;
          *) n=$((n + 1))
             if [ $((n % 200)) -eq 0 ]; then
               say "  $n/$total packages compiled ($((SECONDS - begin))s)"
             fi ;;
        esac
      done
  if [ "${PIPESTATUS[0]}" -ne 0 ] || [ ! -x "$3" ]; then
    say "failed: go build $2 in $1"
    exit 1
  fi
}

say "downloading github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION and its dependencies"
PKG="$(module_copy github.com/pulumi/pulumi/pkg/v3 "v$PULUMI_VERSION")"
cd "$PKG"
logged go mod edit -dropreplace=github.com/pulumi/pulumi/sdk/v3
logged go get "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
cd "$ROOT"
go_build "$PKG" ./cmd/pulumi "$BIN/pulumi" "-X $VERSION_PKG=v$PULUMI_VERSION"
say "built $BIN/pulumi: $("$BIN/pulumi" version)"

say "downloading github.com/pulumi/pulumi-yaml@v$PULUMI_YAML_VERSION"
YAML="$(module_copy github.com/pulumi/pulumi-yaml "v$PULUMI_YAML_VERSION")"
go_build "$YAML" ./cmd/pulumi-language-yaml "$BIN/pulumi-language-yaml"
say "built $BIN/pulumi-language-yaml"

# Pulumi's TypeScript and Go code generators, for the multi-language test: `pulumi package
# gen-sdk --language nodejs|go` runs them inside the Node.js and Go language hosts, which the
# proxy does not serve either; tests/engine/sdkgen drives the same packages of pkg/v3.
go_build "$ROOT/tests/engine/sdkgen" . "$BIN/pulumi-sdkgen"
say "built $BIN/pulumi-sdkgen"

# The Python language host is a module of its own in pulumi/pulumi. When the proxy serves it,
# build it with the executor script it runs (shipped in the sdk module) beside it; when it
# does not, the engine tests run Python programs through the Automation API (the SDK serves
# the language runtime in-process) and start Python packs with an executable launcher.
PYHOST=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
if PYDIR_ERR="$(go mod download -json "$PYHOST@v$PULUMI_VERSION" 2>&1)"; then
  PY="$(module_copy "$PYHOST" "v$PULUMI_VERSION")"
  cd "$PY"
  logged go mod edit -dropreplace=github.com/pulumi/pulumi/sdk/v3 \
    -dropreplace=github.com/pulumi/pulumi/pkg/v3
  logged go get "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" \
    "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION"
  cd "$ROOT"
  go_build "$PY" . "$BIN/pulumi-language-python" "-X $VERSION_PKG=v$PULUMI_VERSION"
  SDK="$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" \
         | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  install -m 0755 "$SDK/python/cmd/pulumi-language-python-exec" "$BIN/"
  say "built $BIN/pulumi-language-python"
else
  WHY="$(printf '%s' "$PYDIR_ERR" | sed -n 's/.*"Error": ".*: \([0-9][0-9][0-9] [^"]*\)".*/\1/p' \
        | sed 's/\\n\\t/ /g' | head -n1)"
  say "not built: $PYHOST@v$PULUMI_VERSION: the module proxy answers ${WHY:-an error}"
  say "the engine tests use the Automation API and the pack launcher instead (docs/engine-tests.md)"
fi

say "done in $((SECONDS - START))s: $(ls "$BIN" | tr '\n' ' ')"
