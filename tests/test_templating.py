"""Shared Jinja filters: numbers in the reader's language."""

import pytest
from babel.numbers import format_decimal
from flask import render_template_string, session
from flask_babel import get_locale, refresh


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("value", [0, 7, 1234, -1234, 1234567, 10**12, 2.5, 1234.75])
def test_numberformat_matches_babel_for_whole_and_decimal_numbers(app, language, value):
    with app.test_request_context():
        session["lang"] = language
        refresh()
        assert str(get_locale()) == language
        shown = render_template_string("{{ value | numberformat }}", value=value)
        assert shown == format_decimal(value, locale=language)


def test_numberformat_groups_thousands_with_a_dot_in_indonesian(app):
    with app.test_request_context():
        refresh()  # forget a language cached by an earlier test in this app context
        assert render_template_string("{{ 1234567 | numberformat }}") == "1.234.567"
