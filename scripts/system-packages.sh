#!/usr/bin/env bash
# Install the Debian packages the project needs when they are missing:
#   graphviz (dot diagrams), bubblewrap (the simulator's sandbox), chromium (browser tests),
#   python3 and zip (used by commands inside the sandbox).
# Installs when it can (root, or passwordless sudo); otherwise says exactly what to run.
set -u
need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# The simulator's tool stand-ins run inside the sandbox with the system's Python.
[ -x /usr/bin/python3 ] || need+=(python3)
command -v zip >/dev/null 2>&1 || need+=(zip)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "!! Missing system packages: ${need[*]}. This is not a Debian system: install them with your package manager." >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "!! Missing system packages: ${need[*]}." >&2
    echo "!! Run: sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
    echo "!! Until then: diagrams show as text, lab runs are refused (no sandbox), browser tests fail." >&2
    exit 0
  fi
fi
echo ">> Installing system packages: ${need[*]}"
$sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null \
  || echo "!! apt-get could not install ${need[*]}; run it by hand: apt-get install -y ${need[*]}" >&2
exit 0
