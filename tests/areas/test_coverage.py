"""Coverage: RTs without RT head, kelurahan without pamong/linmas, promoters without an area."""

import csv
import io
from datetime import date, timedelta

import pytest

from outreach.areas.coverage import coverage_rows, unassigned_counts
from tests.factories import AssignmentFactory, PromoterFactory, make_area_tree


@pytest.fixture
def tree(db):
    """Two kecamatan x two kelurahan x one RW x three RTs, partly covered."""
    t = make_area_tree(kecamatan=2, kelurahan=2, rw=1, rt=3)
    AssignmentFactory(area=t["18.71.01.1001"], promoter=PromoterFactory(role="pamong"))
    AssignmentFactory(area=t["18.71.01.1001"], promoter=PromoterFactory(role="linmas"))
    AssignmentFactory(area=t["18.71.01.1002"], promoter=PromoterFactory(role="pamong"))
    AssignmentFactory(area=t["18.71.01.1001.001.001"], promoter=PromoterFactory(role="rt"))
    AssignmentFactory(area=t["18.71.01.1001.001.002"], promoter=PromoterFactory(role="rt", active=False))
    AssignmentFactory(
        area=t["18.71.01.1002.001.001"], promoter=PromoterFactory(role="rt"), end_date=date.today() - timedelta(days=1)
    )
    PromoterFactory(role="linmas", name="Linmas Tanpa Wilayah")
    db.session.commit()
    return t


def test_city_rows_count_gaps_per_kecamatan(db, tree):
    rows = {r["area"].code: r for r in coverage_rows()}
    first = rows["18.71.01"]
    assert (first["kelurahan"], first["without_pamong"], first["without_linmas"]) == (2, 0, 1)
    assert (first["rts"], first["rts_without_head"]) == (6, 5)  # inactive and ended RT heads do not count
    second = rows["18.71.02"]
    assert (second["without_pamong"], second["without_linmas"], second["rts_without_head"]) == (2, 2, 6)


def test_kecamatan_rows_are_per_kelurahan(db, tree):
    rows = {r["area"].code: r for r in coverage_rows(kecamatan=tree["18.71.01"])}
    assert set(rows) == {"18.71.01.1001", "18.71.01.1002"}
    assert rows["18.71.01.1001"]["without_linmas"] == 0 and rows["18.71.01.1002"]["without_linmas"] == 1
    assert rows["18.71.01.1001"]["rts_without_head"] == 2


def test_unassigned_promoters_are_counted_by_role(db, tree):
    assert unassigned_counts() == {"pamong": 0, "linmas": 1, "rt": 1}


def test_coverage_page_filters_by_kelurahan(leadership_client, tree):
    kel = tree["18.71.01.1001"]
    html = leadership_client.get(f"/areas/coverage?kelurahan={kel.id}").get_data(as_text=True)
    assert 'RT tanpa ketua RT <small class="muted">(2)</small>' in html
    assert "Linmas Tanpa Wilayah" in html


def test_coverage_exports_list_the_gaps(leadership_client, tree):
    kec = tree["18.71.01"]
    rts = leadership_client.get(f"/areas/coverage.csv?what=rts&kecamatan={kec.id}").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(rts.lstrip("\ufeff"))))
    assert [r["rt_code"] for r in rows] == [
        "18.71.01.1001.001.002",
        "18.71.01.1001.001.003",
        "18.71.01.1002.001.001",
        "18.71.01.1002.001.002",
        "18.71.01.1002.001.003",
    ]
    summary = leadership_client.get("/areas/coverage.csv").get_data(as_text=True)
    assert "18.71.02,Kecamatan Uji 2,kecamatan,2,2,2,6,6" in summary
    unassigned = leadership_client.get("/areas/coverage.csv?what=unassigned&role=linmas").get_data(as_text=True)
    assert "Linmas Tanpa Wilayah" in unassigned and "+62" not in unassigned


def test_coverage_is_denied_to_promoters(promoter_client):
    assert promoter_client.get("/areas/coverage").status_code == 403
    assert promoter_client.get("/areas/coverage.csv").status_code == 403
