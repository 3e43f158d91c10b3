"""Nghệ An in its four hierarchy versions, from the real files, with synthetic monthly coverage:
shared by the reform browser tests (tests/browser/test_atlas_reforms.py) and the benchmark
bench/bench_reforms.py.

    2019 (480 units)        2019-01-01 – 2019-12-31   communes-2019.geojson
    2020–2024 (460 units)   2020-01-01 – 2024-11-30   communes-2020-2024.geojson
    12/2024 (412 units)     2024-12-01 – 2025-06-30   communes-2024-12.geojson
    07/2025 (130 units)     2025-07-01 –               communes-2025-07.geojson (office areas)

Each version is imported with hierarchy.import_version (units, boundaries, 2019 census), the
crosswalks between them with hierarchy.import_crosswalk (which derives the chained links).
Coverage is written for each month on the version in force that month only (bulk inserts),
generated from the 2019 census so that every version's figures describe the same province.
"""
from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert, select, update

from planner.models import (
    Commune, CoverageRecord, CrosswalkLink, Denominator, District, HierarchyVersion, User, UserCommune,
)

PROVINCE = ("40", "Tỉnh Nghệ An")
SOURCE = "synthetic coverage (reform tests)"

# (key, file, name, valid_from, valid_to); the key is the number of units.
VERSIONS = [
    ("480", "communes-2019.geojson", "2019 (480 xã)", date(2019, 1, 1), date(2019, 12, 31)),
    ("460", "communes-2020-2024.geojson", "2020–2024 (460 xã)", date(2020, 1, 1), date(2024, 11, 30)),
    ("412", "communes-2024-12.geojson", "12/2024–06/2025 (412 xã)", date(2024, 12, 1), date(2025, 6, 30)),
    ("130", "communes-2025-07.geojson", "Từ 07/2025 (130 xã)", date(2025, 7, 1), None),
]
CROSSWALKS = [
    ("crosswalk-2019-to-2020.csv", "480", "460"),
    ("crosswalk-2020-to-2024-12.csv", "460", "412"),
    ("crosswalk-2024-12-to-2025-07.csv", "412", "130"),
]


def months(first, last):
    """Every first-of-month from first to last (inclusive)."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


ALL_MONTHS = months(date(2019, 1, 1), date(2026, 11, 1))  # 95 months


def files_present(folder, keys=("460", "412", "130")):
    """True when the folder holds the files of those versions and the crosswalks between them."""
    folder = Path(folder)
    names = [f for k, f, *_r in VERSIONS if k in keys]
    names += [f for f, a, b in CROSSWALKS if a in keys and b in keys]
    return all((folder / n).is_file() for n in names)


def build(session, folder, *, keys=("460", "412", "130"), periods=ALL_MONTHS, seed=2025):
    """Import the versions named by keys (and the crosswalks between consecutive ones) from the
    files in folder, then coverage for each period on the version in force. Returns
    {key: HierarchyVersion}."""
    from planner.services import hierarchy

    folder = Path(folder)
    versions = {}
    for key, filename, name, valid_from, valid_to in VERSIONS:
        if key not in keys:
            continue
        version, _d, _c = hierarchy.import_version(
            session=session, path=folder / filename, name=name, valid_from=valid_from, valid_to=valid_to,
            province_code=PROVINCE[0], province_name=PROVINCE[1], population_year=2019)
        versions[key] = version
    for filename, old, new in CROSSWALKS:
        if old in versions and new in versions:
            data = (folder / filename).read_bytes()
            _n, errors = hierarchy.import_crosswalk(session=session, data=data, from_version=versions[old],
                                                    to_version=versions[new])
            if errors:
                raise RuntimeError(f"{filename}: {errors[:3]}")
    # The census gives population only: a working-age labour force of about 55 % of it.
    session.execute(update(Denominator).values(labour_force=func.round(Denominator.population * 0.55)))
    session.commit()
    add_coverage(session, versions, periods, seed=seed)
    return versions


def add_coverage(session, versions, periods, *, seed=2025):
    """HI, SI and UI participants for every commune of the version in force in each period.

    The oldest version's units get rates drawn from their codes; a newer unit inherits the
    population-weighted rates of the units it was made of, so a series moves smoothly across the
    reforms; each month adds a little growth and noise."""
    from planner.services import hierarchy

    rng = random.Random(seed)
    by_version, rates = {}, {}
    for version in sorted(versions.values(), key=lambda v: v.valid_from):
        rows = session.execute(
            select(Commune.id, Commune.code, Denominator.population, Denominator.labour_force)
            .join(Denominator, Denominator.commune_id == Commune.id)
            .where(Commune.version_id == version.id, Denominator.year == 2019).order_by(Commune.code)).all()
        # A unit's rates: the population-weighted mean of its predecessors' (official links from
        # the previous versions), else drawn from its code.
        inherited = {}
        for old_id, new_id, share in session.execute(
                select(CrosswalkLink.from_commune_id, CrosswalkLink.to_commune_id, CrosswalkLink.share)
                .join(Commune, Commune.id == CrosswalkLink.to_commune_id)
                .where(Commune.version_id == version.id, CrosswalkLink.hops == 1)).all():
            if old_id in rates:
                hi, si, weight = rates[old_id]
                acc = inherited.setdefault(new_id, [0.0, 0.0, 0.0])
                acc[0] += hi * weight * share
                acc[1] += si * weight * share
                acc[2] += weight * share
        units = []
        for cid, code, pop, labour in rows:
            if cid in inherited and inherited[cid][2]:
                hi_sum, si_sum, weight = inherited[cid]
                hi_rate, si_rate = hi_sum / weight, si_sum / weight
            else:
                hi_rate = random.Random(f"{seed}-{code}").uniform(0.80, 0.95)
                si_rate = random.Random(f"{seed}-si-{code}").uniform(0.12, 0.40)
            rates[cid] = (hi_rate, si_rate, pop)
            units.append((cid, code, pop, labour, hi_rate, si_rate))
        by_version[version.id] = units
    batch = []
    for period in periods:
        version = hierarchy.version_for(session=session, day=period)
        if version.id not in by_version:
            continue
        t = (period.year - 2019) * 12 + period.month - 1  # months since 01/2019
        for cid, _code, pop, labour, hi_rate, si_rate in by_version[version.id]:
            hi = min(pop, round(pop * min(0.995, hi_rate + t * 0.0003 + rng.uniform(-0.002, 0.002))))
            si = round(labour * si_rate * (1 + t * 0.004))
            compulsory = round(si * 0.6)
            batch.append({"commune_id": cid, "period": period, "hi_participants": hi, "si_compulsory": compulsory,
                          "si_voluntary": si - compulsory, "ui_participants": round(compulsory * 0.86),
                          "source": SOURCE})
        if len(batch) > 5000:
            session.execute(insert(CoverageRecord.__table__), batch)
            batch = []
    if batch:
        session.execute(insert(CoverageRecord.__table__), batch)
    session.commit()


def add_users(session, versions, password_hash, *, agent_code=None):
    """leader, admin, head-<code> for every office area of the newest version, and one agent of
    agent_code (a commune of the newest version). Returns {username: User}."""
    newest = versions[max(versions, key=lambda k: versions[k].valid_from)]
    users = {}

    def add(username, role, district_id=None, communes=()):
        user = User(username=username, role=role, password_hash=password_hash, district_id=district_id,
                    full_name=username)
        session.add(user)
        session.flush()
        for cid in communes:
            session.add(UserCommune(user_id=user.id, commune_id=cid))
        users[username] = user

    add("leader", "leader")
    add("admin", "admin")
    for district_id, code in session.execute(select(District.id, District.code)
                                             .where(District.version_id == newest.id)).all():
        add(f"head-{code}", "district_head", district_id)
    if agent_code:
        commune = session.execute(select(Commune).where(Commune.version_id == newest.id,
                                                        Commune.code == agent_code)).scalars().one()
        add(f"agent-{agent_code}", "agent", commune.district_id, [commune.id])
    session.commit()
    return users


def version_ids(session):
    """{number of units as text: version id} of the versions in the database."""
    out = {}
    for version in session.execute(select(HierarchyVersion)).scalars():
        count = session.execute(select(func.count(Commune.id)).where(Commune.version_id == version.id)).scalar()
        out[str(count)] = version.id
    return out
