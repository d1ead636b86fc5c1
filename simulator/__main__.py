"""`python -m simulator ...`: the command line (see simulator/_cli.py)."""

from __future__ import annotations

import sys

from simulator._cli import main

if __name__ == "__main__":
    sys.exit(main())
