#!/usr/bin/env bash
# Build static/build from node_modules (vendored files are never committed).
set -eu
node scripts/build-frontend.mjs
