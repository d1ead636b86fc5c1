"""Each corpus file, broken in known ways, gets the expected code at the expected line."""

from __future__ import annotations

import pytest

from simulator import check
from tests.simulator.corpus import corpus_files
from tests.simulator.mutations import Mutant, mutants_for

MUTANTS: list[Mutant] = [m for path in corpus_files() for m in mutants_for(path)]


def test_every_corpus_file_is_mutated() -> None:
    sources = {m.source for m in MUTANTS}
    missing = [p.name for p in corpus_files() if p.name not in sources]
    assert not missing


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.source[:60]}:{m.name}")
def test_mutant_reported_at_expected_line(mutant: Mutant) -> None:
    kind = "pipeline" if mutant.code.startswith("PL") else "auto"
    report = check(mutant.text, kind, filename=mutant.source)
    hits = [(f.code, f.line) for f in report.findings]
    assert (mutant.code, mutant.line) in hits, [f.to_text() for f in report.findings]
