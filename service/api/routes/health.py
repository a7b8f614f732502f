"""GET /healthz, GET /readyz (open even with an API key) and POST /api/admin/reload (admin key)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from policykb.service.api.deps import holder_of, settings_of
from policykb.service.api.errors import ApiError
from policykb.service.api.schemas import ErrorOut, HealthOut, ReadyOut, ReloadOut
from policykb.service.reload import UnchangedSinceFailure

router = APIRouter(tags=["health"])
admin = APIRouter(tags=["admin"])


@router.get("/healthz", response_model=HealthOut, summary="Process is up",
            description="Answers 200 as soon as the process serves HTTP, index or not.")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, summary="Index is loaded",
            responses={503: {"model": ReadyOut, "description": "No index can answer (body says why)"}},
            description="200 with the served index generation once searches can be answered; 503 when they "
                        "cannot: still loading, the index failed to load, or the served generation's files were "
                        "removed from disk (`last_error` says which).")
async def readyz(request: Request):
    holder = holder_of(request)
    loaded = holder.get()  # None also when the generation in memory lost its files
    errors = [e for e in (holder.lost(), holder.last_error) if e]
    index, last_error = str(holder.index_dir), " ".join(errors) or None
    model = loaded.kb.manifest.model_id if loaded else None
    if settings_of(request).api_key:  # /readyz answers anyone: keep where the files are to the key holders
        index, last_error, model = _without_paths(holder, index, last_error, model)
    body: dict[str, Any] = {"ready": loaded is not None, "index": index,
            "generation": loaded.generation if loaded else None,
            "model": model,
            "counts": dict(loaded.kb.manifest.counts) if loaded else None,
            "loaded_at": loaded.loaded_at if loaded else None,
            "reloading": holder.loading_since is not None, "last_error": last_error}
    return JSONResponse(ReadyOut(**body).model_dump(), status_code=200 if loaded else 503)


def _without_paths(holder, index: str, last_error: str | None, model: str | None) -> tuple:
    """The index's name for its path, in `index` and `last_error`; a model given by path by its folder name."""
    name = holder.index_dir.name or "index"
    if last_error:
        for path in sorted({str(holder.index_dir.resolve()), str(holder.index_dir)}, key=len, reverse=True):
            last_error = last_error.replace(path, name)
    if model and "/" in model:
        kind, _, path = model.rpartition(":") if ":" in model else ("", "", model)
        model = (kind + ":" if kind else "") + path.rstrip("/").rsplit("/", 1)[-1]
    return name, last_error, model


@admin.post("/admin/reload", response_model=ReloadOut, summary="Switch to the index's current generation",
            responses={503: {"model": ErrorOut, "description": "The new generation failed to load"}},
            description="Loads the generation the index's CURRENT pointer names and serves it from then on; "
                        "requests already running finish on the old one. Answers when the switch is done. "
                        "Needs `Authorization: Bearer <admin key>` (POLICYKB_ADMIN_KEY); off (403) when the "
                        "server has no admin key. A generation that failed to load is not loaded again until "
                        "it or CURRENT changes (or 5 minutes have passed): the call answers 503 at once.")
async def reload(request: Request) -> dict:
    holder = holder_of(request)
    before = holder.loaded.generation if holder.loaded else None
    try:
        loaded = await run_in_threadpool(holder.reload)
    except UnchangedSinceFailure as exc:  # the same broken generation as last time: not loaded again
        raise ApiError(503, "unavailable", f"Reload failed; still serving {before or 'nothing'}. {exc}") from exc
    except Exception as exc:  # the holder logged it and kept the old generation
        raise ApiError(503, "unavailable",
                       f"Reload failed; still serving {before or 'nothing'}. {holder.last_error}") from exc
    return {"generation": loaded.generation, "previous": before, "switched": loaded.generation != before}
