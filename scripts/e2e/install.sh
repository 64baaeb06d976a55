#!/usr/bin/env bash
# Installs what the end-to-end test needs into .e2e/ (gitignored), offline except
# for the Debian mirror and the npm registry:
#   - Debian packages: a toolchain for code-server's native modules, ripgrep, chromium
#   - code-server 4.100.3 (= VS Code 1.100.3, the last line that runs on Node 20)
#   - @vscode/vsce, to package the extension as a .vsix
# Idempotent: every step checks whether it is already done. Safe to re-run.
# Usage: bash scripts/e2e/install.sh        (E2E_DIR overrides the target folder)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
E2E_DIR=${E2E_DIR:-$ROOT/.e2e}
CS_VERSION=4.100.3
VSCE_VERSION=3.9.2
RG_PKG_VERSION=1.15.11   # @vscode/ripgrep version in code-server's lib/vscode/npm-shrinkwrap.json
RG_TAG=v13.0.0-10        # VERSION in @vscode/ripgrep/lib/postinstall.js
CS_MOD="$E2E_DIR/cs/node_modules/code-server"
t0=$(date +%s)
say() { echo "[e2e-install $(( $(date +%s) - t0 ))s] $*"; }
mkdir -p "$E2E_DIR"

# 1. Debian packages. Skip apt entirely when everything is already there.
DEBS=(build-essential python3 pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev ripgrep chromium)
missing=()
for p in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages present"
fi

# 2. code-server from npm.
# node_modules.asar is a link that only code-server's postinstall makes: proof that it ran.
cs_ok() {
  [ -x "$E2E_DIR/cs/node_modules/.bin/code-server" ] &&
  [ -L "$CS_MOD/lib/vscode/node_modules.asar" ] &&
  [ -f "$CS_MOD/lib/vscode/node_modules/node-pty/build/Release/pty.node" ] &&
  [ -x "$CS_MOD/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] &&
  [ "$(node -p "require('$CS_MOD/package.json').version" 2>/dev/null)" = "$CS_VERSION" ]
}
if cs_ok; then
  say "code-server $CS_VERSION present"
else
  # @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable). It skips the
  # download when it finds this cached tarball, so seed it with Debian's rg.
  export TMPDIR=${TMPDIR:-/tmp}
  RG_CACHE="$TMPDIR/vscode-ripgrep-cache-$RG_PKG_VERSION"
  mkdir -p "$RG_CACHE"
  rgtmp=$(mktemp -d); cp /usr/bin/rg "$rgtmp/rg"
  tar czf "$RG_CACHE/ripgrep-$RG_TAG-x86_64-unknown-linux-musl.tar.gz" -C "$rgtmp" rg
  rm -rf "$rgtmp"

  mkdir -p "$E2E_DIR/cs"
  cd "$E2E_DIR/cs"
  [ -f package.json ] || echo '{"name":"t2i-e2e-code-server","private":true}' > package.json
  # nodedir: node-gyp uses the installed Node headers instead of downloading them.
  # unsafe_perm: code-server's postinstall refuses to run as root without it.
  # yes: node-pty's postinstall runs `npx node-gyp`, which must not prompt.
  export npm_config_nodedir=/usr npm_config_unsafe_perm=true npm_config_yes=true
  # npm 11's "allowScripts" policy flags dependency install scripts it was not told about
  # (this npm still runs them with a warning; stricter setups skip them). code-server needs
  # its postinstall: it runs `npm install` inside lib/vscode and lib/vscode/extensions, whose
  # native modules (node-pty, spdlog, ...) build in their own install scripts. An allow-list
  # cannot reach those nested installs (each is its own project, and --allow-scripts is
  # refused there), so this pinned, throwaway tool folder opts out of the policy for this one
  # install. Older npm ignores the setting. cs_ok below checks that the postinstall ran.
  export npm_config_dangerously_allow_all_scripts=true
  say "npm install code-server@$CS_VERSION (builds native modules; a few minutes)"
  npm install --no-audit --no-fund --no-save "code-server@$CS_VERSION" 2>&1 | tail -20
  cs_ok || {
    echo "code-server install incomplete: its postinstall did not finish (no lib/vscode/node_modules.asar)," >&2
    echo "or node-pty's pty.node or ripgrep's rg is missing. npm's 'allowScripts' policy may have skipped it." >&2
    exit 1
  }
  say "code-server installed"
fi

# 3. vsce, to package the extension offline. A separate folder, not the project.
if [ -x "$E2E_DIR/tools/node_modules/.bin/vsce" ]; then
  say "vsce present"
else
  mkdir -p "$E2E_DIR/tools"
  cd "$E2E_DIR/tools"
  [ -f package.json ] || echo '{"name":"t2i-e2e-tools","private":true}' > package.json
  # vsce's optional keytar wants to build natively; packaging does not need it.
  npm install --no-audit --no-fund --omit=optional "@vscode/vsce@$VSCE_VERSION" 2>&1 | tail -5
  [ -x node_modules/.bin/vsce ] || { echo "vsce install failed" >&2; exit 1; }
  say "vsce installed"
fi

[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium missing" >&2; exit 1; }
say "done: $(du -sh "$E2E_DIR" 2>/dev/null | cut -f1) in $E2E_DIR"
