"""Example pipelines shipped with the simulator (used by labs, tests and benchmarks)."""

from pathlib import Path

SIX_STAGE = Path(__file__).parent / "six_stage"
"""Source, build, parallel unit tests + security scan, staging blue/green, approval, canary."""
