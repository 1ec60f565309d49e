"""Scan endpoint vs a bare Flask 302, both under gunicorn (2 workers), loaded with wrk on 127.0.0.1.

    .venv/bin/python -m bench.scan_bench [--database-url postgresql://...] [--duration 10] [--rounds 3]

Prints requests/s of each, the ratio (target ≥ 0.9) and checks that every 302 the scan app served
(counted from gunicorn's access log, which logs only status and path) left exactly one scan row.
Also checks that neither gunicorn's logs nor the access log contain the client address or user agent.
Without --database-url it uses a fresh SQLite file. Installs Debian `wrk` when missing (as root).
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench.harness import (
    app_env,
    count_scans,
    drain_journal,
    ensure_wrk,
    free_port,
    prepare_database,
    run_wrk,
    start_gunicorn,
    stop,
)

UA_SAMPLE = "SM-A145F"


def workers_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by a gunicorn master's worker processes."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    ticks = 0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL URL of an empty database (default: a fresh SQLite file)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs of each app")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    wrk = ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    code = prepare_database(url)
    env = app_env(url)
    ports = {"bare": free_port(), "scan": free_port()}
    logs = {name: (work / f"{name}-access.log", work / f"{name}-error.log") for name in ports}
    procs = {
        "bare": start_gunicorn("bench.bare_app:app", ports["bare"], *logs["bare"], env),
        "scan": start_gunicorn("wsgi:app", ports["scan"], *logs["scan"], env),
    }
    rates: dict[str, list[float]] = {"bare": [], "scan": []}
    cpu: dict[str, list[float]] = {"bare": [], "scan": []}  # CPU µs of the app's workers per request
    try:
        for name in ("bare", "scan"):
            run_wrk(wrk, f"http://127.0.0.1:{ports[name]}/s/{code}?q=1", 2, args.connections)  # warm-up
        for round_no in range(args.rounds):
            # Every other round runs the scan app first, so load that drifts during a round favours neither.
            for name in ("bare", "scan") if round_no % 2 == 0 else ("scan", "bare"):
                before = workers_cpu(procs[name].pid)
                rate = run_wrk(wrk, f"http://127.0.0.1:{ports[name]}/s/{code}?q=1", args.duration, args.connections)
                rates[name].append(rate)
                cpu[name].append((workers_cpu(procs[name].pid) - before) / (rate * args.duration) * 1e6)
    finally:
        for proc in procs.values():
            stop(proc)
    drain_journal(env)
    served = sum(1 for line in logs["scan"][0].read_text().splitlines() if line.startswith("302 /s/"))
    rows = count_scans(url)
    bare, scan = statistics.median(rates["bare"]), statistics.median(rates["scan"])
    # Each round runs both apps back to back; the median of the per-round ratios is robust to a
    # machine whose load drifts during the run.
    ratios = [s / b for b, s in zip(rates["bare"], rates["scan"], strict=True)]
    ratio = statistics.median(ratios)
    leaks = [
        str(path)
        for pair in logs.values()
        for path in pair
        if "127.0.0.1 "
        in path.read_text().replace(f"127.0.0.1:{ports['bare']}", "").replace(f"127.0.0.1:{ports['scan']}", "")
        or UA_SAMPLE in path.read_text()
    ]
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"database: {database}; gunicorn 2 workers; wrk -t2 -c{args.connections} {args.rounds}x{args.duration}s")
    print(f"bare Flask 302: {bare:8.0f} req/s  (runs: {', '.join(f'{r:.0f}' for r in rates['bare'])})")
    print(f"scan endpoint : {scan:8.0f} req/s  (runs: {', '.join(f'{r:.0f}' for r in rates['scan'])})")
    print(f"ratio scan/bare: {ratio:.2f} (median of per-round ratios; target >= 0.90)")
    print(f"per-round ratios: {', '.join(f'{r:.2f}' for r in ratios)}")
    # CPU time per request hardly moves with the other load on the machine, unlike requests per second.
    bare_cpu, scan_cpu = statistics.median(cpu["bare"]), statistics.median(cpu["scan"])
    print(
        f"worker CPU per request: bare {bare_cpu:.0f} µs, scan {scan_cpu:.0f} µs; "
        f"ratio bare/scan {bare_cpu / scan_cpu:.2f} (the database server's CPU not included)"
    )
    print(f"302s served by the scan app: {served}; scan rows: {rows}; {'equal' if served == rows else 'MISMATCH'}")
    print(f"client address or user agent in logs: {', '.join(leaks) if leaks else 'none'}")
    ok = ratio >= 0.9 and served == rows and not leaks
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
