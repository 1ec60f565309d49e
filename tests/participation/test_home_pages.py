"""The home pages by role answer first: leadership sees the city against its path, the units furthest
behind with what is planned there and what the latest drives did; coordinators see today's work.

Today is 4 December 2026; KPK's counts reach 25 November (86 days of a 102-day round). Expected counts
are worked out by hand: a target of 1,000 expects 1,000 × 86/102 ≈ 843 by 25 November.
"""

from datetime import UTC, date, datetime

import pytest

from outreach.participation.models import Target
from tests.factories import DriveFactory, PromoterFactory
from tests.participation.conftest import add_daily

SEP1 = date(2026, 9, 1)
DAYS = 86  # 1 September .. 25 November


@pytest.fixture
def campaign(db, tree, spi_round, frozen):
    """Kedaton on its path (860 of an expected 843), Sukarame behind (430, ratio 0.51) with a drive
    planned on 6 December, Dinas Kesehatan behind (172 of an expected 422, ratio 0.41) with none,
    Disdik on its path internally (86 of an expected 84)."""
    for kel in ("a1", "a2"):
        add_daily(db, tree[kel], SEP1, (DAYS, 5))
    add_daily(db, tree["b1"], SEP1, (DAYS, 5))
    add_daily(db, tree["dinkes"], SEP1, (DAYS, 2), audience="internal")
    add_daily(db, tree["disdik"], SEP1, (DAYS, 1), audience="internal")
    for unit, value, audience in (
        (tree["kec_a"], 1000, "eksternal"),
        (tree["kec_b"], 1000, "eksternal"),
        (tree["dinkes"], 500, "internal"),
        (tree["disdik"], 100, "internal"),
    ):
        area = unit if hasattr(unit, "level") else None
        db.session.add(Target(round=spi_round, area=area, opd=None if area else unit, audience=audience, target=value))
    promoter = PromoterFactory(name="Rina Promotor")
    DriveFactory(
        title="Door-to-door Way Dadi",
        areas=[tree["b1"]],
        starts_at=datetime(2026, 12, 6, 8, 30, tzinfo=UTC),
        ends_at=datetime(2026, 12, 6, 11, 30, tzinfo=UTC),
        promoters=[promoter],
    )
    db.session.commit()
    return tree


def _main(body: str) -> str:
    return body.split("<main", 1)[1]


def test_leadership_home_says_where_the_city_stands_and_what_is_planned_where_it_is_behind(campaign, leadership_client):
    body = _main(leadership_client.get("/").get_data(as_text=True))
    assert "Apakah kita sesuai jalur menuju sasaran SPI?" in body
    assert "Data responden KPK sampai 25 Nov 2026" in body  # the lag line, before the figures
    assert body.index("Data responden KPK") < body.index('id="city-status"')
    assert "Sisa 7 hari." in body  # from today, 4 December, to the deadline, 11 December
    behind = body.split('id="units-behind"', 1)[1]
    # Most behind first: Dinas Kesehatan (0.41 of its path) before Sukarame (0.51); Kedaton and Disdik are on it.
    assert behind.index("Dinas Kesehatan") < behind.index(">Sukarame<")
    assert "Kedaton" not in behind.split("</ol>", 1)[0] and "Disdik" not in behind.split("</ol>", 1)[0]
    sukarame = behind.split(">Sukarame<", 1)[1].split("</li>", 1)[0]
    assert "Door-to-door Way Dadi" in sukarame
    dinkes = behind.split("Dinas Kesehatan", 1)[1].split("</li>", 1)[0]
    assert "belum ada kegiatan" in dinkes
    assert "tertinggal" in dinkes  # the status in words, not colour alone


def test_leadership_home_never_calls_a_unit_behind_for_data_that_has_not_arrived(
    frozen, db, tree, spi_round, leadership_client
):
    db.session.add(Target(round=spi_round, area=tree["kec_a"], audience="eksternal", target=1000))
    db.session.commit()
    body = _main(leadership_client.get("/").get_data(as_text=True))
    assert "Belum ada data responden KPK." in body
    assert "Tidak ada kecamatan atau OPD yang tertinggal dari jalurnya." in body


def test_coordinator_home_lists_units_behind_without_a_drive_and_the_week_s_drives_with_promoters(
    campaign, coordinator_client
):
    body = _main(coordinator_client.get("/").get_data(as_text=True))
    assert "Pekerjaan hari ini" in body
    unplanned = body.split('id="units-behind"', 1)[1].split("</section>", 1)[0]
    assert "Dinas Kesehatan" in unplanned
    assert "Sukarame" not in unplanned  # its drive is planned
    week = body.split("Kegiatan 7 hari ke depan", 1)[1].split("</section>", 1)[0]
    assert "Door-to-door Way Dadi" in week and "Rina Promotor" in week
    assert "Impor jumlah responden terbaru" in body  # stale data: the way to import, for coordinators


def test_home_pages_without_a_round_say_so(leadership_client, coordinator_client, db):
    assert "Belum ada putaran survei" in leadership_client.get("/").get_data(as_text=True)
    assert "Pekerjaan hari ini" in coordinator_client.get("/").get_data(as_text=True)
