"""The 400 for a request that is not valid HTTP, answered in the API's one error shape.

uvicorn's HTTP parser (httptools, else h11) refuses such a request before FastAPI sees
it, and answers a plain-text "Invalid HTTP request received.". The usual cause is a URL
with Chinese written as is: `curl 'http://HOST/api/search?q=党员'` sends the UTF-8 bytes
raw, which HTTP does not allow in a URL (browsers percent-encode them; curl does not).
The protocol classes here are uvicorn's own with one change: that 400 is JSON,
`{"error": {"code": "bad_request", "message": ..., "detail": null}}`, and its message
says how to encode the URL. `policykb serve` runs uvicorn with `http=json_error_protocol()`.
"""

from __future__ import annotations

import json
import re

from uvicorn.protocols.http.h11_impl import H11Protocol

# A request line (METHOD SP target) holding a byte outside ASCII.
_RAW_URL = re.compile(rb"(?:^|\n)[A-Z]+ [^\r\n]*[\x80-\xff]")
NON_ASCII_URL = ("The request URL has characters that are not ASCII (such as Chinese written as is); a URL must "
                 "carry them percent-encoded. With curl: curl -G 'http://HOST:PORT/api/search' "
                 "--data-urlencode 'q=新党员集中培训'. Browsers and HTTP libraries encode them themselves.")
TOO_LONG = ("The request's URL (or its headers) is too long for this server to read ({size} KB or more; keep it "
            "under {limit} KB). The API needs short URLs: q has at most 256 characters; send "
            "fewer filter values (document, issuer, doc_type) at a time.")
MALFORMED = ("The server could not read this request as HTTP/1.1 (a malformed request line or header). "
             "Send the URL with its query percent-encoded (curl -G URL --data-urlencode 'q=…'), "
             "or use a browser or an HTTP library.")


# How much of a request's line and headers uvicorn's parsers surely read: h11 refuses a head
# still incomplete after max_incomplete_event_size (uvicorn's default); httptools parses a
# URL of at most 65535 bytes (its URL parser's lengths are 16-bit), and its headers have no such limit.
H11_HEAD_LIMIT = 16 * 1024
HTTPTOOLS_HEAD_LIMIT = 65535


def error_body(head: bytes, head_size: int = 0, limit: int = 0) -> bytes:
    """The JSON error for a request that begins (or whose last chunk is) `head`, whose line and
    headers had reached `head_size` bytes (the parser reads up to `limit`)."""
    if limit and head_size >= limit:
        message = TOO_LONG.format(size=head_size // 1024, limit=-(-limit // 1024))
    elif _RAW_URL.search(head[:8192]):
        message = NON_ASCII_URL
    else:
        message = MALFORMED
    return json.dumps({"error": {"code": "bad_request", "message": message, "detail": None}},
                      ensure_ascii=False).encode("utf-8")


class _KeepsLastChunk:
    """Remembers the last chunk received and the size of the request head it belongs to, so a
    parser-level 400 can say what was wrong with the request."""

    _head = b""
    _pending = 0  # bytes since the last end of headers seen
    _head_size = 0  # the longest request line and headers the last chunk belongs to
    head_limit = 0

    def data_received(self, data: bytes) -> None:
        heads = data.split(b"\r\n\r\n")  # the pieces between ends of headers (pipelined requests)
        self._head_size = max([self._pending + len(heads[0]), *(len(h) for h in heads[1:])])
        self._pending = self._pending + len(data) if len(heads) == 1 else len(heads[-1])
        self._head = data
        super().data_received(data)  # type: ignore[misc]  # a mixin: super() is the uvicorn protocol it joins

    def _error_body(self) -> bytes:
        return error_body(self._head, self._head_size, self.head_limit)


class JsonErrorH11Protocol(_KeepsLastChunk, H11Protocol):
    """uvicorn's h11 protocol whose parser-level 400 is JSON in the one error shape."""

    head_limit = H11_HEAD_LIMIT

    def send_400_response(self, msg: str) -> None:
        import h11

        body = self._error_body()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                   (b"connection", b"close")]
        self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request")))
        self.transport.write(self.conn.send(h11.Data(data=body)))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()


try:
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
except ImportError:  # httptools not installed: uvicorn uses h11, and so do we
    HttpToolsProtocol = None  # type: ignore[misc,assignment]  # None: json_error_protocol() then picks h11
else:

    class JsonErrorHttpToolsProtocol(_KeepsLastChunk, HttpToolsProtocol):
        """uvicorn's httptools protocol whose parser-level 400 is JSON in the one error shape."""

        head_limit = HTTPTOOLS_HEAD_LIMIT

        def send_400_response(self, msg: str) -> None:
            body = self._error_body()
            content = [STATUS_LINE[400]]
            for name, value in self.server_state.default_headers:
                content.extend([name, b": ", value, b"\r\n"])
            content.extend([b"content-type: application/json\r\n",
                            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                            b"connection: close\r\n", b"\r\n", body])
            self.transport.write(b"".join(content))
            self.transport.close()


def json_error_protocol() -> type:
    """The protocol class `uvicorn.run(http=...)` takes: httptools when installed (as uvicorn's "auto"), else h11."""
    return JsonErrorHttpToolsProtocol if HttpToolsProtocol is not None else JsonErrorH11Protocol
