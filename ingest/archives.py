"""Archives whose members are ingested as files: .zip (the standard library's zipfile),
.7z, .rar and .tar/.tgz (libarchive, through libarchive-c: Debian's libarchive13).

A member is named `archive.zip!folder/member.docx` (its path inside the archive after
the archive's own path and a `!`); an archive inside an archive adds another `!`
(`a.zip!b.7z!c.doc`), down to MAX_DEPTH. Folders, and the litter archivers leave
(__MACOSX/, .DS_Store, Thumbs.db, desktop.ini, hidden files), are skipped.

Zip files made on Chinese Windows store GBK names without the UTF-8 flag; such names
are decoded as UTF-8 if that gives Chinese characters, else as GB18030, so 「附件1.doc」
is not 「╕╜╝■1.doc」. Limits keep a hostile archive (a "zip bomb") from filling memory: at
most MAX_MEMBERS members and MAX_TOTAL_BYTES unpacked in all, and each member within
the per-file size limit; a member past a limit, or encrypted, is reported by name and
the rest are read.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from policykb.ingest.errors import IngestError, MissingConverter

SEPARATOR = "!"
MAX_DEPTH = 3
MAX_MEMBERS = 5000
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
_LITTER = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
LIBARCHIVE_HINT = ("install libarchive (Debian/Ubuntu: apt-get install libarchive13) and ingest it again, or "
                   "unpack the archive and ingest the folder")


@dataclass
class Member:
    """One file of an archive: its path inside it, and its bytes or why it cannot be read."""

    name: str
    data: bytes | None = None
    error: str | None = None


def is_archive(name: str) -> bool:
    from policykb.ingest.formats import ARCHIVE_SUFFIXES, suffix_of

    return suffix_of(name) in ARCHIVE_SUFFIXES


def _skipped(name: str) -> bool:
    parts = [p for p in name.replace("\\", "/").split("/") if p]
    return (not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts)
            or parts[-1].lower() in _LITTER)


def members(where: str, data: bytes, max_bytes: int) -> Iterator[Member]:
    """The members of the archive `where` (its display name) holding `data`, in archive order.

    Raises IngestError when the archive itself cannot be read.
    """
    from policykb.ingest.formats import suffix_of

    if suffix_of(where) == ".zip" or (data[:4] == b"PK\x03\x04" and suffix_of(where) != ".7z"):
        yield from _zip_members(where, data, max_bytes)
    else:
        yield from _libarchive_members(where, data, max_bytes)


class _Budget:
    def __init__(self, where: str) -> None:
        self.where, self.count, self.total = where, 0, 0

    def check(self, name: str, size: int, max_bytes: int) -> str | None:
        """Why this member is not read (a limit), or None."""
        self.count += 1
        if self.count > MAX_MEMBERS:
            raise IngestError(f"{self.where}: holds more than {MAX_MEMBERS} files; unpack it and ingest the "
                              f"folder, or split it")
        if size > max_bytes:
            return (f"unpacked it is {size / 1024 / 1024:.1f} MB, larger than the {max_bytes / 1024 / 1024:.0f} MB "
                    f"limit per file; raise the limit with --max-file-mb {int(size / 1024 / 1024) + 1}")
        self.total += size
        if self.total > MAX_TOTAL_BYTES:
            raise IngestError(f"{self.where}: unpacks to more than {MAX_TOTAL_BYTES // 1024 // 1024} MB; unpack it "
                              f"and ingest the folder")
        return None


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The member's path, decoded (see the module docstring), with "/" between folders
    (some Windows tools write "\\")."""
    return _decoded_zip_name(info).replace("\\", "/")


def _decoded_zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    try:
        name = raw.decode("utf-8")
        # short GBK names can be valid UTF-8 too (通知 → 「֪ͨ」): UTF-8 it is only if it reads as CJK
        if name.isascii() or any(ord(c) >= 0x2E80 for c in name):
            return name
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return info.filename


def _zip_members(where: str, data: bytes, max_bytes: int) -> Iterator[Member]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as err:
        raise IngestError(f"{where}: not a readable zip archive ({err}); it may be damaged or incomplete; "
                          f"download it again") from None
    budget = _Budget(where)
    with archive:
        for info in archive.infolist():
            name = _zip_name(info)
            if info.is_dir() or _skipped(name):
                continue
            limit = budget.check(name, info.file_size, max_bytes)
            if limit:
                yield Member(name, error=limit)
                continue
            if info.flag_bits & 0x1:
                yield Member(name, error="is encrypted (password protected); unpack the archive with its "
                                         "password and ingest the folder")
                continue
            try:
                yield Member(name, data=archive.read(info))
            # ValueError: a damaged directory puts a member before the archive's start (negative seek);
            # zlib.error: its deflated bytes are corrupt
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError,
                    zlib.error) as err:
                yield Member(name, error=f"cannot be unpacked ({err}); the archive may be damaged")


def _libarchive_members(where: str, data: bytes, max_bytes: int) -> Iterator[Member]:
    try:
        import libarchive
        from libarchive.exception import ArchiveError
    except (ImportError, OSError) as err:
        raise MissingConverter(f"{where}: reading this archive needs libarchive ({err}); {LIBARCHIVE_HINT}") from None
    budget = _Budget(where)
    try:
        with libarchive.memory_reader(data) as archive:
            for entry in archive:
                name = entry.pathname or ""
                if not entry.isfile or _skipped(name):
                    continue
                size = entry.size or 0
                limit = budget.check(name, size, max_bytes)
                if limit:
                    yield Member(name, error=limit)
                    continue
                if getattr(entry, "isencrypted", False) or getattr(entry, "is_encrypted", False):
                    yield Member(name, error="is encrypted (password protected); unpack the archive with its "
                                             "password and ingest the folder")
                    continue
                buffer = bytearray()
                for block in entry.get_blocks():
                    buffer.extend(block)
                    if len(buffer) > max_bytes:
                        break
                if len(buffer) > max_bytes:
                    yield Member(name, error=f"unpacked it is larger than the {max_bytes / 1024 / 1024:.0f} MB "
                                             f"limit per file")
                    continue
                yield Member(name, data=bytes(buffer))
    except ArchiveError as err:
        message = str(err)
        if "encrypt" in message.lower() or "passphrase" in message.lower():
            raise IngestError(f"{where}: the archive is encrypted (password protected); unpack it with its "
                              f"password and ingest the folder") from None
        raise IngestError(f"{where}: not a readable archive ({message}); it may be damaged or incomplete, "
                          f"or a kind libarchive cannot read; unpack it and ingest the folder") from None
