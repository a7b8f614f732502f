"""GET /healthz, GET /readyz (open even with an API key) and POST /api/admin/reload."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from policykb.service.api.deps import holder_of
from policykb.service.api.errors import ApiError
from policykb.service.api.schemas import ErrorOut, HealthOut, ReadyOut, ReloadOut

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
    body = {"ready": loaded is not None, "index": str(holder.index_dir),
            "generation": loaded.generation if loaded else None,
            "model": loaded.kb.manifest.model_id if loaded else None,
            "counts": dict(loaded.kb.manifest.counts) if loaded else None,
            "loaded_at": loaded.loaded_at if loaded else None,
            "reloading": holder.loading_since is not None, "last_error": " ".join(errors) or None}
    return JSONResponse(ReadyOut(**body).model_dump(), status_code=200 if loaded else 503)


@admin.post("/admin/reload", response_model=ReloadOut, summary="Switch to the index's current generation",
            responses={503: {"model": ErrorOut, "description": "The new generation failed to load"}},
            description="Loads the generation the index's CURRENT pointer names and serves it from then on; "
                        "requests already running finish on the old one. Answers when the switch is done.")
async def reload(request: Request) -> dict:
    holder = holder_of(request)
    before = holder.loaded.generation if holder.loaded else None
    try:
        loaded = await run_in_threadpool(holder.reload)
    except Exception:  # the holder logged it and kept the old generation
        raise ApiError(503, "unavailable",
                       f"Reload failed; still serving {before or 'nothing'}. {holder.last_error}")
    return {"generation": loaded.generation, "previous": before, "switched": loaded.generation != before}
