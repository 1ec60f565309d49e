"""Campaign words: every page and form uses the one set of audiences, channels, sources and roles."""

import pytest
from flask_babel import force_locale

from outreach import campaign
from outreach.drives.forms import DriveForm
from outreach.links.forms import SurveyTargetForm
from outreach.participation.forms import CountForm, FilterForm
from outreach.promoters.forms import PromoterForm
from tests.factories import LinkFactory


@pytest.fixture
def request_ctx(app):
    with app.test_request_context():
        yield


def _audience_options(form) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label, _selected, _attrs in form.audience.iter_choices() if value]


def test_every_audience_choice_reads_the_same_in_both_languages(request_ctx):
    forms = [SurveyTargetForm(meta={"csrf": False}), DriveForm(meta={"csrf": False}), CountForm(meta={"csrf": False})]
    forms.append(FilterForm(meta={"csrf": False}))
    with force_locale("en"):
        english = {tuple(_audience_options(form)) for form in forms}
    with force_locale("id"):
        indonesian = {tuple(_audience_options(form)) for form in forms}
    # Once the counts form said "Eksternal (service users)" where the others said "External (service users)".
    assert english == {(("eksternal", "External (service users)"), ("internal", "Internal (employees)"))}
    assert indonesian == {(("eksternal", "Eksternal (pengguna layanan)"), ("internal", "Internal (pegawai)"))}


def test_labels_follow_the_language_and_unknown_values_show_as_they_are(request_ctx):
    with force_locale("id"):
        assert campaign.channel_label("bus") == "Bus Roadshow"
        assert campaign.source_label("typed") == "Diketik"
        assert campaign.user_role_label("coordinator") == "Koordinator"
        assert campaign.promoter_role_label("rt") == "Ketua RT"
        assert campaign.audience_label("tamu") == "tamu"
    with force_locale("en"):
        assert campaign.promoter_role_label("rt") == "RT head"


def test_promoter_roles_offered_are_the_campaign_roles(request_ctx):
    form = PromoterForm(meta={"csrf": False})
    assert [value for value, *_rest in form.role.iter_choices()] == list(campaign.PROMOTER_ROLES)


def test_link_page_names_the_sources_in_the_reader_language(coordinator_client, db):
    link = LinkFactory()
    db.session.commit()
    page = coordinator_client.get(f"/links/{link.id}").get_data(as_text=True)
    assert '<th class="num">QR</th><th class="num">Diketik</th><th class="num">Langsung</th>' in page
