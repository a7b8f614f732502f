"""The service settings: one object, read once at start-up from POLICYKB_* variables.

Every setting is a field of `Settings` with its variable name, default and a line
of help in the field metadata; `describe_settings()` renders them for docs and
`policykb serve --help`. Nothing else in the service reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

PREFIX = "POLICYKB_"
DEFAULT_INDEX = Path(".policykb/index")


class SettingsError(ValueError):
    """A POLICYKB_* variable holds a value that cannot be used; the message names it."""


def _setting(default, help: str, **kw):
    return field(default=default, metadata={"help": help}, **kw)


@dataclass(frozen=True)
class Settings:
    """How the HTTP service runs. Build with `Settings.from_env()` or directly in tests."""

    index: Path = _setting(DEFAULT_INDEX, "Index directory to serve (the folder holding CURRENT and generations/); "
                                          "also the one `ingest`, `search` and `eval` use when given no --index.")
    cors_origins: tuple[str, ...] = _setting(
        (), "Comma-separated origins allowed to call the API from a browser (e.g. the intranet portal that "
            "embeds the search box, `https://portal.example`). Default: none, so only the service's own page.")
    api_key: str | None = _setting(
        None, "When set, every /api/* request needs `Authorization: Bearer <key>`; /healthz, /readyz, the page "
              "and its static files stay open. Default: unset (no key).")
    admin_key: str | None = _setting(
        None, "When set, POST /api/admin/reload needs `Authorization: Bearer <admin key>` (this key, not the API "
              "key). Default: unset, and the admin route is off (403); the index is still picked up on requests "
              "(POLICYKB_RELOAD_CHECK_SECONDS) and on SIGHUP.")
    rate_limit: float = _setting(
        3000.0, "Requests a minute each client address may make (per server process); a client may send this "
                "many at once, then as many as the rate refills. Over it: 429 `rate_limited` with Retry-After. "
                "0 turns the limit off (load benchmarks do).")
    max_body_bytes: int = _setting(
        65536, "Largest request body accepted, in bytes; a larger one is answered 413 `too_large`. No route "
               "reads a body today, so this only stops clients from sending big ones. 0: no limit.")
    workers: int = _setting(1, "Server processes (uvicorn workers). Each loads the index into its own memory.")
    threads: int = _setting(2, "Searches run at the same time in one process; more requests wait their turn "
                               "(and time out with 503 if the wait is longer than the request timeout).")
    embed_threads: int = _setting(
        1, "Threads each query embedding uses. With 1, concurrent searches each run their query encoder on a "
           "core of their own, which serves more requests per second on a few cores (2 cores, 100k clauses, "
           "4 clients: 78 vs 63 requests/s); more threads shorten a lone query a little.")
    request_timeout: float = _setting(
        30.0, "Seconds a request may take, waiting included, before it is answered with 503 `timeout`.")
    backend: str = _setting(
        "embedded", "The engine that retrieves clauses: `embedded` (the index folder's own BM25 and FAISS files) or "
                    "`milvus` (the served generation's collection in Milvus at POLICYKB_MILVUS_URI, written by "
                    "`policykb ingest --backend milvus`; docs/scale.md).")
    milvus_uri: str | None = _setting(
        None, "Milvus for POLICYKB_BACKEND=milvus: a milvus-lite file (x.db) or http://127.0.0.1:19530.")
    reload_check_seconds: float = _setting(
        2.0, "How often (at most, in seconds, on incoming requests) the index's CURRENT pointer is checked for "
             "a new generation to switch to. 0 turns the check off (reload then only by POST /api/admin/reload "
             "or SIGHUP).")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Settings from POLICYKB_<FIELD> variables (upper case), then `overrides` (non-None values win)."""
        env = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is not None and raw.strip() != "":
                values[f.name] = _parse(f.name, raw.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if self.workers < 1 or self.threads < 1 or self.embed_threads < 1:
            raise SettingsError(f"{PREFIX}WORKERS, {PREFIX}THREADS and {PREFIX}EMBED_THREADS must be at least 1 "
                                f"(got workers={self.workers}, threads={self.threads}, "
                                f"embed_threads={self.embed_threads}).")
        if self.rate_limit < 0 or self.max_body_bytes < 0:
            raise SettingsError(f"{PREFIX}RATE_LIMIT and {PREFIX}MAX_BODY_BYTES must not be negative "
                                f"(got rate_limit={self.rate_limit:g}, max_body_bytes={self.max_body_bytes}).")
        if self.backend not in ("embedded", "milvus"):
            raise SettingsError(f"{PREFIX}BACKEND must be embedded or milvus (got {self.backend!r}).")
        if self.backend == "milvus" and not self.milvus_uri:
            raise SettingsError(f"{PREFIX}BACKEND=milvus needs {PREFIX}MILVUS_URI (a milvus-lite file x.db, or "
                                "http://127.0.0.1:19530).")
        if self.request_timeout <= 0:
            raise SettingsError(f"{PREFIX}REQUEST_TIMEOUT must be a positive number of seconds "
                                f"(got {self.request_timeout}).")

    def to_env(self) -> dict[str, str]:
        """The same settings as POLICYKB_* variables (how `serve` hands them to uvicorn workers)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            out[PREFIX + f.name.upper()] = ",".join(value) if isinstance(value, tuple) else str(value)
        return out


def _parse(name: str, raw: str):
    var = PREFIX + name.upper()
    try:
        if name == "index":
            return Path(raw)
        if name == "cors_origins":
            return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
        if name in ("api_key", "admin_key", "backend", "milvus_uri"):
            return raw
        if name in ("workers", "threads", "embed_threads", "max_body_bytes"):
            return int(raw)
        return float(raw)
    except ValueError:
        raise SettingsError(f"{var}={raw!r} is not a valid value: {Settings.__dataclass_fields__[name].metadata['help']}"
                            ) from None


def default_index(environ: Mapping[str, str] | None = None) -> Path:
    """The index a command uses when given no --index: POLICYKB_INDEX, else .policykb/index.

    `ingest`, `search`, `eval` and `serve` all use it, so each finds the index the others built.
    """
    env = os.environ if environ is None else environ
    raw = env.get(PREFIX + "INDEX", "").strip()
    return Path(raw) if raw else DEFAULT_INDEX


DEFAULT_INDEX_HELP = f"{PREFIX}INDEX, else {DEFAULT_INDEX}: the index `ingest` builds and `serve` serves"


def describe_settings() -> list[tuple[str, str, str]]:
    """(variable, default, help) for every setting, in declaration order."""
    rows = []
    for f in fields(Settings):
        default = f.default
        shown = ",".join(default) if isinstance(default, tuple) else ("unset" if default is None else str(default))
        rows.append((PREFIX + f.name.upper(), shown or "none", f.metadata["help"]))
    return rows
