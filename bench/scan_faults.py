"""Scans under load while a gunicorn worker is SIGKILLed: no scan lost, none doubled; throughput vs bare Flask.

    .venv/bin/python -m bench.scan_faults [--postgres postgresql://.../empty_db] [--workers 4] [--duration 12]

For SQLite (a fresh file) and, with --postgres, PostgreSQL: starts the app and a bare Flask redirect
under gunicorn (sync workers) on 127.0.0.1, measures the bare app with wrk, then drives
`/s/<code>` with wrk (bench/scan_faults.lua) and SIGKILLs one worker halfway through the scan phase.

The check. wrk counts, per response, the 302s it received. The Lua script sends scans only during
the scan phase and then asks for an unknown code (404, never a scan) until wrk stops, so no scan is
abandoned when wrk stops: every scan request either got its 302 or failed with a socket error.
A sync worker serves one request at a time, so the killed worker had at most one request in flight;
it shows up at the client as a socket error, and on the server it either committed its row (its 302
never left) or not. So, with R scan rows, C 302s received, E socket errors and K killed workers:
  lost    = C - R when positive: a 302 reached the client without a row. Must be 0.
  doubled = R - C beyond what the killed requests explain, i.e. more than min(E, K). Must be 0.
A row whose 302 never reached the client (R - C <= min(E, K)) is reported, not counted as doubled:
the database cannot know the answer did not arrive, and the visitor never reached the survey.
Any other error (non-302/404 status, timeout) fails the run. The access log is not the reference:
the killed worker can send its 302 and die before writing the log line (seen in practice), so it is
only printed alongside.
Throughput: 302s received per second of the scan phase (kill included) over the bare app's 302s/s.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness import (
    ROOT,
    app_env,
    count_scans,
    drain_journal,
    ensure_wrk,
    free_port,
    prepare_database,
    run_wrk,
    start_gunicorn,
    stop,
    wait_drained,
    wait_until_serving,
)


@dataclass
class FaultRun:
    database: str
    bare_rps: float
    scan_rps: float
    sent: int
    received: int
    errors: int
    other: int
    rows: int
    killed: int
    served: int

    @property
    def lost(self) -> int:
        return max(0, self.received - self.rows)

    @property
    def undelivered(self) -> int:
        return max(0, self.rows - self.received)

    @property
    def doubled(self) -> int:
        return max(0, self.undelivered - min(self.errors, self.killed))

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.doubled == 0 and self.other == 0 and self.received > 0 and self.killed == 1

    def report(self) -> str:
        return "\n".join(
            [
                f"[{self.database}] bare Flask 302: {self.bare_rps:.0f}/s; "
                f"scans (with the kill): {self.scan_rps:.0f}/s; ratio {self.scan_rps / self.bare_rps:.2f}",
                f"[{self.database}] scan requests built {self.sent}; 302s received {self.received}; "
                f"socket errors {self.errors}; other answers {self.other}; workers killed {self.killed}",
                f"[{self.database}] scan rows {self.rows} (302s in the access log {self.served}); lost {self.lost}; "
                f"doubled {self.doubled}; committed in the killed worker, answer not delivered {self.undelivered}",
                f"[{self.database}] {'PASS' if self.ok else 'FAIL'}",
            ]
        )


def worker_pids(master: int) -> list[int]:
    """gunicorn's worker processes: the master's children."""
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def run_database(wrk: str, url: str, work: Path, args) -> FaultRun:
    code = prepare_database(url)
    env = app_env(url)
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    ports = {"bare": free_port(), "scan": free_port()}
    logs = {name: (work / f"{database}-{name}-access.log", work / f"{database}-{name}-error.log") for name in ports}
    bare = start_gunicorn("bench.bare_app:app", ports["bare"], *logs["bare"], env, workers=args.workers)
    try:
        wait_until_serving(wrk, f"http://127.0.0.1:{ports['bare']}/s/{code}", logs["bare"][0], args.workers)
        bare_rps = run_wrk(wrk, f"http://127.0.0.1:{ports['bare']}/s/{code}", args.duration, args.connections)
    finally:
        stop(bare)
    scan = start_gunicorn("wsgi:app", ports["scan"], *logs["scan"], env, workers=args.workers)
    try:
        base = f"http://127.0.0.1:{ports['scan']}"
        wait_until_serving(wrk, f"{base}/s/UNKNOWN9", logs["scan"][0], args.workers)  # 404s: no scans
        run_wrk(wrk, f"{base}/s/{code}", 2, args.connections)  # warm the scan path (its scans are subtracted)
        time.sleep(1)  # the scans wrk abandoned when it stopped are still being answered
        wait_drained(base)
        rows_before = count_scans(url)
        served_before = sum(1 for line in logs["scan"][0].read_text().splitlines() if line.startswith("302 /s/"))
        victim = worker_pids(scan.pid)[0]
        killer = threading.Timer(args.duration / 2, os.kill, (victim, signal.SIGKILL))
        started = time.time()
        killer.start()
        out = subprocess.run(
            [
                wrk,
                "-t2",
                f"-c{args.connections}",
                f"-d{args.duration + args.tail}s",
                "-s",
                str(ROOT / "bench" / "scan_faults.lua"),
                f"{base}/s/{code}",
                "--",
                str(args.duration),
                "/s/UNKNOWN9",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        killer.join()
    finally:
        stop(scan)
    drain_journal(env)
    result = dict(pair.split("=") for pair in re.search(r"RESULT (.*)", out).group(1).split())
    result = {key: int(value) for key, value in result.items()}
    errors = sum(result[key] for key in ("connect", "read", "write"))
    scan_seconds = max(result["scan_until"] - started, 1e-3)
    served = sum(1 for line in logs["scan"][0].read_text().splitlines() if line.startswith("302 /s/")) - served_before
    return FaultRun(
        database=database,
        bare_rps=bare_rps,
        scan_rps=result["got302"] / scan_seconds,
        sent=result["sent"],
        received=result["got302"],
        errors=errors,
        other=result["other"] + result["timeout"],
        rows=count_scans(url) - rows_before,
        killed=logs["scan"][1].read_text().count(f"(pid:{victim}) was sent SIGKILL"),
        served=served,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database to run on as well")
    parser.add_argument("--sqlite-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=int, default=12, help="seconds of scans (the kill comes halfway)")
    parser.add_argument("--tail", type=int, default=3, help="seconds of 404 requests after the scans")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    wrk = ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="outreach-faults-"))
    urls = [f"sqlite:///{work / 'faults.db'}", *([args.postgres] if args.postgres else [])]
    print(
        f"gunicorn {args.workers} sync workers; wrk -t2 -c{args.connections}; {args.duration}s of scans + "
        f"{args.tail}s tail; one worker SIGKILLed at {args.duration / 2:.0f}s; logs in {work}"
    )
    runs = []
    for url in urls:
        run = run_database(wrk, url, work, args)
        print(run.report(), flush=True)
        runs.append(run)
    ok = all(run.ok for run in runs)
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
