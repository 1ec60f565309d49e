"""Every "this area and what lies below it" follows the area tree, not the codes.

`move_area` puts an RW under another kelurahan, or a kelurahan under another kecamatan, and the moved
unit keeps its code. Each lookup below once matched by code prefix, and so found a moved unit under
its old parent.
"""

import pytest
from sqlalchemy import select

from outreach import clock
from outreach.areas.models import lies_within, subtree_ids
from outreach.areas.services import area_counts, move_area
from outreach.drives.models import Drive
from outreach.drives.services import filter_drives, promoters_in_areas
from outreach.extensions import db
from outreach.links.services import links_in_scope
from outreach.metrics.coverage import kecamatan_gaps, not_signed_in
from outreach.metrics.drives import area_link_ids
from outreach.pickers.services import promoter_options
from outreach.promoters.services import rt_heads_by_rt, rts_of_kelurahan
from tests.factories import AssignmentFactory, DriveFactory, LinkFactory, PromoterFactory, make_area_tree

MOVED_RW, MOVED_KELURAHAN = "18.71.02.1001.001", "18.71.02.1002"
NEW_KELURAHAN, NEW_KECAMATAN = "18.71.01.1002", "18.71.01"


@pytest.fixture
def moved(db):
    """Two kecamatan x two kelurahan x one RW x three RTs; an RW and a kelurahan of the second kecamatan
    then move into the first, with a promoter, an RT head and a link inside each."""
    t = make_area_tree(kecamatan=2, kelurahan=2, rw=1, rt=3)
    t["rt_head"] = PromoterFactory(role="rt", name="Ketua RT Pindahan")
    AssignmentFactory(area=t[MOVED_RW + ".002"], promoter=t["rt_head"])
    t["pamong"] = PromoterFactory(role="pamong", name="Pamong Pindahan")
    AssignmentFactory(area=t[MOVED_KELURAHAN], promoter=t["pamong"])
    t["rt_link"] = LinkFactory(area=t[MOVED_RW + ".003"])
    t["kelurahan_link"] = LinkFactory(area=t[MOVED_KELURAHAN + ".001"])
    db.session.commit()
    move_area(t[MOVED_RW], t[NEW_KELURAHAN])
    move_area(t[MOVED_KELURAHAN], t[NEW_KECAMATAN])
    db.session.commit()
    return t


def _ids(statement) -> set[int]:
    return set(db.session.scalars(statement))


def test_a_subtree_is_what_lies_below_now(moved):
    moved_rw = {moved[MOVED_RW].id} | {moved[f"{MOVED_RW}.00{n}"].id for n in (1, 2, 3)}
    assert moved_rw <= _ids(subtree_ids([moved[NEW_KELURAHAN]]))
    assert not moved_rw & _ids(subtree_ids([moved["18.71.02.1001"]]))
    assert moved[MOVED_KELURAHAN].id in _ids(subtree_ids([moved[NEW_KECAMATAN]]))
    assert moved[MOVED_KELURAHAN].id not in _ids(subtree_ids([moved["18.71.02"]]))
    rt = moved[MOVED_RW + ".001"]
    assert lies_within(rt, [moved[NEW_KECAMATAN]]) and not lies_within(rt, [moved["18.71.02"]])


def test_area_pages_count_rts_and_promoters_where_they_now_lie(moved):
    counts = area_counts([moved[NEW_KELURAHAN], moved["18.71.02.1001"], moved[NEW_KECAMATAN], moved["18.71.02"]])
    assert counts[moved[NEW_KELURAHAN].id]["rt"] == 6 and counts[moved["18.71.02.1001"].id]["rt"] == 0
    assert (counts[moved[NEW_KECAMATAN].id]["rt"], counts[moved["18.71.02"].id]["rt"]) == (12, 0)
    assert counts[moved[NEW_KECAMATAN].id]["rt_heads"] == 1 and counts[moved["18.71.02"].id]["pamong"] == 0


def test_rt_head_pages_of_a_kelurahan_list_its_moved_rts(moved):
    assert {rt.code for rt in rts_of_kelurahan(moved[NEW_KELURAHAN])} >= {f"{MOVED_RW}.00{n}" for n in (1, 2, 3)}
    assert rts_of_kelurahan(moved["18.71.02.1001"]) == []
    assert rt_heads_by_rt(moved[NEW_KELURAHAN]) == {moved[MOVED_RW + ".002"].id: [moved["rt_head"]]}
    assert rt_heads_by_rt(moved["18.71.02.1001"]) == {}


def test_coverage_names_who_never_signed_in_under_the_new_kecamatan(moved):
    assert moved["pamong"] in [p for p, _kecamatan in not_signed_in(moved[NEW_KECAMATAN])]
    assert moved["pamong"] not in [p for p, _kecamatan in not_signed_in(moved["18.71.02"])]
    groups = {g.area.code: g for g in kecamatan_gaps()}
    assert moved["pamong"] in groups[NEW_KECAMATAN].not_signed_in
    assert moved["pamong"] not in groups["18.71.02"].not_signed_in


def test_links_promoters_and_drives_of_an_area_include_what_moved_into_it(moved):
    assert moved["rt_link"] in links_in_scope(moved[NEW_KELURAHAN])
    assert moved["rt_link"] not in links_in_scope(moved["18.71.02"])
    assert moved["rt_head"] in promoters_in_areas([moved[NEW_KELURAHAN]], clock.today())
    assert moved["rt_head"] not in promoters_in_areas([moved["18.71.02"]], clock.today())
    found = promoter_options("pindahan", within=[moved[NEW_KECAMATAN]])
    assert {o.value for o in found} == {moved["rt_head"].id, moved["pamong"].id}
    assert promoter_options("pindahan", within=[moved["18.71.02"]]) == []

    drive = DriveFactory(areas=[moved[MOVED_KELURAHAN]])
    db.session.commit()
    assert drive in db.session.scalars(filter_drives(select(Drive), kecamatan=moved[NEW_KECAMATAN])).all()
    assert drive not in db.session.scalars(filter_drives(select(Drive), kecamatan=moved["18.71.02"])).all()
    kecamatan_drive = DriveFactory(areas=[moved[NEW_KECAMATAN]])
    db.session.commit()
    reached = _ids(area_link_ids(kecamatan_drive))
    assert {moved["rt_link"].id, moved["kelurahan_link"].id} <= reached
