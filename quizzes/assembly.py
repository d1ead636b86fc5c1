"""Draw exams to the blueprint: domain quotas by weight, then task quotas inside each domain.

Pure functions over ids (no database): the services hand in the pool, the weights and how often
each question was already used, so the same inputs and seed always give the same exam.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from core.exam import domain_label
from quizzes.scoring import domain_quotas


@dataclass
class Draw:
    """The question ids drawn (in exam order) and notes on any shortfall."""

    question_ids: list[int]
    notes: list[str] = field(default_factory=list)
    # Tasks short of questions whose seats went to the same domain's other tasks (for authors).
    task_notes: list[str] = field(default_factory=list)


def largest_remainder(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split `total` seats by weight (largest remainder; ties go to the smaller key)."""
    if not weights:
        return {}
    if sum(weights.values()) <= 0:
        weights = dict.fromkeys(weights, 1.0)
    weight_sum = sum(weights.values())
    exact = {k: total * w / weight_sum for k, w in weights.items()}
    quotas = {k: int(x) for k, x in exact.items()}
    left = total - sum(quotas.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - quotas[k]), k))[:left]:
        quotas[key] += 1
    return quotas


def _ordered(ids: Iterable[int], rng: random.Random, use_counts: Mapping[int, int]) -> list[int]:
    """Least-used first, random among equals (sorted first: the same seed, the same order)."""
    order = sorted(ids)
    rng.shuffle(order)
    return sorted(order, key=lambda q: use_counts.get(q, 0))  # stable: keeps the shuffle


def blueprint_draw(
    pool: Mapping[tuple[int, str], Iterable[int]],
    size: int,
    rng: random.Random,
    *,
    domains: Iterable[int] | None = None,
    task_weights: Mapping[str, float] | None = None,
    use_counts: Mapping[int, int] | None = None,
    shuffle: bool = True,
) -> Draw:
    """Draw `size` ids from `pool` ((domain, task) → ids) to the blueprint.

    Domains get their exam weight's share (one domain: all of it), each domain's seats are split
    over its tasks by `task_weights` (default: equal). A task short of questions is filled from
    the same domain's other tasks, a short domain from the other domains, each with a note.
    `use_counts` makes the draw prefer questions used least (spreading named exams over the bank).
    """
    use_counts = use_counts or {}
    task_weights = task_weights or {}
    wanted = sorted(set(domains)) if domains is not None else [1, 2, 3, 4]
    dom_quotas: dict[int, int]
    if len(wanted) == 1:
        dom_quotas = {wanted[0]: size}
    else:
        dom_quotas = {d: q for d, q in domain_quotas(size).items() if d in wanted}
        if len(wanted) < 4:  # re-split the chosen domains' weights over all seats
            shares = largest_remainder(size, {str(d): q for d, q in dom_quotas.items()})
            dom_quotas = {int(d): q for d, q in shares.items()}
    by_domain: dict[int, dict[str, list[int]]] = {d: {} for d in wanted}
    for (domain, task), ids in pool.items():
        if domain in by_domain:
            by_domain[domain].setdefault(task, []).extend(ids)
    chosen: list[int] = []
    taken: set[int] = set()
    notes: list[str] = []
    task_notes: list[str] = []
    domain_short = 0
    for domain in wanted:
        quota = dom_quotas.get(domain, 0)
        tasks = by_domain[domain]
        weights = {t: float(task_weights.get(t, 1.0)) for t in tasks if tasks[t]}
        quotas = largest_remainder(quota, weights) if weights else {}
        got = 0
        spare: list[int] = []
        for task in sorted(quotas):
            ordered = _ordered(set(tasks[task]) - taken, rng, use_counts)
            pick = ordered[: quotas[task]]
            if len(pick) < quotas[task]:
                task_notes.append(
                    f"Task {task} has {len(pick)} question(s) for {quotas[task]} place(s)."
                )
            spare.extend(ordered[quotas[task] :])
            chosen.extend(pick)
            taken.update(pick)
            got += len(pick)
        if got < quota and spare:
            # A thin task: the domain's other tasks fill its seats (least used first).
            extra = _ordered(set(spare) - taken, rng, use_counts)[: quota - got]
            chosen.extend(extra)
            taken.update(extra)
            got += len(extra)
        if got < quota:
            domain_short += quota - got
            notes.append(
                f"Domain {domain_label(domain)} has {got} question(s) for {quota} place(s); "
                f"{quota - got} place(s) were filled from other domains."
            )
    if domain_short:
        leftovers = [
            q for d in wanted for ids in by_domain[d].values() for q in ids if q not in taken
        ]
        extra = _ordered(set(leftovers), rng, use_counts)[:domain_short]
        chosen.extend(extra)
        taken.update(extra)
        if len(extra) < domain_short:
            notes.append(
                f"The bank has only {len(chosen)} question(s) to draw from: this test has "
                f"{len(chosen)} instead of {size}."
            )
    if shuffle:
        rng.shuffle(chosen)
    return Draw(chosen, notes, task_notes)


def exam_draw(pool: dict[int, list[int]], size: int, rng: random.Random) -> Draw:
    """Domain-only draw (each domain one task): `pool` is domain → ids."""
    return blueprint_draw({(d, str(d)): ids for d, ids in pool.items()}, size, rng)
