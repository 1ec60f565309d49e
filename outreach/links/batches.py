"""Bulk print: a scope's flyers grouped by kelurahan in RT order, as one PDF with covers or a ZIP per kelurahan."""

import io
import re
import zipfile
from collections import defaultdict

from sqlalchemy import select

from outreach.areas.models import Area
from outreach.extensions import db
from outreach.imports.writing import write_csv
from outreach.links.flyers import FlyerGroup, render_flyers
from outreach.links.models import Link

KELURAHAN_CODE_LENGTH = len("18.71.01.1001")
OUTSIDE = "Tingkat kecamatan dan OPD"
INDEX_HEADER = ("berkas", "kelurahan", "kecamatan", "wilayah", "kode", "saluran")


def _kelurahan_code(link: Link) -> str:
    area = link.area
    if area is None or area.level not in ("kelurahan", "rw", "rt"):
        return ""
    return area.code[:KELURAHAN_CODE_LENGTH]


def flyer_groups(links: list[Link]) -> list[FlyerGroup]:
    """The links by kelurahan (by name), each in RW/RT order; links above kelurahan level come last."""
    by_code: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        by_code[_kelurahan_code(link)].append(link)
    codes = [c for c in by_code if c]
    kelurahan = {
        a.code: a for a in db.session.scalars(select(Area).where(Area.code.in_(codes), Area.level == "kelurahan"))
    }
    groups = []
    for code, members in by_code.items():
        members.sort(
            key=lambda link: (link.area.code if link.area else "", link.promoter.name if link.promoter else "", link.id)
        )
        kel = kelurahan.get(code)
        if kel is not None:
            parent = kel.parent.name if kel.parent is not None else ""
            groups.append(FlyerGroup(f"Kelurahan {kel.name}", f"Kecamatan {parent}" if parent else "", code, members))
        else:
            groups.append(FlyerGroup(OUTSIDE, "", code or "lainnya", members))
    return sorted(groups, key=lambda g: (g.title == OUTSIDE, g.title.casefold(), g.code))


def _file_name(group: FlyerGroup, layout: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", group.title.lower()).strip("-")
    return f"{group.code.replace('.', '-')}-{slug}-{layout}.pdf"


def flyer_zip(groups: list[FlyerGroup], layout: int, title: str) -> bytes:
    """A ZIP with one PDF per group and index.csv listing every flyer with its file, place and code."""
    out = io.BytesIO()
    index = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for group in groups:
            name = _file_name(group, layout)
            archive.writestr(name, render_flyers(group.links, layout, title=f"{title} · {group.title}"))
            index += [
                (name, group.title, group.subtitle, link.area.place if link.area else "", link.code, link.channel)
                for link in group.links
            ]
        archive.writestr("index.csv", "\ufeff" + write_csv(INDEX_HEADER, index))
    return out.getvalue()
