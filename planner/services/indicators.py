"""Indicators, one definition each. The published figures must come out of these formulas."""


def _ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def hi_coverage(hi_participants, population):
    """HI coverage = HI participants / population."""
    return _ratio(hi_participants, population)


def si_coverage(si_compulsory, si_voluntary, labour_force):
    """SI coverage = (SI compulsory + SI voluntary) / working-age labour force."""
    if si_compulsory is None and si_voluntary is None:
        return None
    return _ratio((si_compulsory or 0) + (si_voluntary or 0), labour_force)


def ui_coverage(ui_participants, labour_force):
    """UI coverage = UI participants / working-age labour force."""
    return _ratio(ui_participants, labour_force)


def gap_people(target_rate, denominator, participants):
    """People still needed: target rate x denominator - participants, floored at 0."""
    if target_rate is None or denominator is None:
        return None
    return max(0, round(target_rate * denominator - (participants or 0)))


def denominator_from_rate(participants, rate):
    """The denominator implied by a published head count and rate (385,931 = 24.9% -> 1,549,924)."""
    if not rate:
        return None
    return round(participants / rate)
