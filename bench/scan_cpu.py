"""CPU time per scan request in one process, against the bare Flask 302: where a scan's time goes,
measured so that other load on a shared machine hardly moves it.

    .venv/bin/python -m bench.scan_cpu [--database-url postgresql://...] [--requests 4000] [--rounds 5]

Calls the production app's WSGI callable (fast path included) and the bare app's directly, without
HTTP, alternating rounds, and prints the median CPU µs per request of each (process time: the scan
journal's drainer thread counts too; the database server's own work does not) and their ratio. Set
SCAN_RECORDING=direct or journal in the environment to compare the two ways of recording a visit.
Without --database-url it uses a fresh SQLite file.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import app_env, prepare_database

UA = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36"
)


def environ(code: str, n: int) -> dict:
    """A WSGI environ of a QR scan from one of many phones."""
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/s/{code}",
        "QUERY_STRING": "q=1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": f"10.0.{n % 250}.{n % 7}",
        "HTTP_USER_AGENT": UA,
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def cpu_per_request(app, code: str, requests: int) -> float:
    """CPU µs per request of `requests` scans through `app`; every answer must be a 302."""
    answers = []
    started = time.process_time()
    for n in range(requests):
        for _chunk in app(environ(code, n), lambda status, headers, exc=None: answers.append(status)):
            pass
    spent = time.process_time() - started
    if any(not status.startswith("302") for status in answers):
        sys.exit(f"not every answer was a 302: {sorted(set(answers))}")
    return spent / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL URL of an empty database (default: a fresh SQLite file)")
    parser.add_argument("--requests", type=int, default=4000, help="requests per round and app")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='outreach-cpu-')) / 'cpu.db'}"
    os.environ.update(app_env(url))
    code = prepare_database(url)
    from bench.bare_app import app as bare_app
    from wsgi import app as scan_app

    for app in (bare_app, scan_app):
        cpu_per_request(app, code, 500)  # warm-up: imports, caches, the day's salt
    bare, scan = [], []
    for _round in range(args.rounds):
        bare.append(cpu_per_request(bare_app, code, args.requests))
        scan.append(cpu_per_request(scan_app, code, args.requests))
        time.sleep(1.2)  # let the journal's drainer run between rounds, inside the measured process
    ratio = statistics.median(b / s for b, s in zip(bare, scan, strict=True))
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    recording = os.environ.get("SCAN_RECORDING", "journal")
    print(f"database: {database}; SCAN_RECORDING={recording}; {args.rounds} rounds of {args.requests} requests")
    print(f"bare Flask 302: {statistics.median(bare):.0f} µs CPU per request")
    print(f"scan          : {statistics.median(scan):.0f} µs CPU per request")
    print(f"ratio bare/scan: {ratio:.2f} (above 1: a scan costs less CPU than a bare Flask redirect)")


if __name__ == "__main__":
    main()
