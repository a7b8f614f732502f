"""Request dependencies: settings, the served generation, the API key check, time limits."""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from policykb.service.api.errors import ApiError
from policykb.service.config import Settings
from policykb.service.reload import IndexHolder, Loaded

T = TypeVar("T")


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def holder_of(request: Request) -> IndexHolder:
    return request.app.state.holder


def _bearer_matches(request: Request, key: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), key.encode())


async def require_api_key(request: Request) -> None:
    """When an API key is configured, /api/* needs `Authorization: Bearer <key>`."""
    # async although it awaits nothing: FastAPI would run a plain function on a worker
    # thread, a thread hop per request that competes with the searches for the GIL.
    key = settings_of(request).api_key
    if key and not _bearer_matches(request, key):
        raise ApiError(401, "unauthorized",
                       "This API needs a key: send the header `Authorization: Bearer <key>` "
                       "(the key is set on the server with POLICYKB_API_KEY).",
                       headers={"WWW-Authenticate": "Bearer"})


ADMIN_OFF = ("The admin routes are off on this server. To turn them on, start it with POLICYKB_ADMIN_KEY=<a secret> "
             "and send `Authorization: Bearer <that secret>`. Without it the server still switches to a new "
             "index generation by itself (POLICYKB_RELOAD_CHECK_SECONDS) and on SIGHUP.")


async def require_admin_key(request: Request) -> None:
    """/api/admin/* needs `Authorization: Bearer <admin key>`; with no admin key set they are off (403).

    A bearer header cannot be sent by a cross-origin form or `text/plain` POST without a CORS
    preflight, so another site's page cannot trigger an admin action either.
    """
    key = settings_of(request).admin_key
    if not key:
        raise ApiError(403, "forbidden", ADMIN_OFF)
    if not _bearer_matches(request, key):
        raise ApiError(401, "unauthorized",
                       "The admin routes need the admin key: send the header `Authorization: Bearer <admin key>` "
                       "(set on the server with POLICYKB_ADMIN_KEY; the API key does not open them).",
                       headers={"WWW-Authenticate": "Bearer"})


async def served(request: Request, response: Response) -> Loaded:
    """The generation this request is answered from (taken once; a reload does not change it)."""
    holder = holder_of(request)
    loaded = holder.get()
    if loaded is None:  # first load still running: wait for it, within the request's time
        loaded = await run_in_threadpool(holder.wait_ready, settings_of(request).request_timeout)
    if loaded is None:
        lost = holder.lost()
        if lost:
            failed = f" Loading the current generation failed: {holder.last_error}" if holder.last_error else \
                " Try again in a moment; /readyz says when it is ready."
            raise ApiError(503, "unavailable", lost + failed, headers={"Retry-After": "5"})
        if holder.last_error:
            raise ApiError(503, "unavailable", f"No index is loaded: {holder.last_error}")
        started = holder.loading_since
        waited = f" (loading for {time.time() - started:.0f} s)" if started else ""
        raise ApiError(503, "unavailable", f"The index at {holder.index_dir} is still loading{waited}; "
                                           "try again in a moment. /readyz says when it is ready.",
                       headers={"Retry-After": "5"})
    response.headers["X-Policykb-Generation"] = loaded.generation
    return loaded


async def run_limited(request: Request, work: Callable[[], T]) -> T:
    """Run blocking `work` on the search threads; answer 503 `timeout` when it takes too long.

    The wait for a free thread counts too. Work that has started cannot be stopped
    and finishes in the background, but the client has its answer.
    """
    executor: ThreadPoolExecutor = request.app.state.executor
    timeout = settings_of(request).request_timeout
    future = executor.submit(work)
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
    except TimeoutError:
        future.cancel()  # drops it if it is still waiting for a thread
        raise ApiError(503, "timeout",
                       f"The request took longer than {timeout:g} s and was stopped. The server may be busy; "
                       "try again, or ask for fewer results (k).", headers={"Retry-After": "5"}) from None
