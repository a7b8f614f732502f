"""Word 97-2003 (.doc, .dot), Kingsoft WPS (.wps, .wpt) and OpenDocument (.odt) files.

LibreOffice (headless `soffice`, Debian's libreoffice-writer-nogui) converts the file to
.docx, which the .docx reader reads: so paragraphs, heading styles, automatic list
numbers (「一、」「（一）」) and table cells come out as they do for a .docx, and
`line_paragraphs` holds Word's paragraph numbers. The source records the converter
(「LibreOffice 7.4.7.2」). LibreOffice detects the format from the bytes, so a .doc
that is really RTF or a web page, and a .wps that WPS saved in Word's format (what WPS
Office writes), are read too.

Each process converts with a LibreOffice profile of its own (made on first use, removed
at exit), so parallel ingest workers do not block each other. A conversion that takes
longer than TIMEOUT_SECONDS is stopped.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from policykb.ingest.errors import IngestError, MissingConverter
from policykb.ingest.limits import check_unpacked
from policykb.ingest.model import SourceText

TIMEOUT_SECONDS = 180
INSTALL_HINT = ("install LibreOffice (Debian/Ubuntu: apt-get install --no-install-recommends "
                "libreoffice-writer-nogui)")
KINDS = {".doc": "Word 97-2003", ".dot": "Word 97-2003 template", ".wps": "WPS", ".wpt": "WPS template",
         ".odt": "OpenDocument text"}


@functools.lru_cache(maxsize=1)
def soffice() -> tuple[str, str] | None:
    """(program, version) of LibreOffice, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        program = shutil.which(name)
        if program:
            break
    else:
        return None
    try:
        done = subprocess.run([program, "--headless", "--version"], capture_output=True, text=True, timeout=60)
        words = done.stdout.split()
        version = words[1] if len(words) > 1 and words[0] == "LibreOffice" else "unknown"
    except (OSError, subprocess.SubprocessError):
        version = "unknown"
    return program, version


@functools.lru_cache(maxsize=1)
def _profile() -> str:
    from multiprocessing.util import Finalize

    folder = tempfile.mkdtemp(prefix="policykb-libreoffice-")
    # removed at exit: Finalize runs in ingest's worker processes too, which skip atexit
    Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=10)
    return Path(folder).as_uri()


def convert(path: Path, data: bytes, target: str = "docx") -> tuple[bytes, str]:
    """The file converted by LibreOffice to `target` (its bytes), and the converter's name."""
    found = soffice()
    suffix = path.suffix.lower()
    kind = KINDS.get(suffix, suffix)
    if found is None:
        raise MissingConverter(f"{path}: reading {kind} ({suffix}) files needs LibreOffice, which is not "
                               f"installed; {INSTALL_HINT}, or save the file as .docx in Word or WPS "
                               f"and ingest that")
    program, version = found
    filters = {"docx": 'docx:"MS Word 2007 XML"'}
    with tempfile.TemporaryDirectory(prefix="policykb-convert-") as work:
        source = Path(work) / f"source{suffix}"
        source.write_bytes(data)
        out = Path(work) / "out"
        command = [program, "--headless", "--norestore", "--nolockcheck", "--nodefault",
                   f"-env:UserInstallation={_profile()}", "--convert-to", filters.get(target, target).replace('"', ""),
                   "--outdir", str(out), str(source)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                                  env=dict(os.environ, HOME=work))
        except subprocess.TimeoutExpired:
            raise IngestError(f"{path}: LibreOffice did not finish converting it within {TIMEOUT_SECONDS} s "
                              f"and was stopped; open it in Word or WPS and save it as .docx") from None
        except OSError as err:
            raise MissingConverter(f"{path}: LibreOffice could not be started ({err}); {INSTALL_HINT}") from None
        result = out / f"source.{target}"
        if not result.exists():
            said = [line for line in (done.stderr + done.stdout).splitlines()
                    if line.strip() and "javaldx" not in line]
            reason = said[-1].strip() if said else f"exit code {done.returncode}"
            raise IngestError(f"{path}: LibreOffice could not read it as a {kind} file ({reason}); it may be "
                              f"damaged, password-protected or not a {kind} file; open it in Word or WPS "
                              f"and save it as .docx")
        return result.read_bytes(), f"LibreOffice {version}"


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WEB_PAGE = (b"<html", b"<!doctype", b"<?xml", b"mime-version:", b"<head", b"<meta")


def read(path: Path, data: bytes) -> SourceText:
    """Convert to .docx with LibreOffice and read that as a .docx.

    The bytes are checked first, since LibreOffice opens anything it cannot recognise
    as plain text: a Word/WPS compound file (.doc/.wps), an OpenDocument or a web page
    saved as .doc go to LibreOffice; a .docx or an RTF file under a .doc name is read
    by its own reader; anything else is refused as not such a file.
    """
    from policykb.ingest.formats import docx, rtf

    head = data[:512].lstrip().lower()
    suffix = path.suffix.lower()
    if data.lstrip()[:5] == b"{\\rtf":
        source = rtf.read(path, data)
        source.warnings.append(f"{path}: is an RTF file under a {suffix} name; read as RTF")
        return source
    if data[:4] == b"PK\x03\x04" and b"word/" in data[:65536] and suffix != ".odt":
        source = docx.read(path, data)
        source.warnings.append(f"{path}: is a .docx file under a {suffix} name; read as .docx")
        return source
    if suffix == ".odt":
        if data[:4] != b"PK\x03\x04":
            raise IngestError(f"{path}: not an OpenDocument text file (not a ZIP package); it may be damaged; "
                              f"re-save it from LibreOffice or WPS")
    elif not ((data[:8] == _OLE and len(data) >= 1024) or head.startswith(_WEB_PAGE)):
        kind = KINDS.get(suffix, suffix)
        raise IngestError(f"{path}: not a {kind} file (its bytes are not a Word/WPS document, nor RTF, .docx "
                          f"or a web page saved under this name); it may be damaged or truncated; open it in "
                          f"Word or WPS and save it as .docx")
    converted, converter = convert(path, data)
    check_unpacked(f"{path} (as LibreOffice converted it to .docx)", converted)
    source = docx.read(path, converted)
    source.format = path.suffix.lower().lstrip(".")
    source.converter = converter
    return source
