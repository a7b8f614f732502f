"""One JSON error shape for every error the service answers:

    {"error": {"code": "not_found", "message": "No clause ...", "detail": null}}

`code` is stable and machine-readable, `message` is written for the person who hit
it (what happened, what to do), `detail` carries structured extras (for 422: the
offending parameters). Unknown routes, wrong methods, validation errors, missing
API keys, time-outs and unexpected failures all answer in this shape.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("policykb.api")

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 413: "too_large", 422: "invalid_request", 429: "rate_limited",
         503: "unavailable", 504: "timeout"}


class ApiError(Exception):
    """An error answered to the client as-is."""

    def __init__(self, status: int, code: str, message: str, detail=None, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail, self.headers = status, code, message, detail, headers


def error_response(status: int, code: str, message: str, detail=None, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "detail": detail}},
                        status_code=status, headers=headers)


def _loc(loc) -> str:
    parts = [str(p) for p in loc if p not in ("query", "path", "body", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def _clean(errors: list[dict]) -> list[dict]:
    """Validation errors without the echoed input objects (they may not serialize)."""
    out = []
    for e in errors:
        item = {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
        if "input" in e and isinstance(e["input"], (str, int, float, bool, type(None))):
            item["input"] = e["input"]
        out.append(item)
    return out


def validation_message(errors: list[dict]) -> str:
    return "; ".join(f"{_loc(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        return error_response(422, "invalid_request", validation_message(errors), _clean(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            message = f"Nothing at {request.url.path}. The API is under /api (see /docs)."
            if request.url.path.endswith("/") and request.url.path != "/":
                message += " Its URLs do not end with a slash."
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}."
        else:
            message = str(exc.detail)
        return error_response(exc.status_code, CODES.get(exc.status_code, "http_error"), message,
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        holder = getattr(request.app.state, "holder", None)
        lost = holder.lost() if holder is not None else None
        if lost and holder is not None:  # the served generation's files vanished while this request read them
            log.error("%s %s failed: %s", request.method, request.url.path, lost)
            holder.get()  # starts loading the current generation
            return error_response(503, "unavailable", f"{lost} Try again in a moment; /readyz says when it is "
                                                      "ready.", headers={"Retry-After": "5"})
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error",
                              "The server failed to answer this request; the error is in its log. "
                              "Try again, and report it if it keeps happening.")
