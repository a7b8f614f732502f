"""Per-request limits, checked before any route runs: body size (413) and requests per client (429).

`RequestLimits` is plain ASGI middleware. The rate limit is a token bucket per client
address (`scope["client"]`, which uvicorn takes from X-Forwarded-For only when the proxy
is trusted): a client may send `per_minute` requests at once, then as many as the bucket
refills (`per_minute` / 60 a second). Buckets live in the middleware, so each server
process (worker) counts on its own.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from policykb.service.api.errors import error_response

# Bucket count above which full (idle) buckets are dropped, then the longest-unused ones,
# so memory stays bounded however many addresses call; a dropped client starts full again.
PRUNE_ABOVE = 10_000


@dataclass
class Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One token bucket per client address; `take` says how long to wait when the bucket is empty."""

    def __init__(self, per_minute: float, clock=time.monotonic) -> None:
        self.capacity = per_minute
        self.refill = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, Bucket] = {}

    def take(self, client: str) -> float:
        """Spend a token of `client`'s bucket: 0 when it had one, else the seconds until it will."""
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) >= PRUNE_ABOVE:
                self._prune(now)
            bucket = self._buckets[client] = Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.refill)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.refill

    def _prune(self, now: float) -> None:
        full = [c for c, b in self._buckets.items() if b.tokens + (now - b.updated) * self.refill >= self.capacity]
        for client in full:
            del self._buckets[client]
        if len(self._buckets) >= PRUNE_ABOVE // 2:
            by_use = sorted(self._buckets, key=lambda c: self._buckets[c].updated)
            for client in by_use[:len(by_use) - PRUNE_ABOVE // 2]:
                del self._buckets[client]

    def __len__(self) -> int:
        return len(self._buckets)


class RequestLimits:
    """ASGI middleware: 413 `too_large` for a body over `max_body_bytes`, 429 `rate_limited` (with
    Retry-After) for a client over `per_minute` requests; 0 turns either off."""

    def __init__(self, app, per_minute: float, max_body_bytes: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute) if per_minute > 0 else None
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.buckets is not None:
            client = scope["client"][0] if scope.get("client") else "unknown"
            wait = self.buckets.take(client)
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                response = error_response(
                    429, "rate_limited",
                    f"Too many requests from {client}: this server answers one address at most "
                    f"{self.buckets.capacity:g} requests a minute (POLICYKB_RATE_LIMIT). Try again in {seconds} s.",
                    headers={"Retry-After": str(seconds)})
                return await response(scope, receive, send)
        if self.max_body_bytes:
            too_large, receive = await self._checked_body(scope, receive)
            if too_large:
                return await error_response(
                    413, "too_large",
                    f"The request body is over {self.max_body_bytes} bytes, the most this server accepts "
                    "(POLICYKB_MAX_BODY_BYTES). No route of this API reads a body: send the parameters in the "
                    "URL query.")(scope, receive, send)
        await self.app(scope, receive, send)

    async def _checked_body(self, scope, receive):
        """(whether the body is over the limit, the receive to pass on)."""
        headers = dict(scope.get("headers") or ())
        length = headers.get(b"content-length")
        if length is not None:
            size = int(length) if length.isdigit() else 0
            return size > self.max_body_bytes, receive
        if b"transfer-encoding" not in headers:
            return False, receive
        # chunked, no length given: read it here (up to the limit) and hand it on as received
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return True, receive
            if not message.get("more_body"):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        return False, replay
