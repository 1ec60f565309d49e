"""Area and promoter pickers: JSON search with JavaScript, a search button and ticked boxes without it."""

import pytest
from sqlalchemy import select

from outreach.drives.models import Drive


def _lang(client, lang="en"):
    with client.session_transaction() as sess:
        sess["lang"] = lang


def _results(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    return [(r["text"], r["hint"]) for r in response.get_json()["results"]]


def test_areas_are_found_by_part_of_their_name_with_their_parent(coordinator_client, places):
    _lang(coordinator_client)
    assert _results(coordinator_client, "/pickers/areas?q=sido") == [("Kedaton › Sidodadi", "kelurahan")]
    # A word of the parent's name finds its kelurahan; the kecamatan itself comes as a whole.
    found = _results(coordinator_client, "/pickers/areas?q=kedat")
    assert found[0] == ("Kedaton", "whole kecamatan")
    assert {"Kedaton › Sidodadi", "Kedaton › Surabaya"} <= {text for text, _ in found}
    # Drive targets stop at kelurahan; assignments reach RW and RT, and can answer with codes.
    assert _results(coordinator_client, "/pickers/areas?q=rt+002") == []
    units = coordinator_client.get("/pickers/areas?q=sidodadi+rt&scope=units&value=code").get_json()["results"]
    assert units == [{"value": "18.71.01.1006.001.002", "text": "Kedaton › Sidodadi › RW 001 › RT 002", "hint": "RT"}]


def test_promoters_are_found_by_name_role_or_area_and_within_the_chosen_areas(coordinator_client, places):
    _lang(coordinator_client)
    assert _results(coordinator_client, "/pickers/promoters?q=budi") == [
        ("Budi Santoso", "RT head · Sidodadi, RT 002")
    ]  # the inactive Budi Lama is not offered
    assert [t for t, _ in _results(coordinator_client, "/pickers/promoters?q=linmas")] == ["Dewi Lestari"]
    assert [t for t, _ in _results(coordinator_client, "/pickers/promoters?q=pelita")] == ["Dewi Lestari"]
    kedaton = places["kedaton"].id
    within = _results(coordinator_client, f"/pickers/promoters?q=b&area={kedaton}")
    assert [t for t, _ in within] == ["Bima Saputra", "Budi Santoso"]
    assert _results(coordinator_client, f"/pickers/promoters?q=dewi&area={places['sidodadi'].id}") == []


@pytest.mark.parametrize("fixture", ["promoter_client", "leadership_client"])
def test_promoters_and_leadership_cannot_search_people_or_areas(request, fixture, places):
    client = request.getfixturevalue(fixture)
    assert client.get("/pickers/promoters?q=budi").status_code == 403
    assert client.get("/pickers/areas?q=sido").status_code == 403


# A drive the form accepts but for its areas and promoters, which each test fills in.
DRIVE_FORM = {
    "kind": "door_to_door",
    "title": "Uji",
    "starts_at": "2026-10-05T15:30",
    "ends_at": "2026-10-05T18:00",
    "audience": "eksternal",
    "status": "planned",
}


def test_without_javascript_the_drive_form_searches_then_saves_the_ticked_choices(coordinator_client, places, db):
    _lang(coordinator_client)
    form = dict(DRIVE_FORM, title="Sosialisasi Sidodadi", areas_q="sido", find="areas")
    page = coordinator_client.post("/drives/new", data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and db.session.scalar(select(Drive)) is None
    assert f'name="areas" value="{places["sidodadi"].id}"' in html and "Kedaton › Sidodadi" in html
    # With the kelurahan ticked, a promoter search finds only people assigned there.
    form.update(areas=[str(places["sidodadi"].id)], areas_q="", promoters_q="bu", find="promoters")
    html = coordinator_client.post("/drives/new", data=form).get_data(as_text=True)
    assert f'name="promoters" value="{places["budi"].id}"' in html and "Bima Saputra" not in html
    assert f'name="areas" value="{places["sidodadi"].id}" checked' in html  # the choice is kept
    nothing = coordinator_client.post("/drives/new", data=dict(form, promoters_q="zzz")).get_data(as_text=True)
    assert "Nothing found for “zzz”" in nothing
    form.pop("find")
    saved = coordinator_client.post("/drives/new", data=dict(form, promoters=[str(places["budi"].id)]))
    assert saved.status_code == 302
    drive = db.session.scalar(select(Drive))
    assert [a.name for a in drive.areas] == ["Sidodadi"] and [p.name for p in drive.promoters] == ["Budi Santoso"]
    edit = coordinator_client.get(f"/drives/{drive.id}/edit").get_data(as_text=True)
    assert f'name="promoters" value="{places["budi"].id}" checked' in edit
    assert "js/picker.js" in edit and "vendor/tom-select/tom-select.complete.min.js" in edit


def test_the_drive_form_refuses_ids_that_are_not_offered(coordinator_client, places, db):
    _lang(coordinator_client)
    form = DRIVE_FORM
    rt = coordinator_client.post("/drives/new", data=dict(form, areas=[str(places["rt"].id)]))
    assert rt.status_code == 400 and "Choose kelurahan or kecamatan from the search results." in rt.get_data(True)
    gone = dict(form, areas=[str(places["sidodadi"].id)], promoters=[str(places["gone"].id)])
    response = coordinator_client.post("/drives/new", data=gone)
    assert response.status_code == 400 and "Choose promoters from the search results." in response.get_data(True)
    assert db.session.scalar(select(Drive)) is None


def test_ids_no_row_can_have_are_ignored(coordinator_client, places):
    response = coordinator_client.get("/pickers/promoters?q=b&area=99999999999999999999&area=x")
    assert response.status_code == 200 and len(response.get_json()["results"]) == 2


def test_without_javascript_an_assignment_takes_part_of_an_area_name(coordinator_client, places, db):
    _lang(coordinator_client)
    promoter = places["gone"]
    promoter.active = True
    db.session.commit()
    url = f"/promoters/{promoter.id}/assignments"

    def assign(typed: str) -> str:
        coordinator_client.post(url, data={"area_code": typed})
        return coordinator_client.get(f"/promoters/{promoter.id}").get_data(as_text=True)

    assert "assigned to RT 002" in assign("sidodadi rt 002")
    # The kelurahan's own name wins over the RW and RT below it that match through their parents.
    assert "assigned to Kelurahan Sidodadi" in assign("Sidodadi")
    vague = assign("a")
    assert "Several areas match “a”" in vague and "Kedaton › Sidodadi (18.71.01.1006)" in vague
    db.session.expire_all()
    assert sorted(a.area.name for a in promoter.assignments) == ["RT 002", "Sidodadi"]
    page = coordinator_client.get(f"/promoters/{promoter.id}").get_data(as_text=True)
    assert 'data-area-search="/pickers/areas?scope=units&amp;value=code"' in page


def test_long_lists_on_link_pages_become_searchable_with_javascript(coordinator_client, places):
    for url in ("/links/", "/links/new", "/links/flyers"):
        html = coordinator_client.get(url).get_data(as_text=True)
        assert "data-local-picker" in html and "js/picker.js" in html, url


def _drives_in(places, db):
    from tests.drives.helpers import make_drive

    make_drive("2099-10-05 08:00", "2099-10-05 10:00", [places["surabaya"]], title="Keliling Surabaya")
    make_drive("2099-10-06 08:00", "2099-10-06 10:00", [places["pelita"]], title="Keliling Pelita")
    db.session.commit()


@pytest.mark.parametrize("fixture", ["leadership_client", "coordinator_client"])
def test_the_drive_lists_kecamatan_filter_is_a_picker_that_works_without_javascript(request, fixture, places, db):
    client = request.getfixturevalue(fixture)
    _lang(client)
    _drives_in(places, db)
    kedaton = places["kedaton"].id
    # Typing part of the name and pressing Search lists the matching kecamatan to tick; nothing is filtered yet.
    found = client.get("/drives/?when=all&kecamatan_q=keda&find=kecamatan").get_data(as_text=True)
    assert f'<input type="radio" name="kecamatan" value="{kedaton}"' in found
    assert f'value="{places["sidodadi"].id}"' not in found  # kelurahan are not offered
    assert '<select name="kecamatan"' not in found and 'data-search-url="/pickers/kecamatan"' in found
    assert "js/picker.js" in found
    # Ticking it and filtering shows its drives only, with the choice kept as a ticked box.
    filtered = client.get(f"/drives/?when=all&kecamatan={kedaton}").get_data(as_text=True)
    assert "Keliling Surabaya" in filtered and "Keliling Pelita" not in filtered
    assert f'name="kecamatan" value="{kedaton}" checked' in filtered and "Kedaton" in filtered
    nothing = client.get("/drives/?when=all&kecamatan_q=zzz&find=kecamatan").get_data(as_text=True)
    assert "Nothing found for “zzz”" in nothing and "Keliling Pelita" in nothing
    calendar = client.get(f"/drives/calendar?year=2099&month=10&kecamatan={kedaton}").get_data(as_text=True)
    assert f'name="kecamatan" value="{kedaton}" checked' in calendar and "Keliling Pelita" not in calendar


@pytest.mark.parametrize("fixture", ["leadership_client", "promoter_client", "coordinator_client"])
def test_kecamatan_are_searched_for_the_drive_filter_by_every_signed_in_role(request, fixture, places):
    client = request.getfixturevalue(fixture)
    _lang(client)
    assert _results(client, "/pickers/kecamatan?q=keda") == [("Kedaton", "whole kecamatan")]
    assert _results(client, "/pickers/kecamatan?q=sido") == []  # only kecamatan, never kelurahan or people


def test_the_kecamatan_search_needs_a_sign_in(client, places):
    response = client.get("/pickers/kecamatan?q=keda")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


BAD_IDS = ["99999999999999999999", "2147483648", "-5", "0", "abc", "1e3", ""]


def test_the_pickers_row_id_is_the_shared_bounded_int_check():
    from outreach.pickers.services import row_id

    assert row_id("2147483647") == 2**31 - 1 and row_id(" 7 ") == 7
    for bad in BAD_IDS:
        with pytest.raises(ValueError):
            row_id(bad)


def test_huge_negative_and_garbage_ids_are_ignored_by_the_searches(coordinator_client, places):
    query = "&".join(f"area={v}" for v in BAD_IDS)
    assert len(_results(coordinator_client, f"/pickers/promoters?q=b&{query}")) == 2  # as if no area was chosen


@pytest.mark.parametrize("bad", BAD_IDS[:-1])
def test_huge_negative_and_garbage_ids_in_the_drive_form_are_refused_clearly(coordinator_client, places, db, bad):
    _lang(coordinator_client)
    form = DRIVE_FORM
    # Refused at the field, as before the shared check: WTForms says the value is not a choice.
    refused = "Invalid choice(s): one or more data inputs could not be coerced."
    areas = coordinator_client.post("/drives/new", data=dict(form, areas=[bad])).get_data(True)
    assert 'id="areas-error" class="field-error">' + refused in areas
    people = coordinator_client.post(
        "/drives/new", data=dict(form, areas=[str(places["sidodadi"].id)], promoters=[bad])
    )
    assert people.status_code == 400 and 'id="promoters-error" class="field-error">' + refused in people.get_data(True)
    assert db.session.scalar(select(Drive)) is None


@pytest.mark.parametrize("bad", BAD_IDS)
def test_huge_negative_and_garbage_kecamatan_in_the_drive_list_are_ignored(leadership_client, places, db, bad):
    _drives_in(places, db)
    response = leadership_client.get(f"/drives/?when=all&kecamatan={bad}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Keliling Surabaya" in html and "Keliling Pelita" in html
