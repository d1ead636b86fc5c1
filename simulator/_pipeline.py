"""Pipeline rules (PL0xx): get-pipeline JSON and CloudFormation pipelines (fact sheet section 6)."""

# Importing a module registers its rules. Findings at one position come out in registration
# order, so this order is part of the checker's output: keep it (isort would sort the names).
# isort: off
from simulator import (  # noqa: F401  (register rules)
    _pipeline_structure,
    _pipeline_actions,
    _pipeline_artifacts,
    _pipeline_v2,
    _pipeline_providers,
    _pipeline_conditions,
)

# isort: on
