"""Check types, one module per area, each registering with `@check` (registry: labs/checks.py)."""
