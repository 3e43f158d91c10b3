"""One declared range for every whole number the planner stores, is typed, sent or imported.

Forms, the JSON API, the phone's entries, CSV/XLSX imports and URL parameters all read numbers
through `parse_whole` / `bounded_int` and check them against the ranges below, so no figure can
overflow the column it is stored in, nor an aggregate over that column:

- counts of people of a unit (coverage, denominators) stay at most PEOPLE.hi = 10^8 (more than
  Viet Nam's population) in 32-bit columns: any per-row expression over them (a sum of three
  columns) fits 32 bits, and SUM over 32-bit columns is 64-bit on PostgreSQL and SQLite;
- money (đồng) and stored sums (a province's target, an enrolment day, a reconciliation) are in
  64-bit columns (BigInteger), their ranges far inside 2^63 even summed over millions of rows;
- ids are 32-bit: a URL or parameter beyond ID.hi names no row (404 for a path, 400 for a
  parameter), it never reaches the database.

Parsing is ASCII only: "²" and "①" pass str.isdigit() and "٣" passes int(); none of them is a
number a user meant to type here. `COLUMNS` names the range of every integer column that is not
an id; tests/test_limits.py checks that every such column is declared and that its range fits.
"""
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

INT32_MAX = 2 ** 31 - 1  # PostgreSQL integer
INT64_MAX = 2 ** 63 - 1  # PostgreSQL bigint; every SQLite integer


@dataclass(frozen=True)
class Range:
    lo: int
    hi: int

    def __contains__(self, value):
        return isinstance(value, int) and not isinstance(value, bool) and self.lo <= value <= self.hi


ID = Range(1, INT32_MAX)                # primary keys and references (32-bit columns)
YEAR = Range(2000, 2100)                # plan, denominator and coverage years
PEOPLE = Range(0, 100_000_000)          # people of one unit, a commune up to the province
ENTRY_COUNT = Range(0, 1_000_000)       # people, households or receipts of one field entry
MONEY = Range(0, 10 ** 12)              # đồng of one entry or one cash handover (64-bit)
HANDOVER = Range(1, MONEY.hi)           # a cash handover is more than nothing
TOTAL = Range(0, 10 ** 15)              # a stored sum: a province's collection target in đồng,
                                        # an enrolment day, a reconciliation (64-bit)
VERSION = Range(1, INT32_MAX)           # optimistic-locking versions and revision numbers
PAGE = Range(1, 1_000_000)              # page numbers in lists
OFFSET = Range(0, 10 ** 9)              # offsets of the JSON lists
HOPS = Range(1, 100)                    # crosswalk chain length

# Every integer column that is not an id or a reference, with its range ("table.column").
COLUMNS = {
    "commune.lost_state_hi_people": PEOPLE,
    "denominator.year": YEAR,
    "denominator.population": PEOPLE,
    "denominator.labour_force": PEOPLE,
    "coverage_record.hi_participants": PEOPLE,
    "coverage_record.si_compulsory": PEOPLE,
    "coverage_record.si_voluntary": PEOPLE,
    "coverage_record.ui_participants": PEOPLE,
    "crosswalk_link.hops": HOPS,
    "target.year": YEAR,
    "target.people": TOTAL,
    "target.denominator": TOTAL,
    "target.revision": VERSION,
    "target.version": VERSION,
    "target_revision.revision": VERSION,
    "target_revision.people": TOTAL,
    "conference.attendees": ENTRY_COUNT,
    "conference.attendees_men": ENTRY_COUNT,
    "conference.attendees_women": ENTRY_COUNT,
    "conference.attendees_ethnic_minority": ENTRY_COUNT,
    "conference.reg_voluntary_si": ENTRY_COUNT,
    "conference.reg_household_hi": ENTRY_COUNT,
    "conference.prospects": ENTRY_COUNT,
    "conference.cost_vnd": MONEY,
    "activity.household_visits": ENTRY_COUNT,
    "activity.new_voluntary_si": ENTRY_COUNT,
    "activity.new_household_hi": ENTRY_COUNT,
    "activity.renewed_household_hi": ENTRY_COUNT,
    "activity.amount_collected_vnd": MONEY,
    "activity.receipts_issued": ENTRY_COUNT,
    "activity.receipts_amount_vnd": MONEY,
    "enrolment_day.new_participants": TOTAL,
    "cash_handover.amount_vnd": HANDOVER,
    "reconciliation.collected_vnd": TOTAL,
    "reconciliation.receipts_vnd": TOTAL,
    "reconciliation.handed_vnd": TOTAL,
}


class NumberError(ValueError):
    """Not a whole number in its field's range. str() is the Vietnamese message naming the field;
    `reason` is the same without the field's name (for a message shown under the field itself)."""

    def __init__(self, field, reason):
        super().__init__(field, reason)
        self.field = field
        self.reason = reason

    def __str__(self):  # built when shown, so the language is the reader's
        if self.field:
            return f"{self.field}: {self.reason}"
        text = str(self.reason)
        return text[:1].upper() + text[1:]

    @property
    def message(self):
        return str(self)

    @property
    def short(self):
        """The reason alone, capitalised: for a message shown right under the field."""
        text = str(self.reason)
        return text[:1].upper() + text[1:]


_PLAIN = re.compile(r"[+-]?[0-9]+")
_DIGITS = re.compile(r"[0-9]+")
# 1.234.567, 1,234,567 or 1 234 567 (the same separator throughout)
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{3})+|[+-]?[0-9]{1,3}(?:,[0-9]{3})+|[+-]?[0-9]{1,3}(?: [0-9]{3})+")


def show(number):
    """1234567 -> '1.234.567': the Vietnamese way, in messages whatever the language."""
    return f"{number:,}".replace(",", ".")


def parse_whole(value, field=""):
    """A whole number from an int, a float with no fraction, or text of ASCII digits with an optional
    sign and thousands separators (1.234.567, 1,234,567, 1 234 567). Raises NumberError."""
    if isinstance(value, bool):
        raise NumberError(field, _l("phải là số nguyên."))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or not value.is_integer():
            raise NumberError(field, _l("phải là số nguyên."))
        return int(value)
    if not isinstance(value, str):
        raise NumberError(field, _l("phải là số nguyên."))
    text = value.strip().replace("\u00a0", " ")
    if len(text) > 40:
        raise NumberError(field, _l("phải là số nguyên."))
    if _GROUPED.fullmatch(text):
        text = text.replace(".", "").replace(",", "").replace(" ", "")
    if not _PLAIN.fullmatch(text):
        raise NumberError(field, _l("phải là số nguyên (chỉ gồm các chữ số 0–9)."))
    return int(text)


def check(number, field, rng):
    """number itself when it lies in rng, else NumberError saying the range."""
    if number < rng.lo or number > rng.hi:
        if rng.lo == 0 and number < 0:
            raise NumberError(field, _l("không được âm."))
        if number > rng.hi:
            raise NumberError(field, _l("số quá lớn, tối đa %(hi)s.", hi=show(rng.hi)))
        raise NumberError(field, _l("phải từ %(lo)s đến %(hi)s.", lo=show(rng.lo), hi=show(rng.hi)))
    return number


def bounded_int(value, field, rng):
    """parse_whole(value) checked against rng (a Range): the one way a number enters the planner."""
    return check(parse_whole(value, field), field, rng)


def maybe_int(value, rng):
    """value (an int, or plain ASCII digits) as an int in rng, or None: for a key that names a
    row (an id, a version) and may come as anything; what names no row finds none."""
    if isinstance(value, str):
        text = value.strip()
        if not _DIGITS.fullmatch(text) or len(text) > 40:
            return None
        value = int(text)
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not rng.lo <= value <= rng.hi:
        return None
    return value
