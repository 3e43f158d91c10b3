"""Split a parent's head count across its children so that they sum to it exactly.

Rules:
- "population": proportional to each child's denominator (population or labour force);
- "gap": each child keeps what it has and the people still needed are shared in proportion to
  the people each child still has uncovered (denominator - actual);
- "uplift": every child's rate rises by the same number of points (capped at 100%);
- "manual": the given values, unchanged (the page shows any mismatch with the parent).
Every rule rounds by largest remainder, so the integers always sum to the parent exactly.
"""
from dataclasses import dataclass
from typing import Optional

RULES = ("population", "gap", "uplift", "manual")


@dataclass
class Child:
    key: object
    denominator: int = 0  # population or labour force; 0 when unknown
    actual: int = 0  # participants now
    manual: Optional[int] = None


def largest_remainder(shares, total):
    """Round non-negative real shares to integers summing exactly to total (total >= 0)."""
    if total <= 0 or not shares:
        return [0] * len(shares)
    s = sum(shares)
    if s <= 0:
        shares = [1.0] * len(shares)
        s = float(len(shares))
    scaled = [x * total / s for x in shares]
    floors = [int(x) for x in scaled]
    short = total - sum(floors)
    order = sorted(range(len(scaled)), key=lambda i: (scaled[i] - floors[i], -i), reverse=True)
    for i in order[:short]:
        floors[i] += 1
    return floors


def _capped_uplift(children, total):
    """Real shares actual_i + u * d_i summing to total, capped at d_i (or floored at 0)."""
    values = [float(c.actual) for c in children]
    free = [i for i, c in enumerate(children) if c.denominator > 0]
    remaining = total - sum(values)
    for _ in range(len(children) + 1):
        if not free or abs(remaining) < 1e-9:
            break
        pool = sum(children[i].denominator for i in free)
        u = remaining / pool
        next_free = []
        for i in free:
            c = children[i]
            proposed = values[i] + u * c.denominator
            limit = c.denominator if u > 0 else 0
            if (u > 0 and proposed >= limit) or (u < 0 and proposed <= limit):
                remaining -= limit - values[i]
                values[i] = limit
            else:
                remaining -= proposed - values[i]
                values[i] = proposed
                next_free.append(i)
        free = next_free
    if abs(remaining) > 1e-6:
        # Every child capped (the parent exceeds all denominators): share the rest by denominator.
        weights = [c.denominator or 1 for c in children]
        w = sum(weights)
        values = [v + remaining * wi / w for v, wi in zip(values, weights)]
    return values


def allocate(rule, parent, children):
    """Integers, one per child in order, summing exactly to parent (except for "manual")."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    parent = max(0, int(round(parent)))
    if not children:
        return []
    if rule == "manual":
        return [max(0, int(c.manual or 0)) for c in children]
    if parent == 0:
        return [0] * len(children)
    if rule == "population":
        return largest_remainder([max(0, c.denominator) for c in children], parent)
    if rule == "gap":
        have = sum(c.actual for c in children)
        needed = parent - have
        uncovered = [max(0, c.denominator - c.actual) for c in children]
        if needed <= 0 or sum(uncovered) == 0:
            # Children already hold the parent's count (or nobody is uncovered): keep the
            # current shape, scaled to the parent.
            base = [max(0, c.actual) for c in children]
            if sum(base) == 0:
                base = [max(0, c.denominator) for c in children]
            return largest_remainder(base, parent)
        shares = [c.actual + needed * u / sum(uncovered) for c, u in zip(children, uncovered)]
        return largest_remainder(shares, parent)
    shares = _capped_uplift(children, parent)
    return largest_remainder([max(0.0, x) for x in shares], parent)
