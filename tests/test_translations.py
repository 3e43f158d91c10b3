"""The English catalogue covers every Vietnamese UI string, is compiled, and keeps placeholders.

No database needed: these tests read babel.cfg, the sources and planner/translations only.
"""
import gettext
import re
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "planner" / "translations" / "en" / "LC_MESSAGES"
PO_FILE = CATALOGUE / "messages.po"
MO_FILE = CATALOGUE / "messages.mo"

# The same keywords as `pybabel extract -k _l -k lazy_gettext`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

UPDATE_HOWTO = (
    "Update the English catalogue (from the project root):\n"
    "  .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o /tmp/messages.pot . && "
    ".venv/bin/pybabel update -i /tmp/messages.pot -d planner/translations && "
    ".venv/bin/pybabel compile -d planner/translations\n"
    "then write the English msgstr of each new entry in "
    "planner/translations/en/LC_MESSAGES/messages.po (remove any '#, fuzzy' flag) and compile again."
)

# A %-placeholder with its conversion, e.g. %(name)s, %(line)d, %(rate).1f.
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _source_messages():
    """msgid (str, or (singular, plural) tuple) -> ['path:line', ...] extracted from the sources."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, str(ROOT / "babel.cfg"))
    found = defaultdict(list)
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS,
    ):
        assert context is None, f"{filename}:{lineno}: message contexts are not supported here"
        found[message].append(f"{filename}:{lineno}")
    return found


def _read_po():
    with open(PO_FILE, "rb") as fileobj:
        return read_po(fileobj, locale="en")


def _entries(catalog):
    return [m for m in catalog if m.id]


@pytest.fixture(scope="module")
def catalog():
    assert PO_FILE.exists(), f"{PO_FILE.relative_to(ROOT)} is missing.\n{UPDATE_HOWTO}"
    return _read_po()


def test_every_source_string_has_an_english_translation(catalog):
    source = _source_messages()
    assert "Đăng xuất" in source, "extraction found nothing: is babel.cfg still right?"
    by_id = {m.id: m for m in _entries(catalog)}

    missing = sorted((mid, where) for mid, where in source.items() if mid not in by_id)
    untranslated = sorted(
        m.id for m in _entries(catalog)
        if m.id in source and (
            m.fuzzy
            or (not all(m.string) if isinstance(m.string, (list, tuple)) else not m.string)
        )
    )
    problems = []
    if missing:
        problems.append(f"{len(missing)} source string(s) not in the English catalogue:")
        problems += [f"  {mid!r}  ({', '.join(where[:3])})" for mid, where in missing]
    if untranslated:
        problems.append(f"{len(untranslated)} entr(ies) with an empty or fuzzy English msgstr:")
        problems += [f"  {mid!r}" for mid in untranslated]
    assert not problems, "\n".join(problems + ["", UPDATE_HOWTO])


def _as_dict(translations):
    # GNUTranslations keeps its messages in _catalog: msgid -> msgstr, (msgid, n) -> plural form n.
    # The header entry ("") holds dates and comments only, so it is left out.
    return {key: value for key, value in translations._catalog.items() if key != ""}


def test_compiled_mo_matches_the_po(tmp_path, catalog):
    assert MO_FILE.exists(), (
        f"{MO_FILE.relative_to(ROOT)} is missing: run .venv/bin/pybabel compile -d planner/translations"
    )
    fresh = tmp_path / "messages.mo"
    with open(fresh, "wb") as fileobj:
        write_mo(fileobj, catalog)  # like `pybabel compile`: fuzzy entries are left out
    with open(fresh, "rb") as fileobj:
        expected = _as_dict(gettext.GNUTranslations(fileobj))
    with open(MO_FILE, "rb") as fileobj:
        committed = _as_dict(gettext.GNUTranslations(fileobj))

    stale = sorted(
        (repr(key), repr(committed.get(key)), repr(value))
        for key, value in expected.items() if committed.get(key) != value
    )
    extra = sorted(repr(key) for key in committed.keys() - expected.keys())
    lines = [f"  {key}: compiled {old} but the .po says {new}" for key, old, new in stale[:20]]
    lines += [f"  {key}: in the .mo but no longer in the .po" for key in extra[:20]]
    assert not lines, (
        "messages.mo is out of date with messages.po; run "
        ".venv/bin/pybabel compile -d planner/translations\n" + "\n".join(lines)
    )


def _pairs(message):
    """(source text, translated text) pairs to compare; plural forms are compared with the plural msgid."""
    if isinstance(message.id, (list, tuple)):
        singular, plural = message.id
        strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
        return [(singular if n == 0 else plural, s) for n, s in enumerate(strings)]
    return [(message.id, message.string)]


def test_placeholders_are_kept(catalog):
    wrong = []
    dummy = defaultdict(lambda: 1)
    for message in _entries(catalog):
        for source, translated in _pairs(message):
            if not translated:
                continue  # reported by the coverage test
            want = sorted({m.group(0) for m in PLACEHOLDER.finditer(source)})
            got = sorted({m.group(0) for m in PLACEHOLDER.finditer(translated)})
            if want != got:
                wrong.append(f"  {source!r}\n    -> {translated!r}: placeholders {got}, expected {want}")
                continue
            # Templates format every message (Jinja's newstyle gettext), so if the source string formats
            # cleanly, a stray '%' in the translation would break the page.
            try:
                source % dummy
            except (TypeError, ValueError, KeyError):
                continue
            try:
                translated % dummy
            except (TypeError, ValueError, KeyError) as exc:
                wrong.append(f"  {source!r}\n    -> {translated!r}: cannot be %-formatted ({exc})")
    assert not wrong, "Translations must keep exactly the placeholders of their msgid:\n" + "\n".join(wrong)
