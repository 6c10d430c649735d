"""Opening a trade file for reading as text: a CSV, or the one CSV inside a zip, checked as it is read.

A zip is refused before anything is read from it when it is damaged or truncated (no central
directory), holds other than one CSV, or declares an expansion no trade file has: Binance's
archives expand about 4-fold, so a member that would grow more than ``MAX_EXPANSION``-fold (a
1.7 MB zip holding 595 MB) is refused at once. While reading, the bytes that come out are
counted against the size declared, and a bad CRC or a cut-off stream becomes an error naming the
file, never a traceback.
"""

import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MAX_EXPANSION = 50  # uncompressed ÷ compressed size of the CSV inside a zip; Binance's are about 4
ZIP_MAGIC = b"PK\x03\x04"
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError)


class ArchiveError(ValueError):
    """A trade file that cannot be read as one; the message names the file and the reason."""


@dataclass
class Progress:
    """How far reading has come: bytes of text delivered, of the total the file holds."""

    done: int = 0
    total: int = 0


class _Counted(io.RawIOBase):
    """A binary stream that counts what it delivers, and refuses to deliver more than ``limit``."""

    def __init__(self, raw, progress: Progress, limit: int | None, path: Path) -> None:
        self.raw, self.progress, self.limit, self.path = raw, progress, limit, path

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        self.progress.done += len(data)
        if self.limit is not None and self.progress.done > self.limit:
            raise ArchiveError(f"{self.path}: the CSV inside expands beyond the {self.limit:,} bytes it declares")
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def open_text(path: Path, progress: Progress | None = None) -> Iterator[io.TextIOBase]:
    """The file's text (UTF-8, a BOM dropped, newlines kept as written); raises ArchiveError."""
    progress = progress if progress is not None else Progress()
    if not path.is_file():
        raise ArchiveError(f"{path}: no such file")
    if _looks_like_zip(path):
        with _zip_member(path) as (raw, declared):
            progress.total = declared
            yield _text(_Counted(raw, progress, declared, path))
    else:
        progress.total = path.stat().st_size
        with path.open("rb") as raw:
            yield _text(_Counted(raw, progress, None, path))


def plain_size(path: Path) -> int | None:
    """The size of a file that is plain text, not a zip (None for a zip or no file)."""
    if not path.is_file() or _looks_like_zip(path):
        return None
    return path.stat().st_size


def _text(raw: io.RawIOBase) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedReader(raw, 1 << 20), encoding="utf-8-sig", newline="")


def _looks_like_zip(path: Path) -> bool:
    with path.open("rb") as head:
        return head.read(4) == ZIP_MAGIC or path.suffix.lower() == ".zip"


@contextmanager
def _zip_member(path: Path) -> Iterator[tuple[io.BufferedIOBase, int]]:
    if not zipfile.is_zipfile(path):
        raise ArchiveError(f"{path}: a damaged or truncated zip archive (its directory at the end is missing)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if info.filename.lower().endswith(".csv")]
            if len(members) != 1:
                raise ArchiveError(f"{path}: expected one .csv inside the zip, found {len(members)}")
            member = members[0]
            _check_expansion(path, member)
            with archive.open(member) as raw:
                yield raw, member.file_size
    except READ_ERRORS as error:
        raise ArchiveError(f"{path}: a damaged zip archive ({error})") from None


def _check_expansion(path: Path, member: zipfile.ZipInfo) -> None:
    ratio = member.file_size / max(member.compress_size, 1)
    if ratio > MAX_EXPANSION:
        raise ArchiveError(
            f"{path}: {member.filename} would expand {ratio:,.0f}-fold ({member.compress_size:,} bytes to "
            f"{member.file_size:,}); trade files expand at most {MAX_EXPANSION}-fold, so it is refused unread"
        )
