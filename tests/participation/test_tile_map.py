"""The kecamatan tile map: one equal tile per kecamatan on a hand-made grid, coloured by status with an
icon and words, each tile a link; on the participation dashboard and the public board."""

import csv
from datetime import date

import pytest

from outreach.areas.services import AREAS_CSV
from outreach.metrics.tiles import tile_places
from outreach.participation.models import Target
from tests.participation.conftest import add_daily


def test_every_kecamatan_of_the_city_has_one_tile_and_no_two_share_a_place():
    with AREAS_CSV.open(encoding="utf-8") as handle:
        kecamatan = {r["code"] for r in csv.DictReader(handle) if r["level"] == "kecamatan"}
    places = tile_places()
    assert set(places) == kecamatan and len(kecamatan) == 20
    spots = {(p.col, p.row) for p in places.values()}
    assert len(spots) == 20 and all(1 <= c <= 5 and 1 <= r <= 5 for c, r in spots)
    # Rough geography: the Teluk Betung kecamatan lie south (on the bay) of the Tanjung Karang ones.
    assert places["18.71.07"].row > places["18.71.06"].row  # TB Selatan below TK Pusat
    assert places["18.71.10"].row == 1  # Rajabasa on the north edge


@pytest.fixture
def statuses(db, tree, spi_round, frozen):
    """Kedaton on its path (860 of an expected 843), Sukarame behind (430)."""
    for kel in ("a1", "a2"):
        add_daily(db, tree[kel], date(2026, 9, 1), (86, 5))
    add_daily(db, tree["b1"], date(2026, 9, 1), (86, 5))
    for kec in ("kec_a", "kec_b"):
        db.session.add(Target(round=spi_round, area=tree[kec], audience="eksternal", target=1000))
    db.session.commit()
    return tree


def _tile(body: str, name: str) -> str:
    tiles = body.split('<ol class="tiles">', 1)[1].split("</ol>", 1)[0]
    return next(t for t in tiles.split("<li ")[1:] if f'class="tile-name">{name}<' in t)


def test_the_dashboard_tile_map_shows_each_status_in_colour_icon_and_words_and_links_each_tile(
    statuses, leadership_client
):
    body = leadership_client.get("/participation/").get_data(as_text=True)
    kedaton, sukarame = _tile(body, "Kedaton"), _tile(body, "Sukarame")
    assert "status-on_track" in kedaton and "✓" in kedaton and "sesuai jalur" in kedaton
    assert "status-behind" in sukarame and "▼" in sukarame and "tertinggal" in sukarame
    assert 'href="/participation/kecamatan/18.71.01?' in kedaton
    assert "belum ada data" in _tile(body, "Panjang") or "status-no_" in _tile(body, "Panjang")
    assert "tiles.css" in body and "style=" not in body.split('<section class="tile-map"', 1)[1].split("</section>")[0]


@pytest.fixture
def fresh_board(app):
    """The board's page cache, emptied before and after: a board cached here must not reach other tests."""
    cache = app.extensions.get("public_board_cache")
    if cache is not None:
        cache.clear()
    yield
    cache = app.extensions.get("public_board_cache")
    if cache is not None:
        cache.clear()


def test_the_public_board_has_the_tile_map_linking_to_each_kecamatan_board(statuses, fresh_board, client):
    body = client.get("/papan").get_data(as_text=True)
    sukarame = _tile(body, "Sukarame")
    assert 'href="/papan/18.71.02"' in sukarame and "tertinggal" in sukarame
    assert "tile-pct" not in body  # the board shows no percentages on tiles
