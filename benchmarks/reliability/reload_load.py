"""Reload under load: a serving `policykb serve` switches generations with 0 failed requests.

A real server on 127.0.0.1 serves a small real index (two bundled seeds) while
`--clients` threads search it back to back (the 60 seed queries, hybrid, k=10,
keep-alive connections). Each switch is a real `policykb ingest` that adds one new
notice file; the script then waits until the clients are answered from the new
generation. Two legs, one server each, `--seconds`/2 each (longer if the switches take
longer):

  * **file change**: the server polls CURRENT (the default 2 s check). Before its
    clients start, the server sits idle through `--idle-builds` builds (an idle server
    must still answer afterwards: its generation is leased, not deleted). Mid-leg a
    corrupted newest generation appears: built in a copy of the index, one byte of its
    dense.faiss flipped, moved in and switched to with index.generation.switch_current.
    The server must refuse it, keep answering from the old one, and say why in /readyz.
  * **SIGHUP and admin route**: reload check off; switches alternate SIGHUP and
    POST /api/admin/reload. Mid-leg the newest generation is corrupted in place and
    both triggers are tried on it: the admin route must answer 503 naming the file,
    and neither may switch.

Every response that is not 200, or no response, counts as a failed request (503
included: the guarantee has no not-ready window). Answers are also checked to be
whole: a (generation, query) pair always gets the same result ids.

    .venv/bin/python -m benchmarks.reliability.reload_load --clients 16 --seconds 60 --switches 10

Keys (POLICYKB_API_KEY, POLICYKB_ADMIN_KEY, or --api-key/--admin-key) are set on the server it
starts and sent with the requests, as `Authorization: Bearer <key>`; without an admin key given
the run makes one up, since the admin route is off without one.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from benchmarks.common import percentiles, print_table, write_result
from benchmarks.http_load import server
from benchmarks.reliability.harness import copy_files, fixed_queries, run_ingest, small_corpus_files

NOTICE = "《第{n}号通知》\n\n第一条 城建档案馆第{n}号库房每年经费投入不少于一百万元。\n第二条 本通知自印发之日起施行。\n"


@dataclass
class Keys:
    """The keys the server is started with and the requests carry (None: not configured)."""

    api: str | None = None
    admin: str | None = None

    def server_env(self) -> dict[str, str]:
        return {k: v for k, v in (("POLICYKB_API_KEY", self.api), ("POLICYKB_ADMIN_KEY", self.admin)) if v}

    def headers(self, admin: bool = False) -> dict[str, str]:
        key = (self.admin or self.api) if admin else self.api
        return {"Authorization": f"Bearer {key}"} if key else {}


@dataclass
class Answer:
    at: float
    status: int  # 0: no HTTP answer (connection error)
    generation: str
    ms: float
    ids: tuple[str, ...] = ()
    query: str = ""
    error: str = ""


class Clients:
    """`n` threads searching back to back until `stop()`; every answer is recorded."""

    def __init__(self, base: str, n: int, queries: list[str], keys: Keys) -> None:
        self.host, self.port = urlsplit(base).hostname, urlsplit(base).port
        self.paths = [f"/api/search?q={quote(q)}&k=10" for q in queries]
        self.headers = keys.headers()
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.started = time.monotonic()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(n)]
        for t in self._threads:
            t.start()

    def _run(self, offset: int) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        i = offset * 7
        while not self._stop.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers=self.headers)
                response = conn.getresponse()
                body = response.read()
                generation = response.getheader("X-Policykb-Generation") or ""
                ids, error = (), ""
                if response.status == 200:
                    ids = tuple(r["id"] for r in json.loads(body)["results"])
                else:
                    error = body[:300].decode(errors="replace")
                answer = Answer(time.monotonic() - self.started, response.status, generation,
                                (time.perf_counter() - t) * 1000, ids, path, error)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                answer = Answer(time.monotonic() - self.started, 0, "", (time.perf_counter() - t) * 1000,
                                query=path, error=f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            with self._lock:
                self.answers.append(answer)
        conn.close()

    def latest_generation(self) -> str:
        with self._lock:
            return next((a.generation for a in reversed(self.answers) if a.generation), "")

    def wait_for_generation(self, name: str, timeout: float) -> float | None:
        """Seconds until a client is answered from generation `name` (None after `timeout`)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            with self._lock:
                if any(a.generation == name for a in self.answers[-64:]):
                    return time.monotonic() - started
            time.sleep(0.05)
        return None

    def stop(self) -> list[Answer]:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=120)
        return self.answers


@dataclass
class Event:
    leg: str
    kind: str  # file change | SIGHUP | admin | idle build | corrupt newest (…)
    at_s: float
    generation: str
    build_s: float
    switch_s: float | None  # trigger to the first answer from the new generation
    ok: bool
    detail: str = ""


@dataclass
class Leg:
    name: str
    seconds: float = 0.0
    answers: list[Answer] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


class Scenario:
    """The corpus folder, the served index and the builds that change it."""

    def __init__(self, root: Path, model: str | None) -> None:
        self.root, self.model = root, model
        self.corpus = copy_files(small_corpus_files()[:2], root / "corpus")
        self.index = root / "index"
        self.notices = 0
        run_ingest([self.corpus], self.index, model)

    def add_notice(self) -> None:
        self.notices += 1
        (self.corpus / f"notice_{self.notices:03d}.txt").write_text(NOTICE.format(n=self.notices), encoding="utf-8")

    def build(self, index: Path | None = None) -> tuple[str, float]:
        """Add a notice and run `policykb ingest`; (the new generation, seconds)."""
        from policykb.index.generation import current_name

        self.add_notice()
        seconds = run_ingest([self.corpus], index or self.index, self.model)
        return current_name(index or self.index), seconds

    def corrupt(self, generation: Path) -> str:
        """Flip one byte in the middle of the generation's dense.faiss; the file changed."""
        path = generation / "dense.faiss"
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
        return str(path)

    def corrupt_newest_by_move(self) -> tuple[str, float, str]:
        """A new generation built in a copy of the index, corrupted there, then moved in and made
        CURRENT (the switch a build does): (its name, build seconds, the file corrupted)."""
        from policykb.index.generation import GENERATIONS, current_name, switch_current

        staging = self.root / f"staging-{self.notices}"
        shutil.copytree(self.index, staging, ignore=shutil.ignore_patterns("LEASE", "LOCK"))
        name, seconds = self.build(staging)
        corrupted = self.corrupt(staging / GENERATIONS / name)
        target = self.index / GENERATIONS / name
        os.rename(staging / GENERATIONS / name, target)
        switch_current(self.index, target)
        shutil.rmtree(staging)
        assert current_name(self.index) == name
        return name, seconds, corrupted.replace(str(staging), str(self.index))


def get_json(base: str, method: str, path: str, headers: dict[str, str]) -> tuple[int, dict]:
    split = urlsplit(base)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=300)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def readyz_naming(base: str, name: str, timeout: float) -> tuple[int, dict]:
    """/readyz once its last_error names generation `name`, or as it is after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        status, ready = get_json(base, "GET", "/readyz", {})
        if name in ((ready or {}).get("last_error") or "") or time.monotonic() > deadline:
            return status, ready
        time.sleep(0.2)


def file_change_leg(s: Scenario, args, keys: Keys, queries: list[str], switches: int, log: Path) -> Leg:
    leg = Leg("file change")
    env = keys.server_env() | {"POLICYKB_RELOAD_CHECK_SECONDS": str(args.check_seconds)}
    with server(str(s.index), env=env, log_path=log) as (base, _proc):
        served = get_json(base, "GET", "/readyz", {})[1]["generation"]
        t0 = time.monotonic()
        for _ in range(args.idle_builds):  # nobody asks: nothing polls, the builds clean up around it
            name, seconds = s.build()
            leg.events.append(Event(leg.name, "idle build", round(time.monotonic() - t0, 1), name,
                                    round(seconds, 1), None, True, f"served {served} meanwhile"))
        clients = Clients(base, args.clients, queries, keys)
        if args.idle_builds:
            waited = clients.wait_for_generation(s.index.joinpath("CURRENT").read_text().strip(), args.switch_timeout)
            leg.events[-1].switch_s = None if waited is None else round(waited, 2)
            leg.events[-1].ok = waited is not None
        corrupt_at = switches // 2
        for i in range(switches):
            _pace(clients, i, switches + 1, args.seconds / 2)
            if i == corrupt_at:
                leg.events.append(_corrupt_by_move(s, base, clients, leg.name, args))
            name, seconds = s.build()
            waited = clients.wait_for_generation(name, args.switch_timeout)
            leg.events.append(Event(leg.name, "file change", round(clients_time(clients), 1), name, round(seconds, 1),
                                    None if waited is None else round(waited, 2), waited is not None))
        _pace(clients, switches + 1, switches + 1, args.seconds / 2)
        leg.answers = clients.stop()
        leg.seconds = round(clients_time(clients), 1)
    return leg


def _corrupt_by_move(s: Scenario, base: str, clients: Clients, leg: str, args) -> Event:
    before = clients.latest_generation()
    name, seconds, corrupted = s.corrupt_newest_by_move()
    status, ready = readyz_naming(base, name, timeout=args.check_seconds * 3 + 5)  # a few polls' worth
    still = clients.latest_generation()
    said = (ready or {}).get("last_error") or ""
    ok = status == 200 and still == before and name in said and "checksum" in said
    return Event(leg, "corrupt newest (CURRENT changed)", round(clients_time(clients), 1), name, round(seconds, 1),
                 None, ok, f"{corrupted}; still serving {still}; /readyz {status}: {said[:200]}")


def signal_leg(s: Scenario, args, keys: Keys, queries: list[str], switches: int, log: Path) -> Leg:
    leg = Leg("SIGHUP and admin route")
    env = keys.server_env() | {"POLICYKB_RELOAD_CHECK_SECONDS": "0"}
    with server(str(s.index), env=env, log_path=log) as (base, proc):
        clients = Clients(base, args.clients, queries, keys)
        corrupt_at = switches // 2
        for i in range(switches):
            _pace(clients, i, switches + 1, args.seconds / 2)
            if i == corrupt_at:
                leg.events.append(_corrupt_in_place(s, base, proc, clients, leg.name, keys))
            name, seconds = s.build()
            kind = "SIGHUP" if i % 2 == 0 else "admin"
            triggered = time.monotonic()
            detail = ""
            if kind == "SIGHUP":
                proc.send_signal(signal.SIGHUP)
                waited = clients.wait_for_generation(name, args.switch_timeout)
            else:
                status, body = get_json(base, "POST", "/api/admin/reload", keys.headers(admin=True))
                detail = f"admin {status}: {json.dumps(body, ensure_ascii=False)[:200]}"
                waited = clients.wait_for_generation(name, args.switch_timeout) if status == 200 else None
                waited = None if waited is None else time.monotonic() - triggered
            leg.events.append(Event(leg.name, kind, round(clients_time(clients), 1), name, round(seconds, 1),
                                    None if waited is None else round(waited, 2), waited is not None, detail))
        _pace(clients, switches + 1, switches + 1, args.seconds / 2)
        leg.answers = clients.stop()
        leg.seconds = round(clients_time(clients), 1)
    return leg


def _corrupt_in_place(s: Scenario, base: str, proc, clients: Clients, leg: str, keys: Keys) -> Event:
    from policykb.index.generation import GENERATIONS

    before = clients.latest_generation()
    name, seconds = s.build()
    corrupted = s.corrupt(s.index / GENERATIONS / name)
    status, body = get_json(base, "POST", "/api/admin/reload", keys.headers(admin=True))
    message = ((body or {}).get("error") or {}).get("message", "")
    proc.send_signal(signal.SIGHUP)
    time.sleep(1)  # the SIGHUP reload runs in the background; it fails like the admin one
    ready_status, ready = readyz_naming(base, name, timeout=5)
    still = clients.latest_generation()
    ok = status == 503 and "dense.faiss" in message and still == before and ready_status == 200 \
        and name in ((ready or {}).get("last_error") or "")
    return Event(leg, "corrupt newest (admin + SIGHUP)", round(clients_time(clients), 1), name, round(seconds, 1),
                 None, ok, f"{corrupted}; admin {status}: {message[:200]}; still serving {still}")


def clients_time(clients: Clients) -> float:
    return time.monotonic() - clients.started


def _pace(clients: Clients, i: int, slots: int, seconds: float) -> None:
    """Wait until slot i of `slots` equal slots over `seconds` (no wait when behind)."""
    time.sleep(max(0.0, i * seconds / slots - clients_time(clients)))


def summarize(legs: list[Leg], idle_window: float) -> tuple[list[dict], dict]:
    rows = []
    for leg in legs:
        answers = leg.answers
        failed = [a for a in answers if a.status != 200]
        rows.append({"leg": leg.name, "seconds": leg.seconds, "requests": len(answers),
                     "rps": round(len(answers) / leg.seconds, 1) if leg.seconds else 0,
                     "failed": len(failed), "failed_by_status": dict(Counter(a.status for a in failed)),
                     "switches": sum(e.kind in ("file change", "SIGHUP", "admin") and e.ok for e in leg.events),
                     "generations_seen": len({a.generation for a in answers if a.generation}),
                     **{f"ms_{k}": v for k, v in percentiles([a.ms for a in answers]).items() if k in ("p50", "p99")},
                     "max_switch_s": max((e.switch_s for e in leg.events if e.switch_s is not None), default=None)})
    everything = [a for leg in legs for a in leg.answers]
    by_pair: dict[tuple[str, str], set] = {}
    for a in everything:
        if a.status == 200:
            by_pair.setdefault((a.generation, a.query), set()).add(a.ids)
    idle_first = [a for a in legs[0].answers if a.at <= idle_window] if legs else []
    events = [e for leg in legs for e in leg.events]
    summary = {"requests": len(everything), "failed": sum(a.status != 200 for a in everything),
               "switches": sum(e.kind in ("file change", "SIGHUP", "admin") and e.ok for e in events),
               "switches_by_trigger": dict(Counter(e.kind for e in events if e.ok and e.kind in
                                                   ("file change", "SIGHUP", "admin"))),
               "events_failed": [asdict(e) for e in events if not e.ok],
               "torn_answers": sum(len(v) > 1 for v in by_pair.values()),
               "idle_first_requests": len(idle_first), "idle_first_failed": sum(a.status != 200 for a in idle_first),
               "first_failures": [asdict(a) for a in everything if a.status != 200][:10]}
    return rows, summary


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60, help="load time over both legs (default 60)")
    parser.add_argument("--switches", type=int, default=10, help="generation switches over both legs (default 10)")
    parser.add_argument("--idle-builds", type=int, default=2, help="builds while the server sits idle (default 2)")
    parser.add_argument("--check-seconds", type=float, default=2.0, help="the file-change leg's POLICYKB_RELOAD_CHECK_SECONDS")
    parser.add_argument("--switch-timeout", type=float, default=120, help="seconds a switch may take to show")
    parser.add_argument("--model", default=None, help="embedder (default: policykb's default)")
    parser.add_argument("--api-key", default=os.environ.get("POLICYKB_API_KEY") or None)
    # the admin route is off without an admin key, and this suite switches through it: make one up
    parser.add_argument("--admin-key", default=os.environ.get("POLICYKB_ADMIN_KEY") or secrets.token_urlsafe(16))
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one, removed)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    keys = Keys(args.api_key, args.admin_key)
    queries = [q for _, q in fixed_queries()]
    file_switches = args.switches // 2
    with tempfile.TemporaryDirectory(prefix="policykb-reload-", dir=args.workdir) as tmp:
        root = Path(tmp)
        s = Scenario(root, args.model)
        legs = [file_change_leg(s, args, keys, queries, file_switches, root / "server-file-change.log"),
                signal_leg(s, args, keys, queries, args.switches - file_switches, root / "server-signal.log")]
        logs = {leg.name: (root / name).read_text(errors="replace")[-4000:]
                for leg, name in zip(legs, ("server-file-change.log", "server-signal.log"))}
    rows, summary = summarize(legs, idle_window=5.0)
    for leg in legs:
        for e in leg.events:
            print(f"{e.leg}: {e.kind} at {e.at_s} s -> {e.generation} (build {e.build_s} s, "
                  f"switch {e.switch_s} s){'' if e.ok else '  FAILED'} {e.detail}", flush=True)
    print_table(rows, ["leg", "seconds", "requests", "rps", "failed", "switches", "generations_seen", "ms_p50",
                       "ms_p99", "max_switch_s"],
                f"{args.clients} clients: {summary['requests']} requests, {summary['failed']} failed, "
                f"{summary['switches']} switches, {summary['torn_answers']} torn answers")
    params = {k: v for k, v in vars(args).items() if k not in ("api_key", "admin_key")} | {
        "api_key_set": bool(args.api_key), "admin_key_set": bool(args.admin_key), "queries": len(queries)}
    events = [asdict(e) for leg in legs for e in leg.events]
    failed_logs = logs if summary["failed"] or summary["events_failed"] else {}
    write_result("reliability_reload_load", params, rows, args.out, summary=summary, events=events,
                 server_logs=failed_logs)
    return summary


if __name__ == "__main__":
    main()
