"""Instructions per dashboard request, counted by valgrind's callgrind: a measure of the work a page
does that, unlike its milliseconds, does not move when a shared machine slows down.

    .venv/bin/python -m bench.instructions --database-url URL [--page NAME ...] [--requests 3]

Run `bench.dashboard --database-url URL` first: this reuses the data it loaded. Each page gets its
own process under callgrind with instrumentation off while the app starts and warms up (3
requests), on for --requests requests, then off again; it prints millions of instructions per
request in this process (on PostgreSQL the server's own work is not in it). Compare two versions of
the code on the same data. Installs Debian `valgrind` when missing (as root).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def ensure_valgrind() -> None:
    if shutil.which("valgrind") and shutil.which("callgrind_control"):
        return
    if os.geteuid() != 0:
        sys.exit("valgrind is missing: install the Debian package `valgrind`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-qq", "valgrind"], check=True, env=env)


def _wait_for(path: Path, proc: subprocess.Popen) -> None:
    while not path.exists():
        if proc.poll() is not None:
            sys.exit(f"the measured process ended early (exit {proc.returncode})")
        time.sleep(0.2)


def count(url: str, page: str, requests: int, work: Path) -> float:
    """Millions of instructions per request of one page."""
    signals = {name: work / f"{name}" for name in ("ready", "go", "done", "exit")}
    for path in signals.values():
        path.unlink(missing_ok=True)
    out = work / "callgrind.out"
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
        sys.executable,
        "-m",
        "bench.instructions",
        "--serve",
        str(work),
        "--database-url",
        url,
        "--page",
        page,
        "--requests",
        str(requests),
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(signals["ready"], proc)
    subprocess.run(["callgrind_control", "--instr=on", str(proc.pid)], check=True, capture_output=True)
    signals["go"].touch()
    _wait_for(signals["done"], proc)
    subprocess.run(["callgrind_control", "--instr=off", str(proc.pid)], check=True, capture_output=True)
    signals["exit"].touch()
    if proc.wait() != 0:
        sys.exit(f"the measured process failed (exit {proc.returncode})")
    totals = next(line for line in out.read_text().splitlines() if line.startswith("totals:"))
    return int(totals.split()[1]) / requests / 1e6


def serve(work: Path, url: str, page: str, requests: int) -> None:
    """The measured side: warm up, then run the requests between the signals."""
    from bench.dashboard import login, make_app, page_url

    app = make_app(url)
    client = login(app)
    path = page_url(app, page)
    for _ in range(3):
        assert client.get(path).status_code == 200, path
    (work / "ready").touch()
    while not (work / "go").exists():
        time.sleep(0.2)
    for _ in range(requests):
        client.get(path)
    (work / "done").touch()
    while not (work / "exit").exists():
        time.sleep(0.2)


def main() -> None:
    from bench.dashboard import PAGES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a database bench.dashboard has loaded")
    parser.add_argument("--page", action="append", choices=PAGES, help="repeat for several; default all")
    parser.add_argument("--requests", type=int, default=3)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve), args.database_url, args.page[0], args.requests)
        return
    ensure_valgrind()
    work = Path(tempfile.mkdtemp(prefix="outreach-instructions-"))
    print(f"instructions per request (millions), {args.requests} requests after warm-up")
    for page in args.page or PAGES:
        print(f"  {page:<30} {count(args.database_url, page, args.requests, work):10.1f}", flush=True)


if __name__ == "__main__":
    main()
