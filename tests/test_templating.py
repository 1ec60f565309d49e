"""Shared Jinja filters: numbers in the reader's language."""

from datetime import date

import pytest
from babel.numbers import format_decimal
from flask import render_template_string, session
from flask_babel import format_date, get_locale, refresh

from outreach.templating import day_label


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


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("value", [0.0, 0.04, 2.5, 821.66, 1234.75, -3.25, -1234.5, 1234567.0])
def test_decimal_matches_babel_with_one_decimal(app, language, value):
    with app.test_request_context():
        session["lang"] = language
        refresh()
        shown = render_template_string("{{ value | decimal }}", value=value)
        assert shown == format_decimal(value, format="#,##0.0", locale=language)
        signed = render_template_string("{{ value | decimal(signed=True) }}", value=value)
        assert signed == format_decimal(value, format="+#,##0.0;-#,##0.0", locale=language)


def test_decimal_reads_as_indonesian_by_default(app):
    with app.test_request_context():
        refresh()
        assert render_template_string("{{ 821.66 | decimal }} {{ 25 | decimal(signed=True) }}") == "821,7 +25,0"
        assert render_template_string("{{ -1234.56 | decimal(digits=2) }}") == "-1.234,56"


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("pattern", ["medium", "d MMM"])
def test_day_label_matches_flask_babel(app, language, pattern):
    with app.test_request_context():
        session["lang"] = language
        refresh()
        for day in (date(2026, 9, 1), date(2026, 12, 31), date(2027, 5, 17)):
            assert day_label(day, pattern) == format_date(day, pattern)
    with app.test_request_context():
        refresh()
        assert day_label(date(2026, 8, 17)) == "17 Agu 2026"  # Indonesian by default


@pytest.mark.parametrize(
    ("language", "expected"),
    [("id", "Unduh CSV · 3 kegiatan bulan ini."), ("en", "Download CSV · 3 drives this month.")],
)
def test_template_translations_follow_the_language_of_the_request(app, language, expected):
    template = '{{ _("Download CSV") }} · {{ ngettext("%(num)d drive this month.", "%(num)d drives this month.", 3) }}'
    with app.test_request_context():
        session["lang"] = language
        refresh()
        assert render_template_string(template) == expected


def test_templates_translate_with_flask_babel_and_follow_a_language_change_within_the_request(app):
    with app.test_request_context():
        refresh()  # the tests share one app context, where Flask-Babel keeps the locale
        assert render_template_string("{{ _('Count saved.') }}") == "Jumlah tersimpan."
        session["lang"] = "en"
        refresh()  # Flask-Babel's own gettext asks again: no translations are kept past a refresh
        assert render_template_string("{{ _('Count saved.') }}") == "Count saved."
