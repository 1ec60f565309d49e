"""Every UI string has a Bahasa Indonesia translation."""

from outreach.i18n import missing


def test_every_ui_string_is_translated_to_indonesian():
    todo = missing("id")
    assert todo == {}, "untranslated: " + "; ".join(f"{w}: {m}" for m, w in todo.items())
