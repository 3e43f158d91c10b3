"""Vietnamese administrative-unit name normalisation.

Plain Python (``unicodedata`` and ``re``), no third-party imports.

* :func:`split_kind` separates the kind prefix ("Xã", "Phường", "Thị trấn",
  "Huyện", "Thị xã", "Thành phố", "Quận" and their abbreviations) from the bare name.
* :func:`name_key` gives a matching key: NFC, lower case, single spaces, kind prefix
  removed and the tone mark placed by one fixed rule, so that the old and new
  spelling conventions ("Hoà"/"Hòa", "Thuỵ"/"Thụy", "Khoá"/"Khóa", "Uỷ"/"Ủy") give
  the same key. "đ" stays "đ".
* :func:`ascii_key` is the same key without any diacritics and with "đ" -> "d", for
  names typed without diacritics.
* :func:`suggest` returns the closest candidate names.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

__all__ = [
    "COMMUNE_KINDS",
    "DISTRICT_KINDS",
    "ascii_key",
    "name_key",
    "split_kind",
    "suggest",
]

COMMUNE_KINDS = ("xa", "phuong", "thi_tran")
DISTRICT_KINDS = ("huyen", "thi_xa", "thanh_pho", "quan")

# Combining tone marks (the five Vietnamese tones other than level).
_TONE_MARKS = {
    "\u0300",  # grave: huyền
    "\u0301",  # acute: sắc
    "\u0303",  # tilde: ngã
    "\u0309",  # hook above: hỏi
    "\u0323",  # dot below: nặng
}
_VOWELS = set("aăâeêioôơuưy")
_MARKED_VOWELS = set("ăâêôơư")

# Full-word prefixes, longest first. Each word of the prefix may be written with its
# correct diacritics or entirely without diacritics (compared word by word).
_WORD_PREFIXES: tuple[tuple[str, str], ...] = (
    ("thị trấn", "thi_tran"),
    ("thị xã", "thi_xa"),
    ("thành phố", "thanh_pho"),
    ("phường", "phuong"),
    ("huyện", "huyen"),
    ("quận", "quan"),
    ("xã", "xa"),
)
# Abbreviations (matched on the lower-cased, diacritic-free text).
_ABBREVIATIONS = (
    (re.compile(r"tt\.\s*"), "thi_tran"),
    (re.compile(r"tx\.\s*"), "thi_xa"),
    (re.compile(r"tp\.\s*"), "thanh_pho"),
    (re.compile(r"x\.\s*"), "xa"),
    (re.compile(r"p\.\s*"), "phuong"),
    (re.compile(r"h\.\s*"), "huyen"),
    (re.compile(r"q\.\s*"), "quan"),
    (re.compile(r"tt\s+"), "thi_tran"),
)

_SPACES = re.compile(r"\s+")


def _clean(name: object) -> str:
    """NFC, trimmed, internal whitespace collapsed to single spaces."""
    if name is None:
        return ""
    text = unicodedata.normalize("NFC", str(name))
    return _SPACES.sub(" ", text).strip()


def _fold_char(ch: str) -> str:
    """One NFC character without diacritics ('đ' -> 'd'); may return ''."""
    if ch in "đĐ":
        return "d" if ch == "đ" else "D"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base


def _fold(text: str) -> str:
    return "".join(_fold_char(ch) for ch in text)


def _word_matches(word: str, proper: str) -> bool:
    return word == proper or word == _fold(proper)


def split_kind(name: object) -> tuple[str | None, str]:
    """Split a unit name into ``(kind, bare_name)``.

    ``kind`` is one of "xa", "phuong", "thi_tran" (communes) or "huyen", "thi_xa",
    "thanh_pho", "quan" (districts), or ``None`` when the name has no recognised
    prefix. The bare name is NFC with single spaces, original case kept.

    A prefix written with diacritics must be spelled correctly ("Xã"), or it must be
    written entirely without diacritics ("Xa"); "Xá Lượng" is therefore a bare name,
    not "Xã Lượng". A prefix alone ("Xã") is returned as a bare name.
    """
    text = _clean(name)
    if not text:
        return None, ""
    lower = text.lower()
    words = lower.split(" ")
    for prefix, kind in _WORD_PREFIXES:
        pwords = prefix.split(" ")
        n = len(pwords)
        if len(words) <= n:
            continue
        if all(_word_matches(w, p) for w, p in zip(words[:n], pwords)):
            bare = " ".join(text.split(" ")[n:])
            return kind, bare
    # Abbreviations. Fold character by character so indices stay aligned with `text`
    # (NFC Vietnamese letters are single code points; stray combining marks fold to '').
    folded_chars = [_fold_char(ch).lower() or "\0" for ch in text]
    folded = "".join(c if len(c) == 1 else c[0] for c in folded_chars)
    for pattern, kind in _ABBREVIATIONS:
        m = pattern.match(folded)
        if m and m.end() < len(text):
            # The abbreviation letters must really be plain ASCII letters in the input
            # (e.g. "X." but not "Xã." mistaken for "X.").
            head = text[: m.end()].rstrip()
            if not head.isascii():
                continue
            bare = text[m.end():].strip()
            if bare:
                return kind, bare
    return None, text


def _place_tone(word: str) -> str:
    """Remove the tone mark from a lower-case NFC word and put it back on the vowel
    chosen by one fixed rule, so that every spelling convention gives one result."""
    decomposed = unicodedata.normalize("NFD", word)
    tone = ""
    kept = []
    for ch in decomposed:
        if ch in _TONE_MARKS:
            tone = tone or ch
        else:
            kept.append(ch)
    bare = unicodedata.normalize("NFC", "".join(kept))
    if not tone:
        return bare
    positions = [i for i, ch in enumerate(bare) if ch in _VOWELS]
    if not positions:
        return unicodedata.normalize("NFC", bare + tone)
    # Onsets "qu" and "gi" (before another vowel): their u / i is not in the nucleus.
    if bare.startswith("qu") and len(positions) > 1 and positions[0] == 1:
        positions = positions[1:]
    elif bare.startswith("gi") and len(positions) > 1 and positions[0] == 1:
        positions = positions[1:]
    # Nucleus: the first run of consecutive vowels.
    nucleus = [positions[0]]
    for p in positions[1:]:
        if p == nucleus[-1] + 1:
            nucleus.append(p)
        else:
            break
    marked = [p for p in nucleus if bare[p] in _MARKED_VOWELS]
    if marked:
        target = marked[-1]
    elif len(nucleus) == 1:
        target = nucleus[0]
    else:
        closed = nucleus[-1] < len(bare) - 1
        if closed:
            target = nucleus[-1]
        elif len(nucleus) >= 3:
            target = nucleus[1]
        elif bare[nucleus[0]: nucleus[0] + 2] in ("oa", "oe", "uy"):
            # The two conventions differ only here; the key uses the second vowel.
            target = nucleus[1]
        else:
            target = nucleus[0]
    out = bare[: target + 1] + tone + bare[target + 1:]
    return unicodedata.normalize("NFC", out)


_KEY_JUNK = re.compile(r"[\s\-_,;:/\\()\[\]'\"`’‘“”]+")


def _base_key(name: object) -> str:
    _kind, bare = split_kind(name)
    text = _KEY_JUNK.sub(" ", bare.lower()).strip()
    # A trailing dot ("Hưng Lộc.") is noise; dots inside ("P.1") are kept.
    text = text.rstrip(".").strip()
    return " ".join(_place_tone(w) for w in text.split(" ") if w)


def name_key(name: object) -> str:
    """Matching key: NFC, lower case, single spaces, kind prefix removed, tone mark
    placement unified. "Phường Đông Vĩnh" -> "đông vĩnh"; "Xã Nghi Hoà" and
    "Nghi Hòa" give the same key. Numbers stay: "Phường 1" -> "1"."""
    return _base_key(name)


def ascii_key(name: object) -> str:
    """:func:`name_key` without diacritics and with "đ" -> "d": "Xã Hữu Kiệm" and
    "xa huu kiem" both give "huu kiem"."""
    return _fold(_base_key(name))


def suggest(name: object, candidates: list[str], n: int = 3) -> list[str]:
    """The (at most ``n``) candidates closest to ``name``, best first, compared on
    their :func:`ascii_key` with :mod:`difflib`. Returns original candidate strings."""
    if n <= 0 or not candidates:
        return []
    target = ascii_key(name)
    if not target:
        return []
    by_key: dict[str, list[str]] = {}
    for cand in candidates:
        by_key.setdefault(ascii_key(cand), []).append(cand)
    keys = difflib.get_close_matches(target, list(by_key), n=n, cutoff=0.6)
    out: list[str] = []
    for key in keys:
        for cand in by_key[key]:
            if cand not in out:
                out.append(cand)
    return out[:n]
