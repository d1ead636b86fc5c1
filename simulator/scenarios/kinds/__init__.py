"""Scenario kinds beyond build, deploy and pipeline: one module each, exposing `run(context)`."""
