"""Coverage: RTs without RT head, kelurahan without pamong/linmas, promoters without an area."""

import csv
import io
from datetime import timedelta

import pytest

from outreach import clock
from outreach.areas.services import move_area
from outreach.metrics.coverage import coverage_rows, unassigned_counts
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
        area=t["18.71.01.1002.001.001"], promoter=PromoterFactory(role="rt"), end_date=clock.today() - timedelta(days=1)
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


def test_a_pamong_or_linmas_in_an_rw_or_rt_covers_its_kelurahan_by_the_area_tree(db, tree):
    """An RW keeps its code when it moves to another kelurahan: coverage follows where it now lies."""
    AssignmentFactory(area=tree["18.71.02.1001.001"], promoter=PromoterFactory(role="linmas"))
    AssignmentFactory(area=tree["18.71.02.1002.001.003"], promoter=PromoterFactory(role="pamong"))
    AssignmentFactory(area=tree["18.71.02"], promoter=PromoterFactory(role="linmas"))  # a kecamatan: no kelurahan
    db.session.commit()
    rows = {r["area"].code: r for r in coverage_rows(kecamatan=tree["18.71.02"])}
    assert (rows["18.71.02.1001"]["without_linmas"], rows["18.71.02.1002"]["without_linmas"]) == (0, 1)
    assert (rows["18.71.02.1001"]["without_pamong"], rows["18.71.02.1002"]["without_pamong"]) == (1, 0)
    move_area(tree["18.71.02.1001.001"], tree["18.71.01.1002"])
    db.session.commit()
    assert {r["area"].code: r["without_linmas"] for r in coverage_rows(kecamatan=tree["18.71.02"])} == {
        "18.71.02.1001": 1,
        "18.71.02.1002": 1,
    }
    assert {r["area"].code: r["without_linmas"] for r in coverage_rows(kecamatan=tree["18.71.01"])} == {
        "18.71.01.1001": 0,
        "18.71.01.1002": 0,
    }


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


def _en(client):
    with client.session_transaction() as sess:
        sess["lang"] = "en"


def test_kecamatan_gaps_count_each_kind_and_who_never_signed_in(db, tree):
    from outreach.metrics.coverage import kecamatan_gaps

    first, second = kecamatan_gaps()
    assert (first.area.code, first.without_pamong, first.without_linmas, first.rts_without_head) == (
        "18.71.01",
        0,
        1,
        5,
    )
    # Four active promoters with a current area in Kecamatan Uji 1, none of whom has signed in.
    assert first.not_signed_in_total == 4 and first.gaps == 10
    assert (second.without_pamong, second.without_linmas, second.rts_without_head, second.not_signed_in_total) == (
        2,
        2,
        6,
        0,
    )


def test_city_coverage_is_collapsed_by_kecamatan_with_an_action_for_each_gap(coordinator_client, tree):
    _en(coordinator_client)
    html = coordinator_client.get("/areas/coverage").get_data(as_text=True)
    assert html.count('class="coverage-group"') == 3  # two kecamatan and the promoters without an area
    assert " open>" not in html and "<table" not in html  # no long tables: everything is folded
    assert html.count("10 gaps") == 2
    assert "without linmas: <strong>1</strong>" in html
    kel2 = tree["18.71.01.1002"]
    assert f"/promoters/?unassigned=1&amp;role=linmas&amp;area_code={kel2.code}" in html
    assert f"/promoters/rt-heads/{kel2.id}" in html and "Add RT heads (3 RTs without)" in html
    assert html.count("/sign-in-link") == 4 and "Send a sign-in link" in html
    assert "/areas/coverage.csv" in html  # export stays
    # The assign link arrives with the kelurahan filled in.
    promoters = coordinator_client.get(f"/promoters/?unassigned=1&role=linmas&area_code={kel2.code}")
    assert f'value="{kel2.code}"' in promoters.get_data(as_text=True)


def test_a_chosen_kecamatan_opens_its_group(coordinator_client, tree):
    html = coordinator_client.get(f"/areas/coverage?kecamatan={tree['18.71.01'].id}").get_data(as_text=True)
    assert html.count('<details class="coverage-group" open>') == 1


def test_leadership_sees_the_gaps_without_action_buttons(leadership_client, tree):
    _en(leadership_client)
    html = leadership_client.get("/areas/coverage").get_data(as_text=True)
    assert "10 gaps" in html and "/sign-in-link" not in html and "/promoters/rt-heads/" not in html
