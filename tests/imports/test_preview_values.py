"""The preview writes values as people do: Ya/Tidak, dates as 4 Des 2026, role labels, areas by name."""

from datetime import date

from outreach.imports.views import import_field, import_value
from tests.factories import make_area_tree


def test_values_are_written_as_people_write_them(app, db):
    tree = make_area_tree(kelurahan=1, rw=1, rt=1)
    db.session.commit()
    rt = tree["18.71.01.1001.001.001"]
    with app.test_request_context():  # Indonesian is the default language
        assert (import_value(True), import_value(False), import_value(None)) == ("Ya", "Tidak", "—")
        assert import_value(date(2026, 12, 4)) == "4 Des 2026"
        assert import_value("pamong", "role") == "Pamong"
        assert import_field("active") == "Aktif"
        assert import_value(rt.code, "areas") == f"{rt.place} ({rt.code})" and "Kelurahan Uji 1-1" in rt.place
        assert import_value("18.71.99 " + rt.code, "areas") == f"18.71.99, {rt.place} ({rt.code})"  # unknown: code
