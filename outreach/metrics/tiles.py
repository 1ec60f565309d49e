"""The schematic tile map of the kecamatan: one equal tile each, placed by rough geography.

Positions come from `outreach/data/kecamatan_tiles.csv` (written by hand, reasoning in
`outreach/data/SOURCES.md`); no boundary data is used. A tile carries its kecamatan's progress (the
status against the expected path), so the map and the tables cannot disagree.
"""

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from outreach.metrics.figures import UnitProgress, unit_progress
from outreach.metrics.progress import Status

TILES_CSV = Path(__file__).resolve().parent.parent / "data" / "kecamatan_tiles.csv"


@dataclass(frozen=True)
class Place:
    """Where one kecamatan's tile sits: column 1 is the west edge, row 1 the north edge."""

    code: str
    short: str
    col: int
    row: int


@cache
def tile_places() -> dict[str, Place]:
    """Each kecamatan code's place on the grid (read once per process)."""
    with TILES_CSV.open(newline="", encoding="utf-8") as handle:
        return {r["code"]: Place(r["code"], r["short"], int(r["col"]), int(r["row"])) for r in csv.DictReader(handle)}


@dataclass(frozen=True)
class Tile:
    """One tile: its place, its kecamatan's name and code, and its progress (None when it has none)."""

    place: Place
    name: str
    progress: UnitProgress | None

    @property
    def code(self) -> str:
        """The kecamatan's code."""
        return self.place.code

    @property
    def status(self) -> Status:
        """The kecamatan's status; "no data" when it has no progress row."""
        return self.progress.status if self.progress is not None else Status.NO_DATA


@dataclass(frozen=True)
class TileMap:
    """The tiles, north-west first, and the legend: each status shown with how many tiles have it."""

    tiles: list[Tile]
    legend: list[tuple[Status, int]]


def kecamatan_tiles(progress: Sequence[UnitProgress], names: dict[str, str] | None = None) -> TileMap:
    """A tile for every placed kecamatan, north-west first, with its progress from `progress` (as
    `unit_progress("kecamatan", audience)` gives it); kecamatan without a row get a tile without status."""
    by_code = {p.code: p for p in progress}
    names = names or {}
    tiles = []
    for place in sorted(tile_places().values(), key=lambda p: (p.row, p.col)):
        found = by_code.get(place.code)
        name = found.label if found is not None else names.get(place.code, place.short)
        tiles.append(Tile(place, name, found))
    counts = Counter(t.status for t in tiles)
    return TileMap(tiles, [(status, counts[status]) for status in Status if counts[status]])


def kecamatan_tile_map(rows: Sequence[UnitProgress] | None = None) -> TileMap:
    """The tile map of the kecamatan rows a page already has (the dashboard's, for its audience and
    range), or of every kecamatan against its path for both audiences together (the public board)."""
    return kecamatan_tiles(rows if rows is not None else unit_progress("kecamatan", None))
