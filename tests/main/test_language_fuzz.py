"""Hypothesis: the language switch answers any input with a redirect home or a clear 400."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.inputs import text_problem

FUZZ = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# A control character or bidi override in a field is refused before the view (outreach.inputs), naming it.
BAD_TEXT = "Isian “"
langs = st.one_of(st.sampled_from(["id", "en", "ID", "en-US", ""]), st.text(max_size=50))
targets = st.one_of(st.none(), st.text(max_size=300), st.just("/auth/login"), st.from_regex(r"\A/[ -~]{0,40}\Z"))


@FUZZ
@given(lang=langs, target=targets)
def test_language_switch_answers_any_input_clearly(app, lang, target):
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        client = app.test_client()
        data = {"lang": lang} if target is None else {"lang": lang, "next": target}
        response = client.post("/lang", data=data)
        body = response.get_data(as_text=True)
        if target is not None and text_problem("next", target) is not None:
            assert response.status_code == 400 and BAD_TEXT in body
        elif lang in ("id", "en"):
            assert response.status_code == 302
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith("//")
            assert "\n" not in location and "\r" not in location
            page = client.get("/auth/login").get_data(as_text=True)
            assert f'<html lang="{lang}">' in page
        else:
            assert response.status_code == 400
            assert "Bahasa tidak dikenal" in body or BAD_TEXT in body
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


@FUZZ
@given(body=st.binary(max_size=1000))
def test_language_switch_accepts_any_bytes_without_a_500(app, body):
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        response = app.test_client().post("/lang", data=body, content_type="application/x-www-form-urlencoded")
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        body = response.get_data(as_text=True)
        assert "Bahasa tidak dikenal" in body or BAD_TEXT in body
