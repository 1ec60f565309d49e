"""Hypothesis: whatever the login form receives, the answer is a clear message, never a 500."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.auth.services import find_user_by_email
from outreach.extensions import limiter
from tests.conftest import PASSWORD
from tests.factories import UserFactory

KNOWN = "lurah.fuzz@bandarlampungkota.go.id"
FUZZ = settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FIELD_ERROR = 'class="field-error"'
REFUSAL = "Email atau kata sandi salah"
# Control characters and bidi overrides in any field or in `next` (outreach.inputs): a 400 naming it.
BAD_TEXT = "Isian “"

emails = st.one_of(st.text(max_size=300), st.emails(), st.just(KNOWN), st.just(KNOWN.upper()))
passwords = st.one_of(st.text(max_size=300), st.just(PASSWORD))


def _known_user(db):
    if find_user_by_email(KNOWN) is None:
        UserFactory(email=KNOWN)
        db.session.commit()


@FUZZ
@given(email=emails, password=passwords, remember=st.text(max_size=20), target=st.text(max_size=200))
def test_login_form_answers_any_input_with_a_message(app, db, email, password, remember, target):
    _known_user(db)
    limiter.reset()
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        response = app.test_client().post(
            "/auth/login",
            query_string={"next": target},
            data={"email": email, "password": password, "remember": remember},
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 302, 400, 401), response.status_code
    if response.status_code == 400:
        assert BAD_TEXT in body
    elif response.status_code == 200:
        assert FIELD_ERROR in body
    elif response.status_code == 401:
        assert REFUSAL in body
    else:
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//")


@FUZZ
@given(body=st.binary(max_size=2000))
def test_login_accepts_any_bytes_without_a_500(app, db, body):
    limiter.reset()
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        response = app.test_client().post("/auth/login", data=body, content_type="application/x-www-form-urlencoded")
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code in (200, 400, 401), response.status_code
    body = response.get_data(as_text=True)
    assert FIELD_ERROR in body or REFUSAL in body or (response.status_code == 400 and BAD_TEXT in body)


@FUZZ
@given(email=emails, password=passwords, token=st.text(max_size=100))
def test_login_with_a_bad_csrf_token_says_so(app, db, email, password, token):
    limiter.reset()
    response = app.test_client().post("/auth/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 400
    assert "token keamanannya" in response.get_data(as_text=True)
