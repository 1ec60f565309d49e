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


def test_without_javascript_the_drive_form_searches_then_saves_the_ticked_choices(coordinator_client, places, db):
    _lang(coordinator_client)
    form = {
        "kind": "door_to_door",
        "title": "Sosialisasi Sidodadi",
        "starts_at": "2026-10-05T15:30",
        "ends_at": "2026-10-05T18:00",
        "audience": "eksternal",
        "status": "planned",
        "areas_q": "sido",
        "find": "areas",
    }
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
    form = {
        "kind": "door_to_door",
        "title": "Uji",
        "starts_at": "2026-10-05T15:30",
        "ends_at": "2026-10-05T18:00",
        "audience": "eksternal",
        "status": "planned",
    }
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
