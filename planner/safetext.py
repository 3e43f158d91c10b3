"""User text made safe to keep and to hand out, in one place.

- Saved text never holds a control character (\\x00-\\x1f but tab, line feed and carriage
  return): every Session strips them from the text columns of the records it flushes, whatever
  wrote them (forms, imports, the API, the command line). They cannot be typed, they only come
  from pasted or generated text, and a spreadsheet cannot hold them (openpyxl refuses them).
- Exported text is text: an XLSX cell holding user text is a string cell even when the text
  starts with "=" (openpyxl would write a formula), marked "quote prefix" so Excel keeps it text
  when the cell is edited; a CSV field starting with = + - @ tab or carriage return gets a
  leading apostrophe, the usual defence against formula injection in spreadsheets opening CSV.

The exporters write rows through append_row (XLSX) and csv_row (CSV).
"""
import re

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session

# Control characters but \t \n \r (the ones XML 1.0, and so XLSX, cannot hold) and DEL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What makes a spreadsheet read a cell as a formula (or, for CSV, what some programs do).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(text):
    """text without control characters (None and non-text unchanged)."""
    if isinstance(text, str) and CONTROL.search(text):
        return CONTROL.sub("", text)
    return text


def has_control(text):
    return isinstance(text, str) and CONTROL.search(text) is not None


def looks_like_formula(text):
    return isinstance(text, str) and text.startswith(FORMULA_START)


# --- exports ------------------------------------------------------------------------------

def spreadsheet_value(value):
    """A value ready for an openpyxl cell: text cleaned of control characters."""
    return clean(value)


def append_row(ws, values):
    """ws.append(values) with every text cell written as text: no control character, and a text
    that starts like a formula kept as a string (data type "s", quote prefix), never a formula."""
    ws.append([spreadsheet_value(v) for v in values])
    for cell in ws[ws.max_row]:
        if looks_like_formula(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
    return ws.max_row


def csv_field(value):
    """A CSV field: text cleaned, and a leading = + - @ tab or CR neutralised by an apostrophe."""
    value = clean(value)
    if looks_like_formula(value):
        return "'" + value
    return value


def csv_row(values):
    return [csv_field(v) for v in values]


# --- saving -------------------------------------------------------------------------------

_TEXT_COLUMNS = {}


def _is_text(column_type):
    # SQLModel's AutoString is a TypeDecorator over String
    return isinstance(column_type, String) or isinstance(getattr(column_type, "impl", None), String)


def _text_columns(mapper):
    found = _TEXT_COLUMNS.get(mapper)
    if found is None:
        found = _TEXT_COLUMNS[mapper] = tuple(
            attr.key for attr in mapper.column_attrs
            if len(attr.columns) == 1 and _is_text(attr.columns[0].type))
    return found


def _before_flush(session, _flush_context, _instances):
    for obj in list(session.new) + list(session.dirty):
        state = inspect(obj)
        values = state.dict
        for key in _text_columns(state.mapper):
            value = values.get(key)
            if isinstance(value, str) and CONTROL.search(value):
                setattr(obj, key, CONTROL.sub("", value))


_installed = False


def install():
    """Strip control characters from the text columns of every record any Session flushes."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _before_flush)
        _installed = True
