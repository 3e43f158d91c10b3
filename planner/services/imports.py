"""Import communes, classifications, denominators and coverage records from CSV or XLSX.

Every row is checked first and every problem collected; the rows are written only when there
is none and this is not a dry run, all in one transaction: an import writes all rows or none.
Row numbers are the ones the user sees in the spreadsheet (the header is row 1).
"""
import codecs
import csv
import difflib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from planner import safetext
from planner.models import (
    ClassificationMembership, ClassificationScheme, Commune, CoverageRecord, Denominator, District, limits,
)
from planner.services import scope
from planner.services.hierarchy import middle_label, middle_level
from planner.services.registry import current_version

KINDS = ("communes", "classifications", "denominators", "coverage")
MIN_YEAR, MAX_YEAR = limits.YEAR.lo, limits.YEAR.hi
REGION_SCHEME = "region_861"


@dataclass(frozen=True)
class Col:
    """A column of an import file: its canonical header and the other headers accepted for it."""
    name: str
    required: bool = True
    aliases: tuple = ()


_COMMUNE_CODE = Col("ma_xa", True, ("code", "commune_code", "ma", "ma_don_vi", "ma_phuong_xa"))
_SOURCE = Col("nguon", False, ("source", "nguon_so_lieu"))

COLUMNS = {
    "communes": (
        _COMMUNE_CODE,
        Col("ten_xa", True, ("name", "ten", "ten_don_vi", "ten_phuong_xa")),
        Col("loai", True, ("kind", "loai_xa", "cap")),
        Col("ma_huyen", True, ("district_code", "district", "ma_quan_huyen")),
        Col("so_nguoi_mat_the", False, ("lost_state_hi_people", "mat_the", "so_nguoi_mat_the_bhyt")),
    ),
    "classifications": (
        _COMMUNE_CODE,
        Col("danh_muc", True, ("scheme", "scheme_code", "ma_danh_muc")),
        Col("phan_loai", True, ("category", "khu_vuc", "gia_tri")),
        Col("tu_ngay", True, ("valid_from", "hieu_luc_tu", "ngay_bat_dau")),
        Col("den_ngay", False, ("valid_to", "hieu_luc_den", "ngay_ket_thuc")),
    ),
    "denominators": (
        _COMMUNE_CODE,
        Col("nam", True, ("year",)),
        Col("dan_so", True, ("population",)),
        Col("lao_dong", True, ("llld", "labour_force", "luc_luong_lao_dong", "lao_dong_trong_do_tuoi")),
        _SOURCE,
    ),
    "coverage": (
        _COMMUNE_CODE,
        Col("thang", True, ("month", "period", "ky")),
        Col("bhyt", True, ("hi", "hi_participants")),
        Col("bhxh_bb", True, ("si_compulsory", "bhxh_bat_buoc")),
        Col("bhxh_tn", True, ("si_voluntary", "bhxh_tu_nguyen")),
        Col("bhtn", True, ("ui", "ui_participants")),
        _SOURCE,
    ),
}

# Columns people keep for their own reading; they are read past, not reported.
IGNORED_COLUMNS = {"stt", "ghi_chu", "note", "ten_huyen", "ten_xa", "ten"}
# On a version whose middle level is the grassroots SI office area (from July 2025), ma_huyen
# holds the office area's code (the former district's code) and may be headed so.
OFFICE_ALIASES = {"ma_huyen": ("ma_bhxh_co_so", "ma_co_so", "ma_huyen_cu")}
OFFICE_IGNORED = {"ten_bhxh_co_so", "ten_co_so", "ten_huyen_cu"}

# One example row per kind, for the downloadable templates.
EXAMPLES = {
    "communes": ["16663", "Phường Đông Vĩnh", "phuong", "412", "0"],
    "classifications": ["16741", "region_861", "III", "01/01/2021", ""],
    "denominators": ["16663", "2024", "15000", "8000", "Cục Thống kê"],
    "coverage": ["16663", "12/2024", "14500", "1600", "400", "1300", "BHXH tỉnh"],
}

# The schemes an import may create on first use.
KNOWN_SCHEMES = {
    "region_861": dict(name="Khu vực I/II/III vùng đồng bào DTTS và miền núi",
                       legal_basis="Quyết định 861/QĐ-TTg", valid_from=date(2021, 1, 1),
                       valid_to=date(2025, 12, 31)),
    "coastal_353": dict(name="Xã đặc biệt khó khăn vùng bãi ngang ven biển",
                        legal_basis="Quyết định 353/QĐ-TTg", valid_from=date(2022, 1, 1),
                        valid_to=date(2025, 12, 31)),
    "poor_district": dict(name="Huyện nghèo", legal_basis="Quyết định 353/QĐ-TTg",
                          valid_from=date(2022, 1, 1), valid_to=date(2025, 12, 31)),
}

COMMUNE_KIND_WORDS = {
    "xa": "commune", "commune": "commune",
    "phuong": "ward", "ward": "ward",
    "thi_tran": "township", "township": "township", "tt": "township",
}
REGION_WORDS = {"i": "I", "1": "I", "ii": "II", "2": "II", "iii": "III", "3": "III"}
YES_WORDS = {"yes", "co", "x", "1", "true", "y"}


@dataclass
class RowError:
    row: Optional[int]  # None: the file as a whole
    column: str
    message: str


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    count: int = 0
    created: int = 0
    updated: int = 0
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    @property
    def written(self):
        return self.ok and not self.dry_run


class FileProblem(Exception):
    """The file cannot be read at all; one message says why."""

    def __init__(self, message, row=None):
        super().__init__(message)
        self.message = message
        self.row = row


class CellError(ValueError):
    """A cell's value is wrong; the message says how."""


# --- reading files ------------------------------------------------------------------------

def fold(text):
    """Lower-case ASCII form of a Vietnamese text: 'Mã xã' -> 'ma xa', 'LLLĐ' -> 'llld'."""
    text = str(text or "").replace("đ", "d").replace("Đ", "D")
    plain = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return plain.lower().strip()


def header_key(text):
    """The form a header is compared in: 'Mã xã' -> 'ma_xa', 'Số người mất thẻ' -> 'so_nguoi_mat_the'."""
    return re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_")


def _is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(filename, data):
    """Return (header cells, [(row number, cells), ...]) from CSV or XLSX bytes."""
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        rows = _xlsx_rows(data)
    elif name.endswith((".xls", ".ods", ".numbers")):
        raise FileProblem(_("Định dạng tệp không được hỗ trợ. Hãy lưu lại dạng CSV UTF-8 hoặc Excel (.xlsx)."))
    else:
        rows = _csv_rows(data)
    numbered = [(number, row) for number, row in enumerate(rows, start=1)]
    while numbered and all(_is_blank(v) for v in numbered[0][1]):
        numbered.pop(0)
    if not numbered:
        raise FileProblem(_("Tệp trống: không có dòng tiêu đề nào."))
    (header_row, header), body = numbered[0], numbered[1:]
    if header_row != 1:
        body = [(number - header_row + 1, row) for number, row in body]
    body = [(number, row) for number, row in body if not all(_is_blank(v) for v in row)]
    return list(header), body


def _csv_rows(data):
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise FileProblem(
            _("Tệp không phải UTF-8 (ký tự lạ ở dòng %(line)d). Hãy mở tệp bằng Excel và lưu lại "
              "dạng “CSV UTF-8 (Comma delimited)”, rồi tải lên lại.", line=line),
            row=line,
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise FileProblem(_("Không đọc được tệp CSV: %(reason)s", reason=str(exc))) from None


def _xlsx_rows(data):
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a corrupt or foreign file can fail in many ways inside openpyxl
        raise FileProblem(_("Không đọc được tệp Excel (.xlsx). Hãy kiểm tra tệp hoặc lưu lại dạng CSV UTF-8.")) from None
    try:
        if not workbook.worksheets:
            return []
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def map_headers(kind, header, office=False):
    """Match the file's headers to the kind's columns: ({canonical: index}, {canonical: shown}, errors).
    office: the current version's middle level is the office area (OFFICE_ALIASES apply)."""
    columns = COLUMNS[kind]
    lookup = {}
    for col in columns:
        lookup[col.name] = col.name
        for alias in col.aliases + (OFFICE_ALIASES.get(col.name, ()) if office else ()):
            lookup[header_key(alias)] = col.name
    ignored = IGNORED_COLUMNS | (OFFICE_IGNORED if office else set())
    index, shown, errors, unknown = {}, {}, [], []
    for i, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        key = header_key(text)
        name = lookup.get(key)
        if name is None:
            if key not in ignored:
                unknown.append((text, key))
            continue
        if name in index:
            errors.append(RowError(1, text, _("Cột “%(name)s” xuất hiện hai lần (trùng với cột “%(first)s”).",
                                               name=text, first=shown[name])))
            continue
        index[name] = i
        shown[name] = text
    missing = [col.name for col in columns if col.required and col.name not in index]
    suggested = set()
    office_only = {header_key(a): name for name, aliases in OFFICE_ALIASES.items() for a in aliases
                   if name in lookup} if not office else {}
    for text, key in unknown:
        if key in office_only and office_only[key] not in index:
            suggested.add(office_only[key])
            errors.append(RowError(1, text, _("Cột “%(name)s” chỉ dùng khi danh mục hiện hành chia theo BHXH cơ sở "
                                               "(từ 01/07/2025); danh mục hiện hành chia theo huyện: hãy ghi mã huyện "
                                               "ở cột “%(right)s”.", name=text, right=office_only[key])))
            continue
        close = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.6)
        target = lookup[close[0]] if close else None
        if target and target not in index:
            suggested.add(target)
            errors.append(RowError(1, text, _("Không nhận ra cột “%(name)s”. Có phải là “%(right)s”? "
                                               "Hãy sửa tên cột thành “%(right)s”.", name=text, right=target)))
        else:
            errors.append(RowError(1, text, _("Không nhận ra cột “%(name)s”. Các cột hợp lệ: %(valid)s.",
                                               name=text, valid=", ".join(c.name for c in columns))))
    for name in missing:
        if name not in suggested:
            errors.append(RowError(1, name, _("Thiếu cột bắt buộc “%(name)s”.", name=name)))
    return index, shown, errors


def template_csv(kind):
    """A CSV template (UTF-8 with BOM so Excel opens it right): the header and one example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safetext.csv_row([col.name for col in COLUMNS[kind]]))
    writer.writerow(safetext.csv_row(EXAMPLES[kind]))
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


# --- cells --------------------------------------------------------------------------------

def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_code(value, digits):
    """A GSO code of exactly `digits` digits; a number cell lost its leading zeros, so pad those."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value).zfill(digits)
    text = _text(value)
    if not re.fullmatch(r"[0-9]+", text) or len(text) != digits:
        raise CellError(_("Mã “%(code)s” không hợp lệ: phải gồm %(digits)d chữ số.", code=text, digits=digits))
    return text


def parse_count(value, *, rng=limits.PEOPLE):
    """A whole number in rng (a count of people unless said otherwise: planner.models.limits);
    accepts 1.234.567 / 1,234,567 thousands separators; ASCII digits only."""
    if isinstance(value, str):
        value = value.replace(" ", "").replace("\u00a0", "")
    try:
        number = limits.parse_whole(value)
    except limits.NumberError:
        raise CellError(_("“%(value)s” không phải là số nguyên.", value=_text(value)[:40])) from None
    if number < rng.lo:
        raise CellError(_("Giá trị %(value)s không được nhỏ hơn %(min)d.", value=number, min=rng.lo))
    if number > rng.hi:
        raise CellError(_("Giá trị %(value)s quá lớn: tối đa %(max)s.", value=limits.show(number)[:40],
                          max=limits.show(rng.hi)))
    return number


def parse_date(value):
    """dd/mm/yyyy or yyyy-mm-dd text, or a spreadsheet date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(_("Ngày “%(value)s” không hợp lệ: ghi dạng dd/mm/yyyy (ví dụ 01/01/2024).", value=text))


def parse_month(value):
    """A month as '12/2024', '2024-12' or a date; returns its first day."""
    if isinstance(value, (date, datetime)):
        day = value.date() if isinstance(value, datetime) else value
        return day.replace(day=1)
    text = _text(value)
    match = re.fullmatch(r"([0-9]{1,2})[/.-]([0-9]{4})", text) or None
    if match:
        month, year = int(match.group(1)), int(match.group(2))
    else:
        match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", text)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
        else:
            try:
                return parse_date(text).replace(day=1)
            except CellError:
                raise CellError(_("Tháng “%(value)s” không hợp lệ: ghi dạng mm/yyyy (ví dụ 12/2024).",
                                  value=text)) from None
    if not 1 <= month <= 12 or not MIN_YEAR <= year <= MAX_YEAR:
        raise CellError(_("Tháng “%(value)s” không hợp lệ: ghi dạng mm/yyyy (ví dụ 12/2024).", value=text))
    return date(year, month, 1)


def parse_commune_kind(value):
    kind = COMMUNE_KIND_WORDS.get(header_key(value))
    if kind is None:
        raise CellError(_("Loại “%(value)s” không hợp lệ: ghi Xã, Phường hoặc Thị trấn.", value=_text(value)))
    return kind


# --- checking rows ------------------------------------------------------------------------

class _Context:
    """What the checks need to know, loaded once per import."""

    def __init__(self, session, version, user):
        self.session = session
        self.version = version
        self.limit_district_id = None
        if user is not None and not scope.is_province_wide(user):
            self.limit_district_id = user.district_id if user.role == "district_head" else -1
        self.districts = {d.code: d for d in session.exec(
            select(District).where(District.version_id == version.id)).all()}
        self.communes = {c.code: c for c in session.exec(
            select(Commune).where(Commune.version_id == version.id)).all()}
        self.schemes = {s.code: s for s in session.exec(select(ClassificationScheme)).all()}
        self._population = None

    def population(self, commune_id, year):
        if self._population is None:
            rows = self.session.exec(
                select(Denominator.commune_id, Denominator.year, Denominator.population)
                .join(Commune, Commune.id == Denominator.commune_id)
                .where(Commune.version_id == self.version.id)
            ).all()
            self._population = {(cid, y): pop for cid, y, pop in rows}
        return self._population.get((commune_id, year))

    def in_scope(self, district_id):
        return self.limit_district_id is None or district_id == self.limit_district_id


class _Row:
    """One data row: typed values by canonical column, with errors collected as they come."""

    def __init__(self, number, cells, index, shown, errors):
        self.number, self.cells, self.index, self.shown, self.errors = number, cells, index, shown, errors
        self.ok = True

    def raw(self, name):
        i = self.index.get(name)
        if i is None or i >= len(self.cells):
            return None
        return self.cells[i]

    def blank(self, name):
        return _is_blank(self.raw(name))

    def error(self, name, message):
        self.ok = False
        self.errors.append(RowError(self.number, self.shown.get(name, name), message))

    def get(self, name, parser, *args, required=True, **kwargs):
        if self.blank(name):
            if required:
                self.error(name, _("Ô này không được để trống."))
            return None
        try:
            return parser(self.raw(name), *args, **kwargs)
        except CellError as exc:
            self.error(name, str(exc))
            return None

    def text(self, name, max_length, required=False):
        value = _text(self.raw(name))
        if required and not value:
            self.error(name, _("Ô này không được để trống."))
        elif len(value) > max_length:
            self.error(name, _("Dài quá %(max)d ký tự.", max=max_length))
        return value

    def commune(self, ctx):
        """The existing commune named by ma_xa, in the user's scope."""
        code = self.get("ma_xa", parse_code, 5)
        if code is None:
            return None
        commune = ctx.communes.get(code)
        if commune is None:
            self.error("ma_xa", _("Mã xã “%(code)s” không có trong danh mục hiện hành (%(version)s).",
                                  code=code, version=ctx.version.name))
            return None
        if not ctx.in_scope(commune.district_id):
            self.error("ma_xa", middle_label(ctx.version, "commune_not_yours", code=code))
            return None
        return commune


def _check_communes(row, ctx):
    code = row.get("ma_xa", parse_code, 5)
    name = row.text("ten_xa", 120, required=True)
    kind = row.get("loai", parse_commune_kind)
    district_code = row.get("ma_huyen", parse_code, 3)
    lost = row.get("so_nguoi_mat_the", parse_count, required=False)
    district = None
    if district_code is not None:
        district = ctx.districts.get(district_code)
        if district is None:
            row.error("ma_huyen", middle_label(ctx.version, "unknown_code", code=district_code,
                                               version=ctx.version.name))
        elif not ctx.in_scope(district.id):
            row.error("ma_huyen", middle_label(ctx.version, "not_yours", code=district_code))
    existing = ctx.communes.get(code) if code else None
    if existing is not None and not ctx.in_scope(existing.district_id):
        row.error("ma_xa", middle_label(ctx.version, "commune_not_yours", code=code))
    if not row.ok:
        return None, None
    return code, dict(code=code, name=name, kind=kind, district=district, lost=lost, existing=existing)


def _check_classifications(row, ctx):
    commune = row.commune(ctx)
    scheme_code = _text(row.raw("danh_muc")).lower()
    if not scheme_code:
        row.error("danh_muc", _("Ô này không được để trống."))
    elif scheme_code not in ctx.schemes and scheme_code not in KNOWN_SCHEMES:
        row.error("danh_muc", _("Danh mục “%(code)s” không xác định. Dùng: %(known)s.", code=scheme_code,
                                known=", ".join(sorted(set(ctx.schemes) | set(KNOWN_SCHEMES)))))
        scheme_code = None
    category = None
    raw_category = _text(row.raw("phan_loai"))
    if scheme_code is None:
        pass  # the category cannot be judged without its scheme
    elif not raw_category:
        row.error("phan_loai", _("Ô này không được để trống."))
    elif scheme_code == REGION_SCHEME:
        category = REGION_WORDS.get(header_key(raw_category).removeprefix("khu_vuc_"))
        if category is None:
            row.error("phan_loai", _("Khu vực “%(value)s” không hợp lệ: ghi I, II hoặc III.", value=raw_category))
    elif header_key(raw_category) in YES_WORDS:
        category = "yes"
    else:
        row.error("phan_loai", _("Giá trị “%(value)s” không hợp lệ: ghi “có” nếu xã thuộc danh mục.",
                                 value=raw_category))
    valid_from = row.get("tu_ngay", parse_date)
    valid_to = row.get("den_ngay", parse_date, required=False)
    if valid_from and valid_to and valid_to < valid_from:
        row.error("den_ngay", _("Ngày kết thúc phải sau ngày bắt đầu."))
    if not row.ok:
        return None, None
    return ((commune.code, scheme_code, valid_from),
            dict(commune=commune, scheme_code=scheme_code, category=category,
                 valid_from=valid_from, valid_to=valid_to))


def _check_denominators(row, ctx):
    commune = row.commune(ctx)
    year = row.get("nam", parse_count, rng=limits.Range(0, limits.INT64_MAX))
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        row.error("nam", _("Năm %(year)d nằm ngoài khoảng %(min)d–%(max)d.", year=year, min=MIN_YEAR, max=MAX_YEAR))
    population = row.get("dan_so", parse_count)
    labour = row.get("lao_dong", parse_count)
    if population is not None and labour is not None and labour > population:
        row.error("lao_dong", _("Lực lượng lao động trong độ tuổi (%(labour)s) lớn hơn dân số (%(population)s).",
                                labour=labour, population=population))
    source = row.text("nguon", 255)
    if not row.ok:
        return None, None
    return ((commune.code, year),
            dict(commune=commune, year=year, population=population, labour=labour, source=source))


def _check_coverage(row, ctx):
    commune = row.commune(ctx)
    period = row.get("thang", parse_month)
    counts = {name: row.get(name, parse_count) for name in ("bhyt", "bhxh_bb", "bhxh_tn", "bhtn")}
    source = row.text("nguon", 255)
    if commune is not None and period is not None and counts["bhyt"] is not None:
        population = ctx.population(commune.id, period.year)
        if population is not None and counts["bhyt"] > population:
            row.error("bhyt", _("Số người tham gia BHYT (%(hi)s) lớn hơn dân số năm %(year)d của xã (%(population)s).",
                                hi=counts["bhyt"], year=period.year, population=population))
    if not row.ok:
        return None, None
    return ((commune.code, period), dict(commune=commune, period=period, source=source, **counts))


CHECKS = {
    "communes": _check_communes,
    "classifications": _check_classifications,
    "denominators": _check_denominators,
    "coverage": _check_coverage,
}


# --- writing ------------------------------------------------------------------------------

def _write_communes(session, ctx, item):
    commune = item["existing"]
    if commune is None:
        commune = Commune(version_id=ctx.version.id, district_id=item["district"].id, code=item["code"],
                          name=item["name"], kind=item["kind"], lost_state_hi_people=item["lost"] or 0)
        session.add(commune)
        return True
    commune.name, commune.kind, commune.district_id = item["name"], item["kind"], item["district"].id
    if item["lost"] is not None:
        commune.lost_state_hi_people = item["lost"]
    return False


def _write_classifications(session, ctx, item):
    scheme = ctx.schemes.get(item["scheme_code"])
    if scheme is None:
        scheme = ClassificationScheme(code=item["scheme_code"], **KNOWN_SCHEMES[item["scheme_code"]])
        session.add(scheme)
        session.flush()
        ctx.schemes[scheme.code] = scheme
    membership = session.exec(select(ClassificationMembership).where(
        ClassificationMembership.scheme_id == scheme.id,
        ClassificationMembership.commune_id == item["commune"].id,
        ClassificationMembership.valid_from == item["valid_from"],
    )).first()
    if membership is None:
        session.add(ClassificationMembership(scheme_id=scheme.id, commune_id=item["commune"].id,
                                             category=item["category"], valid_from=item["valid_from"],
                                             valid_to=item["valid_to"]))
        return True
    membership.category, membership.valid_to = item["category"], item["valid_to"]
    return False


def _write_denominators(session, ctx, item):
    record = session.exec(select(Denominator).where(
        Denominator.commune_id == item["commune"].id, Denominator.year == item["year"])).first()
    if record is None:
        session.add(Denominator(commune_id=item["commune"].id, year=item["year"], population=item["population"],
                                labour_force=item["labour"], source=item["source"]))
        return True
    record.population, record.labour_force = item["population"], item["labour"]
    if item["source"]:
        record.source = item["source"]
    return False


def _write_coverage(session, ctx, item):
    record = session.exec(select(CoverageRecord).where(
        CoverageRecord.commune_id == item["commune"].id, CoverageRecord.period == item["period"])).first()
    created = record is None
    if created:
        record = CoverageRecord(commune_id=item["commune"].id, period=item["period"])
        session.add(record)
    record.hi_participants, record.si_compulsory = item["bhyt"], item["bhxh_bb"]
    record.si_voluntary, record.ui_participants = item["bhxh_tn"], item["bhtn"]
    if item["source"] or created:
        record.source = item["source"]
    return created


WRITERS = {
    "communes": _write_communes,
    "classifications": _write_classifications,
    "denominators": _write_denominators,
    "coverage": _write_coverage,
}


def _duplicate_message(kind, first_row):
    if kind == "communes":
        return _("Mã xã bị trùng: đã có ở dòng %(row)d.", row=first_row)
    if kind == "denominators":
        return _("Trùng với dòng %(row)d (cùng xã, cùng năm).", row=first_row)
    if kind == "coverage":
        return _("Trùng với dòng %(row)d (cùng xã, cùng tháng).", row=first_row)
    return _("Trùng với dòng %(row)d (cùng xã, cùng danh mục, cùng ngày bắt đầu).", row=first_row)


def run_import(*, session, kind, filename, data, dry_run=True, user=None, max_bytes=None):
    """Check every row of a CSV/XLSX file; write them all (one transaction) only if none is bad.

    user=None means the command line (the whole province); a district head may import only rows
    of their district; agents may not import at all.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    result = ImportResult(kind=kind, dry_run=dry_run)

    def fail(message, row=None, column=""):
        result.errors.append(RowError(row, column, message))
        return result

    if user is not None and not scope.can_import(user):
        return fail(_("Bạn không có quyền nhập dữ liệu."))
    if max_bytes is not None and len(data) > max_bytes:
        return fail(_("Tệp quá lớn (%(size)s byte); giới hạn là %(limit)s byte.", size=len(data), limit=max_bytes))
    version = current_version(session=session)
    if version is None:
        return fail(_("Chưa có danh mục đơn vị hành chính. Hãy chạy “planner demo” hoặc tạo phiên bản địa giới trước."))
    try:
        header, body = read_table(filename, data)
    except FileProblem as problem:
        return fail(problem.message, row=problem.row)
    index, shown, header_errors = map_headers(kind, header, office=middle_level(version) == "office")
    if header_errors:
        result.errors.extend(header_errors)
        return result
    if not body:
        return fail(_("Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào."))

    ctx = _Context(session, version, user)
    check = CHECKS[kind]
    seen, plan = {}, []
    for number, cells in body:
        row = _Row(number, cells, index, shown, result.errors)
        key, item = check(row, ctx)
        if key is None:
            continue
        if key in seen:
            row.error("ma_xa", _duplicate_message(kind, seen[key]))
            continue
        seen[key] = number
        plan.append(item)
    if result.errors:
        session.rollback()
        return result
    result.count = len(plan)
    if dry_run:
        session.rollback()
        return result
    write = WRITERS[kind]
    try:
        for item in plan:
            if write(session, ctx, item):
                result.created += 1
            else:
                result.updated += 1
        session.commit()
    except IntegrityError:
        session.rollback()
        result.count = result.created = result.updated = 0
        return fail(_("Cơ sở dữ liệu từ chối dữ liệu (có thể do người khác vừa sửa cùng lúc). "
                      "Không dòng nào được ghi; hãy thử lại."))
    except Exception:
        session.rollback()
        raise
    return result
