"""The FastAPI app: `create_app(settings)` wires settings, index holder, routes, page and errors.

Layout of the URL space:
  /                   the search page (and reader view, same page: `#doc=<id>&clause=<id>`)
  /static/…           page assets and embed.js, the embeddable search box
  /api/…              JSON API (API key when configured); /docs and /openapi.json describe it
  /healthz, /readyz   health checks (always open)
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from policykb.service.api.deps import require_admin_key, require_api_key
from policykb.service.api.errors import install_error_handlers
from policykb.service.api.limits import RequestLimits
from policykb.service.api.methods import HeadAsGet
from policykb.service.api.routes import clauses, compare, documents, export, health, regions, search, timeline
from policykb.service.api.schemas import ErrorOut
from policykb.service.config import Settings
from policykb.service.reload import IndexHolder, install_sighup, load_generation

STATIC = Path(__file__).resolve().parents[1] / "static"
log = logging.getLogger("policykb.api")
# The page loads nothing but its own files; together with textContent-only rendering
# this keeps text from the corpus or the query from ever running as script.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'")
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff"}

DESCRIPTION = """Clause-level search over Chinese policy texts, with citations a person can check.

Every error answers `{"error": {"code", "message", "detail"}}`. When the server has an API key
(POLICYKB_API_KEY), `/api/*` needs `Authorization: Bearer <key>`; `/healthz` and `/readyz` stay open.
`/api/admin/*` needs `Authorization: Bearer <admin key>` (POLICYKB_ADMIN_KEY) and is off (403) without one.
Every GET route answers HEAD too. Over POLICYKB_RATE_LIMIT requests a minute from one address: 429 with
Retry-After; a body over POLICYKB_MAX_BODY_BYTES: 413.
"""


def _lifespan(settings: Settings, holder: IndexHolder):
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.executor = ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="policykb-search")
        holder.reload_in_background()  # the first load; /readyz says when it is done
        restore = install_sighup(holder)
        try:
            yield
        finally:
            if restore:
                restore()
            app.state.executor.shutdown(wait=False, cancel_futures=True)

    return lifespan


def _docs_routes(app: FastAPI) -> None:
    """/docs served from the fastapi-offline package's Swagger UI files, so it works offline."""
    try:
        import fastapi_offline
    except ImportError:  # fall back to FastAPI's page, which loads Swagger UI from a CDN
        log.warning("fastapi-offline is not installed: /docs loads Swagger UI from the internet")
        app.add_api_route("/docs", lambda: get_swagger_ui_html(openapi_url="/openapi.json", title="policykb API"),
                          include_in_schema=False)
        return
    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="policykb API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon.png")


class PageFiles(StaticFiles):
    """The page's static files, with the same CSP and nosniff headers as `/` (so /static/index.html
    is no way around them)."""

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers.update(PAGE_HEADERS)
        return response


def _page_routes(app: FastAPI) -> None:
    app.mount("/static", PageFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)


def create_app(settings: Settings | None = None, holder: IndexHolder | None = None) -> FastAPI:
    """The service app for `settings` (default: read from POLICYKB_* variables).

    `holder` lets a caller share an already loaded index (tests); by default the app
    loads `settings.index` in the background at start-up.
    """
    settings = settings or Settings.from_env()
    holder = holder or IndexHolder(settings.index, check_seconds=settings.reload_check_seconds,
                                   loader=partial(load_generation, embed_threads=settings.embed_threads,
                                                  engine=settings.backend, milvus_uri=settings.milvus_uri))
    # redirect_slashes off: Starlette builds that redirect's Location from the Host header
    # (`/api/documents/%2e%2e%2f` → `http://<any host>/api/documents/..`); a JSON 404 says more.
    app = FastAPI(title="policykb", version="0.1.0", description=DESCRIPTION, docs_url=None, redoc_url=None,
                  lifespan=_lifespan(settings, holder), redirect_slashes=False)
    app.state.settings = settings
    app.state.holder = holder
    install_error_handlers(app)

    api = APIRouter(prefix="/api", dependencies=[Depends(require_api_key)],
                    responses={401: {"model": ErrorOut, "description": "API key missing or wrong"}})
    for module in (search, clauses, documents, export, compare, regions, timeline):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.admin, prefix="/api", dependencies=[Depends(require_admin_key)],
                       responses={401: {"model": ErrorOut, "description": "Admin key missing or wrong"},
                                  403: {"model": ErrorOut, "description": "Admin routes are off (no POLICYKB_ADMIN_KEY)"}})
    app.include_router(health.router)
    _docs_routes(app)
    _page_routes(app)
    app.add_middleware(RequestLimits, per_minute=settings.rate_limit, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(HeadAsGet)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["Authorization"],
                           expose_headers=["X-Policykb-Generation"], max_age=600)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory service.api.main:create_app_from_env` (settings from POLICYKB_*)."""
    return create_app(Settings.from_env())
