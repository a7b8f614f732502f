"""HEAD answered like GET: the same status and headers, no body (RFC 9110 §9.3.2).

FastAPI routes declared with GET answer HEAD with 405; monitors and link checkers send HEAD.
"""

from __future__ import annotations


class HeadAsGet:
    """ASGI middleware: a HEAD request runs as GET and its body is dropped (Content-Length kept)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def headers_only(message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(dict(scope, method="GET"), receive, headers_only)
