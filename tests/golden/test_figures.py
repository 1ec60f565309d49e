"""Golden tests: every figure the app shows on the demo data, frozen as text, so a refactor of the read side
can prove nothing changed.

The demo is seeded with the clock frozen at 2026-12-04 10:00 WIB, then each page is fetched as the demo
coordinator, leadership and promoter (and the JSON API with a bearer token). HTML pages are reduced to the
visible text of <main> (whitespace normalised, CSRF tokens dropped; the random short codes of links replaced by
LINK-<id>, since links get fresh random codes on every seed), so moving markup into templates is fine but
any changed number or label fails; CSV is compared verbatim and JSON re-dumped with sorted keys.

The goldens live in tests/golden/data/ and must match on SQLite and PostgreSQL alike.
Run `UPDATE_GOLDEN=1 pytest tests/golden` to rewrite them after an intended change (then review the diff).
"""

import difflib
import json
import os
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import time_machine
from sqlalchemy import select

from outreach.api.schemas import DIMENSIONS
from outreach.api.tokens import create_token
from outreach.areas.models import Area
from outreach.auth.services import find_user_by_email
from outreach.campaign import COORDINATOR, LEADERSHIP, PROMOTER
from outreach.demo import DEMO_LOGINS, seed_demo
from outreach.drives.models import Drive
from outreach.extensions import db
from outreach.links.models import Link
from outreach.metrics.scans import refresh_scan_rollups
from outreach.promoters.models import Promoter
from tests.conftest import empty_journal, empty_tables

DATA = Path(__file__).parent / "data"
FROZEN = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)  # 10:00 WIB
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
SKIP_TAGS = {"script", "style", "template", "noscript"}


class _MainText(HTMLParser):
    """Collects the visible text inside <main>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # >0 while inside <main>
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1
        elif self.depth and tag in SKIP_TAGS:
            self.skip += 1
        elif self.depth and tag in ("br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table", "section"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1
        elif self.depth and tag in SKIP_TAGS:
            self.skip -= 1
        elif self.depth and tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)


def figure_text(html: str) -> str:
    """The visible text of <main>, one non-empty line per block, whitespace collapsed."""
    parser = _MainText()
    parser.feed(html)
    text = "".join(parser.parts)
    lines = (re.sub(r"\s+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line and line != "|") + "\n"


def _login(app, role):
    client = app.test_client()
    email, password = DEMO_LOGINS[role]
    response = client.post("/auth/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.data[:500]
    return client


def _targets() -> dict[str, int | str]:
    """Ids and codes of the demo's first rows, picked by stable keys (codes/names), not by insertion order."""
    kec = db.session.scalars(select(Area).where(Area.level == "kecamatan").order_by(Area.code)).first()
    kel = db.session.scalars(
        select(Area).where(Area.level == "kelurahan", Area.parent_id == kec.id).order_by(Area.code)
    ).first()
    drives = db.session.scalars(select(Drive).order_by(Drive.starts_at, Drive.title)).all()
    link = db.session.scalars(select(Link).order_by(Link.id)).first()
    promoter = find_user_by_email(DEMO_LOGINS[PROMOTER][0]).promoter
    other = db.session.scalars(select(Promoter).order_by(Promoter.name, Promoter.id)).first()
    return {
        "kec_id": kec.id,
        "kec_code": kec.code,
        "kel_id": kel.id,
        "drive_first": drives[0].id,
        "drive_last": drives[-1].id,
        "link": link.id,
        "promoter": promoter.id,
        "other_promoter": other.id,
    }


PERIOD = "start=2026-09-01&end=2026-12-04"

# (golden name, role, url template)
PAGES = [
    ("coordinator-home", COORDINATOR, "/"),
    ("leadership-home", LEADERSHIP, "/"),
    ("promoter-home", PROMOTER, "/"),
    ("participation", COORDINATOR, "/participation/"),
    ("participation-period", COORDINATOR, f"/participation/?{PERIOD}"),
    ("participation-internal", LEADERSHIP, f"/participation/?{PERIOD}&audience=internal"),
    ("participation-kecamatan", COORDINATOR, "/participation/kecamatan/{kec_code}"),
    ("participation-drives", COORDINATOR, "/participation/drives"),
    ("participation-uplift", COORDINATOR, "/participation/uplift"),
    ("participation-counts", COORDINATOR, "/participation/counts"),
    ("participation-plan", COORDINATOR, "/participation/plan"),
    ("areas", COORDINATOR, "/areas/"),
    ("area-kecamatan", COORDINATOR, "/areas/{kec_id}"),
    ("area-kelurahan", COORDINATOR, "/areas/{kel_id}"),
    ("opds", COORDINATOR, "/areas/opds"),
    ("coverage", COORDINATOR, "/areas/coverage"),
    ("coverage-kecamatan", COORDINATOR, "/areas/coverage?kecamatan={kec_id}"),
    ("drives-upcoming", COORDINATOR, "/drives/"),
    ("drives-past", COORDINATOR, "/drives/?when=past"),
    ("drives-calendar", COORDINATOR, "/drives/calendar"),
    ("drive-first", COORDINATOR, "/drives/{drive_first}"),
    ("drive-last", COORDINATOR, "/drives/{drive_last}"),
    ("drive-first-report", COORDINATOR, "/drives/{drive_first}/report"),
    ("drive-last-report", COORDINATOR, "/drives/{drive_last}/report"),
    ("links", COORDINATOR, "/links/"),
    ("link-detail", COORDINATOR, "/links/{link}"),
    ("promoter-links-mine", PROMOTER, "/links/mine"),
    ("promoters", COORDINATOR, "/promoters/"),
    ("promoter-show", COORDINATOR, "/promoters/{promoter}"),
    ("promoter-show-other", COORDINATOR, "/promoters/{other_promoter}"),
    ("integrity", COORDINATOR, "/integrity/"),
    ("board-city", None, "/papan"),
    ("board-kecamatan", None, "/papan/{kec_code}"),
    # CSV exports
    ("export-participation-city.csv", COORDINATOR, f"/participation/export/city.csv?{PERIOD}"),
    ("export-participation-kecamatan.csv", COORDINATOR, f"/participation/export/kecamatan.csv?{PERIOD}"),
    (
        "export-participation-kelurahan.csv",
        COORDINATOR,
        f"/participation/export/kelurahan.csv?{PERIOD}&kecamatan={{kec_code}}",
    ),
    ("export-participation-opd-eksternal.csv", COORDINATOR, f"/participation/export/opd-eksternal.csv?{PERIOD}"),
    ("export-participation-opd-internal.csv", COORDINATOR, f"/participation/export/opd-internal.csv?{PERIOD}"),
    ("export-participation-promoters.csv", COORDINATOR, f"/participation/export/promoters.csv?{PERIOD}"),
    ("export-coverage-summary.csv", COORDINATOR, "/areas/coverage.csv"),
    ("export-coverage-rts.csv", COORDINATOR, "/areas/coverage.csv?what=rts"),
    ("export-coverage-unassigned.csv", COORDINATOR, "/areas/coverage.csv?what=unassigned"),
    ("export-promoters.csv", COORDINATOR, "/promoters/export.csv"),
    # JSON API (bearer token of the coordinator)
    *[(f"api-scans-summary-{by}.json", "api", f"/api/v1/scans/summary?by={by}") for by in DIMENSIONS],
    ("api-links.json", "api", "/api/v1/links"),
    ("api-link.json", "api", "/api/v1/links/{link}"),
    ("api-link-stats.json", "api", "/api/v1/links/{link}/stats"),
    ("api-participation-counts.json", "api", "/api/v1/participation/counts"),
    ("api-participation-targets.json", "api", "/api/v1/participation/targets"),
    ("api-participation-uplift.json", "api", f"/api/v1/participation/uplift?{PERIOD}&units={{kec_code}}"),
    ("api-drives.json", "api", "/api/v1/drives"),
    ("api-drive.json", "api", "/api/v1/drives/{drive_first}"),
    ("api-promoters.json", "api", "/api/v1/promoters"),
    ("api-promoter.json", "api", "/api/v1/promoters/{promoter}"),
    ("api-areas.json", "api", "/api/v1/areas"),
    ("api-area.json", "api", "/api/v1/areas/{kec_id}"),
    ("api-opds.json", "api", "/api/v1/opds"),
]


def _normalise(name: str, response) -> str:
    body = response.get_data(as_text=True)
    if name.endswith(".json"):
        return json.dumps(json.loads(body), sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    if name.endswith(".csv"):
        return body
    return figure_text(body)


def _fetch_all(app) -> dict[str, str]:
    """Seed the demo with the clock frozen and fetch every page; return golden name -> normalised text."""
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        with time_machine.travel(FROZEN, tick=False):
            seed_demo()
            db.session.commit()
            refresh_scan_rollups(full=True)
            db.session.commit()
            ids = _targets()
            _token, secret = create_token(find_user_by_email(DEMO_LOGINS[COORDINATOR][0]), "golden")
            db.session.commit()
            clients = {role: _login(app, role) for role in (COORDINATOR, LEADERSHIP, PROMOTER)}
            clients[None] = app.test_client()
            found, bad = {}, []
            codes = {link.code: f"LINK-{link.id}" for link in db.session.scalars(select(Link))}
            pattern = re.compile("|".join(map(re.escape, sorted(codes, key=len, reverse=True))))
            for name, role, template in PAGES:
                url = template.format(**ids)
                if role == "api":
                    response = app.test_client().get(url, headers={"Authorization": f"Bearer {secret}"})
                else:
                    response = clients[role].get(url)
                if response.status_code != 200:
                    bad.append(f"{name}: GET {url} -> {response.status_code}")
                    continue
                found[name] = pattern.sub(lambda m: codes[m.group(0)], _normalise(name, response))
            assert not bad, "pages that did not answer 200:\n" + "\n".join(bad)
            return found
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def _known_cause(name: str, text: str, want: str) -> str:
    """Name the cause when a JSON page differs from its golden only in the order of its rows."""
    if not name.endswith(".json") or not want:
        return ""
    now, golden = json.loads(text), json.loads(want)
    if isinstance(now, dict) and isinstance(now.get("rows"), list) and now != golden:
        key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
        if sorted(now["rows"], key=key) == sorted(golden.get("rows", []), key=key):
            return (
                f"{name}: same rows, other order -- an ORDER BY that leaves ties or NULLs to the database "
                "(SQLite and PostgreSQL place them differently) is an app bug: fix the ORDER BY, not the golden\n"
            )
    return ""


def _golden_path(name: str) -> Path:
    return DATA / (name if "." in name else name + ".txt")


def test_every_figure_matches_its_golden(app):
    first = _fetch_all(app)
    if UPDATE:
        DATA.mkdir(exist_ok=True)
        for name, text in first.items():
            _golden_path(name).write_bytes(text.encode("utf-8"))
    diffs = []
    for name, text in first.items():
        path = _golden_path(name)
        want = path.read_bytes().decode("utf-8") if path.exists() else ""
        if text != want:
            diffs.append(
                _known_cause(name, text, want)
                + "".join(
                    difflib.unified_diff(
                        want.splitlines(True),
                        text.splitlines(True),
                        f"golden/{path.name}",
                        f"now ({db.engine.dialect.name})",
                    )
                )
            )
    assert not diffs, f"{len(diffs)} page(s) differ from the goldens (UPDATE_GOLDEN=1 rewrites them):\n" + "\n".join(
        diffs
    )


def test_seeding_the_demo_twice_gives_the_same_pages(app):
    first = _fetch_all(app)
    empty_tables()
    empty_journal(app)
    second = _fetch_all(app)
    unstable = [name for name in first if first[name] != second[name]]
    assert not unstable, (
        "seeding the demo twice gave different pages: "
        + ", ".join(unstable)
        + "\n"
        + "".join(
            difflib.unified_diff(
                first[unstable[0]].splitlines(True), second[unstable[0]].splitlines(True), "first seed", "second seed"
            )
        )
    )
