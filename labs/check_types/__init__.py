"""Check types beyond `labs/checks.py`: one module per area, each registering with `@check`."""
