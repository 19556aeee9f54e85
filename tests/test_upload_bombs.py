"""Uploads that are small on the wire but huge to parse (issue 12): a workbook of a million sparse
rows that passes the zip checks (15 MB, ordinary compression), and a 48 MB CSV of millions of
short lines. Each is refused from its bytes, before parsing, within 20 s and under 1 GB, with a
message naming the file and the limit; the reading runs in a fresh process so its peak memory
is its own."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sufficiency.data import readers
from sufficiency.errors import InputDataError

REPO = Path(__file__).resolve().parents[1]
HEADING = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)

MEASURE = r"""
import sys, time
from pathlib import Path
from sufficiency.data.ssda903 import read_903_uploads
from sufficiency.errors import InputDataError
path = Path(sys.argv[1])
started = time.perf_counter()
try:
    read_903_uploads([(path.name, path.read_bytes())])
    outcome = "read"
except InputDataError as error:
    outcome = "refused: " + str(error)
seconds = time.perf_counter() - started
# this process's own peak (VmHWM): ru_maxrss would also count the parent's memory, which a
# child started by fork carries over exec (pytest at 1 GB made this check fail once)
status = Path("/proc/self/status").read_text().splitlines()
peak_mb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
print(f"{seconds:.2f}\t{peak_mb:.0f}\t{outcome}")
"""


def measure(path: Path) -> tuple[float, float, str]:
    output = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout.strip()
    seconds, peak, outcome = output.split("\t", 2)
    return float(seconds), float(peak), outcome


def sparse_workbook(rows: int) -> bytes:
    """An Episodes sheet with the 903 headings and ``rows`` rows of two varying numbers."""
    cells = "".join(
        f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for c, h in zip("ABCDEFGHIJKLM", HEADING.split(","), strict=True)
    )
    body = "".join(
        f'<row r="{i}"><c r="A{i}"><v>{i * 7919 % 1_000_003}</v></c>'
        f'<c r="B{i}"><v>{43000 + i % 1500}</v></c></row>'
        for i in range(2, rows + 2)
    )
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f'<row r="1">{cells}</row>{body}</sheetData></worksheet>'
    )
    members = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Episodes" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.slow
def test_a_workbook_of_a_million_sparse_rows_is_refused_before_parsing(tmp_path):
    data = sparse_workbook(1_000_000)
    # it passes the size checks: under the upload limit, ordinary compression, no bomb-like part
    assert len(data) < readers.MAX_FILE_BYTES
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.file_size < readers.MAX_COMPRESSION_RATIO * sheet.compress_size
    path = tmp_path / "903_2024.xlsx"
    path.write_bytes(data)
    seconds, peak_mb, outcome = measure(path)
    assert outcome.startswith("refused: 903_2024.xlsx"), outcome
    assert "rows" in outcome and f"{readers.MAX_DATA_ROWS:,}" in outcome, outcome
    assert seconds < 20, seconds
    assert peak_mb < 1000, peak_mb


@pytest.mark.slow
def test_a_csv_of_millions_of_short_lines_is_refused_before_parsing(tmp_path):
    path = tmp_path / "episodes.csv"
    lines = (f"{i * 7919 % 1_000_003},2020-01-0{1 + i % 9}" for i in range(2_500_000))
    path.write_text(HEADING + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size < readers.MAX_FILE_BYTES
    seconds, peak_mb, outcome = measure(path)
    assert outcome.startswith("refused: episodes.csv"), outcome
    assert f"{readers.MAX_DATA_ROWS:,}" in outcome, outcome
    assert seconds < 20, seconds
    assert peak_mb < 1000, peak_mb


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_tables_up_to_the_row_limit_are_read_and_one_more_is_refused(kind, monkeypatch):
    monkeypatch.setattr(readers, "MAX_DATA_ROWS", 1_000)
    limit = 1_000 + readers.HEADING_SEARCH_ROWS  # data rows allowed besides the heading row

    def source(rows: int) -> readers.Source:
        if kind == "xlsx":
            return readers.Source(label="t.xlsx", data=sparse_workbook(rows))
        body = "\n".join(f"{i},2020-01-01" for i in range(rows))
        return readers.Source(label="t.csv", data=f"{HEADING}\n{body}\n".encode())

    tables = readers.read_tables(source(limit))
    assert len(tables[0].frame) == limit
    with pytest.raises(InputDataError, match="refused before reading"):
        readers.read_tables(source(limit + 1))


@pytest.mark.slow
def test_the_measured_peak_is_the_reading_process_own(tmp_path):
    """A parent holding 1.2 GB (as pytest may, late in the suite) does not count towards the
    reading process's peak (ru_maxrss would report the parent's 1.2 GB after fork and exec)."""
    path = tmp_path / "episodes.csv"
    path.write_text(HEADING + "\n" + "1,2020-01-01\n" * 10, encoding="utf-8")
    parent = (
        "import sys; import numpy as np; big = np.ones(150_000_000); "
        f"sys.path.insert(0, {str(REPO)!r}); "
        "from tests.test_upload_bombs import measure; from pathlib import Path; "
        f"print(measure(Path({str(path)!r}))[1])"
    )
    output = subprocess.run(
        [sys.executable, "-c", parent], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert float(output.stdout.strip()) < 800, output.stdout
