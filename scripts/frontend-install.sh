#!/usr/bin/env bash
# Install the front-end packages exactly as package-lock.json pins them.
set -eu
if ! command -v npm >/dev/null 2>&1; then
  echo "!! npm is missing: apt-get install -y nodejs npm (front-end features need it)." >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
