"""Text made storable in XML (DOCX, XLSX): the control characters XML 1.0 forbids are dropped.

Ingest keeps a few control characters a file had (a form feed, a vertical tab, a stray 0x01);
python-docx and openpyxl refuse them, so an export would fail on one odd clause.
"""

from __future__ import annotations

import re

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(value):
    """`value` without XML-forbidden characters when it is text; anything else as it is."""
    return XML_FORBIDDEN.sub("", value) if isinstance(value, str) else value
