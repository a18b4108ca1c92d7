"""Reading a registry export: CSV (any of | ; tab or , as delimiter; UTF-8 with
or without BOM, or Windows-1252) or an .xlsx sheet. Finds the header in the
first lines, refuses what is not an export (binary data, old .xls, a zip that
would unpack to too much, a file cut mid-row) and yields the rows as lists of
cells. No database, no Flask app needed."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from pathlib import Path

from slrt.dtks.importer.base import ImportRefused, _Rejected, format_count, gettext
from slrt.dtks.importer.columns import classify_header, header_score
from slrt.dtks.importer.infile import InputFile, as_input

SNIFF_BYTES = 64 * 1024
HEADER_SEARCH_LINES = 10
# An .xlsx is a zip: what its members unpack to is checked (central directory
# only, nothing unpacked) before a byte of it is parsed. Spreadsheet XML packs
# some 5-20 to 1; a zip bomb packs hundreds of MB into a few hundred KB.
XLSX_MAX_UNPACKED = 2 * 1024 ** 3  # all members together, bytes
XLSX_MAX_RATIO = 100  # unpacked / packed, for a member over XLSX_RATIO_FROM bytes
XLSX_RATIO_FROM = 16 * 1024 ** 2
XLSX_MAX_MEMBERS = 10_000

_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


@dataclass
class Layout:
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    header_index: int = 0  # 0-based record index of the header
    header: list[str] | None = None
    describe: str = ""
    lossy: bool = False  # undecodable bytes are replaced


DELIMITERS = {"|": "|", ";": ";", "\t": "tab", ",": ","}


def _sniff_text(sample: bytes) -> tuple[str, list[str]]:
    """(encoding, first lines) of a text sample, or raise _Rejected."""
    if sample.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
        text = sample[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    else:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
        text = sample.decode(encoding, errors="replace")
    if "\x00" in text:
        raise _Rejected(
            "Berkas ini bukan berkas teks CSV maupun Excel .xlsx (berisi data biner). "
            "Unduh ulang ekspor DTKS dari SIKS-NG dalam format CSV atau .xlsx."
        )
    lines = _LINE_BREAKS.split(text)  # as the reader splits, not str.splitlines()
    if lines and lines[-1] == "":
        lines.pop()
    if len(sample) == SNIFF_BYTES and lines:
        lines = lines[:-1]  # the last line of the sample may be cut
    return encoding, lines


def _find_header_csv(lines: list[str]) -> tuple[int, str, list[str]] | None:
    best = None
    seen = 0
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > HEADER_SEARCH_LINES:
            break
        for delim in DELIMITERS:
            if delim not in line:
                continue
            cells = next(csv.reader([line], delimiter=delim))
            score = header_score(classify_header(cells)[0])
            if score >= 3 and (best is None or score > best[0]):
                best = (score, index, delim, cells)
        if best is not None:
            break
    if best is None:
        return None
    return best[1], best[2], best[3]


_NOT_RECOGNISED = (
    "Berkas tidak dikenali sebagai data DTKS/DTSEN: pada {n} baris pertama tidak ada baris "
    "judul kolom yang dikenal (mis. ID DTKS, NOMOR NIK, NAMA, DESA/KELURAHAN). Gunakan berkas "
    "ekspor SIKS-NG dalam format CSV (pemisah | ; , atau tab) atau Excel .xlsx."
)


def sniff(path: Path | InputFile) -> Layout:
    """Look only at the beginning of the file: format, encoding, header."""
    src = as_input(path)
    try:
        size = src.size()
    except OSError as e:
        raise _Rejected(f"Berkas tidak dapat dibuka: {e.strerror or e}.") from None
    if size == 0:
        raise _Rejected("Berkas kosong (0 byte): tidak ada data yang dapat diimpor.")
    with src.open() as fh:
        sample = fh.read(SNIFF_BYTES)
        if sample.startswith(b"PK\x03\x04"):
            check_zip(fh)
    if sample.startswith(b"PK\x03\x04"):
        return _sniff_xlsx(src)
    if sample.startswith(b"\xd0\xcf\x11\xe0"):
        raise _Rejected(
            "Format Excel lama (.xls) tidak didukung. Buka berkas di Excel lalu simpan sebagai "
            ".xlsx atau CSV, kemudian impor ulang."
        )
    encoding, lines = _sniff_text(sample)
    if not any(line.strip() for line in lines):
        raise _Rejected("Berkas kosong: tidak ada baris judul kolom maupun data.")
    found = _find_header_csv(lines)
    if found is None:
        raise _Rejected(_NOT_RECOGNISED.format(n=HEADER_SEARCH_LINES))
    index, delim, cells = found  # csv.reader yields a (blank) row for every line
    layout = Layout("csv", encoding=encoding, delimiter=delim, header_index=index,
                     header=cells)
    layout.describe = describe_csv(layout)
    return layout


def describe_csv(layout: Layout) -> str:
    """How the file is shown on the import page, e.g. "CSV (pemisah |, UTF-8)"."""
    return f"CSV (pemisah {DELIMITERS[layout.delimiter]}, {encoding_label(layout.encoding)})"


def encoding_label(encoding: str) -> str:
    return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 dengan BOM", "cp1252": "Windows-1252"}.get(
        encoding, encoding)


def _megabytes(n: int) -> str:
    return format_count(max(1, round(n / 1024 ** 2)))


def check_zip(source) -> None:
    """Refuse an .xlsx whose members would unpack to too much (a zip bomb),
    from the sizes in its central directory, before anything is unpacked.
    `source`: a path or a seekable binary file (left at its start). The
    sizes read here bind the reader too: Python's zipfile never unpacks a
    member past the size its directory gives."""
    import zipfile

    try:
        with zipfile.ZipFile(source) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _Rejected(gettext(
            "Berkas Excel rusak atau tidak dapat dibaca. Simpan ulang dari Excel sebagai "
            ".xlsx, atau ekspor ulang dari SIKS-NG.")) from None
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    advice = gettext("Berkas seperti ini dapat melumpuhkan server dan tidak dibuka. Simpan ulang "
                "dari Excel sebagai .xlsx, atau ekspor ulang dari SIKS-NG sebagai CSV.")
    if len(members) > XLSX_MAX_MEMBERS:
        raise _Rejected(gettext("Berkas Excel ini tidak wajar: berisi %(n)s bagian (batas %(max)s).",
                           n=format_count(len(members)), max=format_count(XLSX_MAX_MEMBERS))
                        + " " + advice)
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if total > XLSX_MAX_UNPACKED:
        raise _Rejected(gettext(
            "Berkas Excel ini tidak wajar: isinya setelah dibuka %(mb)s MB (dari %(packed)s "
            "MB), lebih dari batas %(max)s MB.", mb=_megabytes(total),
            packed=_megabytes(packed), max=_megabytes(XLSX_MAX_UNPACKED)) + " " + advice)
    for m in members:
        if m.file_size > XLSX_RATIO_FROM and \
                m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1):
            raise _Rejected(gettext(
                "Berkas Excel ini tidak wajar: bagian %(name)s dimampatkan %(ratio)s kali "
                "(%(packed)s KB menjadi %(mb)s MB setelah dibuka; lembar kerja biasa paling "
                "banyak sekitar 20 kali).", name=m.filename[:80],
                ratio=format_count(m.file_size // max(m.compress_size, 1)),
                packed=format_count(max(1, m.compress_size // 1024)),
                mb=_megabytes(m.file_size)) + " " + advice)


def check_upload(stream) -> None:
    """Check an uploaded file before it is stored (the upload page): an .xlsx
    must not unpack to too much. Raises ImportRefused with an Indonesian
    message; `stream` is left at its start."""
    head = stream.read(4)
    stream.seek(0)
    if head == b"PK\x03\x04":
        try:
            check_zip(stream)
        except _Rejected as e:
            raise ImportRefused(e.message) from None


class _Workbook:
    """An .xlsx opened read-only (streaming) on a file handle of our own, so that
    the file is closed even when a row iterator is left half-way."""

    def __init__(self, path: Path | InputFile):
        try:
            from openpyxl import load_workbook
        except ImportError:  # pragma: no cover - a declared dependency
            raise _Rejected("Pembaca Excel (openpyxl) belum terpasang; gunakan berkas CSV."
                            ) from None
        self.fh = as_input(path).open()
        try:
            self.wb = load_workbook(self.fh, read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any failure means the same to the operator
            self.fh.close()
            raise _Rejected(
                "Berkas Excel rusak atau tidak dapat dibaca. Simpan ulang dari Excel sebagai "
                ".xlsx, atau ekspor ulang dari SIKS-NG."
            ) from None

    def close(self) -> None:
        try:
            self.wb.close()
        finally:
            self.fh.close()


def _sniff_xlsx(path: Path | InputFile) -> Layout:
    book = _Workbook(path)
    try:
        for ws in book.wb.worksheets:
            first = list(ws.iter_rows(max_row=HEADER_SEARCH_LINES, values_only=True))
            for index, row in enumerate(first):
                cells = ["" if v is None else str(v) for v in row]
                if header_score(classify_header(cells)[0]) >= 3:
                    return Layout("xlsx", header_index=index, header=cells,
                                   describe=f"Excel .xlsx (lembar {ws.title})",
                                   delimiter=ws.title)
        raise _Rejected(_NOT_RECOGNISED.format(n=HEADER_SEARCH_LINES))
    finally:
        book.close()


def file_hash(path: Path | InputFile) -> tuple[str, int]:
    """sha256 and size of the file (~0.4 s for 200 MB)."""
    digest = hashlib.sha256()
    size = 0
    with as_input(path).open() as fh:
        while chunk := fh.read(1 << 20):
            size += len(chunk)
            digest.update(chunk)
    return digest.hexdigest(), size


class Restart(Exception):
    """The CSV is not UTF-8 after all: read it again as Windows-1252."""


class CsvSource:
    def __init__(self, path: Path | InputFile, layout: Layout):
        self.path = as_input(path)
        self.layout = layout
        self.total = self.path.size()
        # A file cut short (an interrupted download or copy) ends mid-line.
        with self.path.open() as fh:
            fh.seek(max(0, self.total - 1))
            self.ends_with_newline = fh.read(1) in (b"\n", b"\r")

    def rows(self) -> Iterator[list]:
        layout = self.layout
        raw = self.path.open()
        self._raw = raw
        buffered = io.BufferedReader(raw, buffer_size=1 << 20)
        errors = "replace" if layout.lossy or layout.encoding == "cp1252" else "strict"
        text = io.TextIOWrapper(buffered, encoding=layout.encoding, errors=errors, newline="")
        delim = layout.delimiter
        try:
            lines = iter(text)
            for line in lines:
                if '"' in line or "\x00" in line:
                    # Quoted cells (perhaps over several lines) or junk: the csv
                    # module reads this record, pulling more lines if needed.
                    yield next(csv.reader(chain((line,), lines), delimiter=delim))
                else:
                    yield line.rstrip("\r\n").split(delim)
        finally:
            text.close()

    def position(self) -> int:
        try:
            return self._raw.tell()
        except (AttributeError, ValueError):
            return self.total


class XlsxSource:
    def __init__(self, path: Path | InputFile, layout: Layout):
        self.path = path
        self.layout = layout
        self.total = 0
        self.read = 0

    def rows(self) -> Iterator[list]:
        book = _Workbook(self.path)
        try:
            ws = book.wb[self.layout.delimiter]
            self.total = ws.max_row or 0
            for row in ws.iter_rows(values_only=True):
                self.read += 1
                yield list(row)
        finally:
            book.close()

    def position(self) -> int:
        return self.read


def open_source(path: Path | InputFile, layout: Layout) -> CsvSource | XlsxSource:
    return CsvSource(path, layout) if layout.kind == "csv" else XlsxSource(path, layout)


def skip_header(records: Iterator[list], layout: Layout) -> None:
    """Read past the title lines and the header."""
    for _ in range(layout.header_index + 1):
        try:
            next(records)
        except StopIteration:
            break
        except UnicodeDecodeError:
            if layout.kind == "csv" and not layout.lossy:
                raise Restart from None
            raise
        except csv.Error as e:
            raise _Rejected(f"Berkas rusak pada baris judul: {e}.") from None


def check_not_cut(source: CsvSource | XlsxSource, row_no: int, last_fields: int,
                  ncols: int) -> None:
    """After the last row: a CSV whose last line stops short of the header's
    columns and of a line end was cut mid-row (an interrupted download or
    copy). Its missing cells would read as empty ones (sex, flags...) and the
    rest of the file is missing too."""
    if isinstance(source, CsvSource) and last_fields < ncols and not source.ends_with_newline:
        raise _Rejected(gettext(
            "Berkas terpotong: baris terakhir (baris %(row)s) hanya berisi %(n)s dari %(cols)s "
            "kolom dan berkas berhenti di tengah baris. Unduh atau ekspor ulang berkas dari "
            "SIKS-NG secara lengkap; tidak ada yang diterapkan.", row=row_no, n=last_fields,
            cols=ncols))


def cell_text(value) -> str:
    """An .xlsx cell as text (CSV cells are text already)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "YA" if value else "TIDAK"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)
