"""Draw an exam from the bank to the domain weights, filling a short domain from the others."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from core.exam import domain_label
from quizzes.scoring import domain_quotas


@dataclass
class Draw:
    """The question ids drawn (in exam order) and notes on any shortfall."""

    question_ids: list[int]
    notes: list[str] = field(default_factory=list)


def exam_draw(pool: dict[int, list[int]], size: int, rng: random.Random) -> Draw:
    """Sample `size` ids: each domain its largest-remainder quota, shortfalls from the rest."""
    quotas = domain_quotas(size)
    chosen: list[int] = []
    notes: list[str] = []
    shortfall = 0
    for domain, quota in sorted(quotas.items()):
        ids = sorted(pool.get(domain, []))  # sorted: the same seed draws the same exam
        chosen.extend(rng.sample(ids, min(quota, len(ids))))
        if len(ids) < quota:
            shortfall += quota - len(ids)
            notes.append(
                f"Domain {domain_label(domain)} has {len(ids)} question(s) for {quota} place(s); "
                f"{quota - len(ids)} place(s) were filled from other domains."
            )
    if shortfall:
        taken = set(chosen)
        leftovers = sorted(q for ids in pool.values() for q in ids if q not in taken)
        extra = rng.sample(leftovers, min(shortfall, len(leftovers)))
        chosen.extend(extra)
        if len(extra) < shortfall:
            notes.append(
                f"The bank has only {len(chosen)} published question(s): this exam has "
                f"{len(chosen)} instead of {size}."
            )
    rng.shuffle(chosen)
    return Draw(chosen, notes)
