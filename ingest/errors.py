"""Errors ingest raises for one file. The message is written for the person who hits it."""


class IngestError(Exception):
    """A file cannot be ingested; the message says why and what to do."""


class UnsupportedFormat(IngestError):
    pass


class DecodeError(IngestError):
    pass


class NeedsOCR(IngestError):
    pass


class MissingConverter(IngestError):
    """A program that reads this format (LibreOffice, Tesseract) is not installed."""
