"""Helpers for the area-registry tests: files to upload, built in memory."""
import io

import pytest


def csv_bytes(rows, delimiter=",", bom=False, encoding="utf-8"):
    text = "\r\n".join(delimiter.join(str(c) for c in row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def upload(client):
    """POST a file to /import; returns the response."""
    def do(kind, data, filename="data.csv", dry_run=False):
        form = {"kind": kind, "file": (io.BytesIO(data), filename)}
        if dry_run:
            form["dry_run"] = "y"
        return client.post("/import", data=form, content_type="multipart/form-data")
    return do
