"""Tests of the sandbox driver, its attacks, and the host-side file handling."""
