"""The participation imports' templates (counts, targets, baselines) import as they are, in CSV and Excel."""

from datetime import date

import pytest
from sqlalchemy import select

from outreach.imports.reading import read_upload
from outreach.imports.template_files import template_csv, template_xlsx
from outreach.participation.import_templates import BASELINE_TEMPLATE, COUNT_TEMPLATE, TARGET_TEMPLATE
from outreach.participation.imports import (
    apply_baseline_import,
    apply_target_import,
    import_counts,
    preview_baseline_import,
    preview_target_import,
)
from outreach.participation.models import Baseline, RespondentCount, SurveyRound, Target


def _file(template, fmt: str) -> tuple[bytes, str]:
    data = template_csv(template).encode("utf-8") if fmt == "csv" else template_xlsx(template)
    return data, f"{template.filename}.{fmt}"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_count_template_imports_as_it_is(tree, db, fmt):
    data, name = _file(COUNT_TEMPLATE, fmt)
    result = import_counts(data, today=date(2026, 11, 26), filename=name)
    assert result.added == 1
    count = db.session.scalar(select(RespondentCount))
    assert (count.day, count.audience, count.source) == (date(2026, 10, 1), "eksternal", "Laporan KPK")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_target_and_baseline_templates_import_as_they_are(tree, db, fmt):
    round_ = SurveyRound(name="SPI 2026", year=2026, starts_on=date(2026, 9, 1), deadline=date(2026, 12, 11))
    db.session.add(round_)
    db.session.flush()
    assert apply_target_import(preview_target_import(_text(TARGET_TEMPLATE, fmt), round_))["added"] == 1
    assert apply_baseline_import(preview_baseline_import(_text(BASELINE_TEMPLATE, fmt), round_))["added"] == 1
    assert db.session.scalar(select(Target.target)) == 300
    assert db.session.scalar(select(Baseline.population)) == 8500


def _text(template, fmt) -> str:
    data, name = _file(template, fmt)
    return read_upload(data, name, sheet=template.sheet).text


def test_participation_templates_download_for_editors_only(coordinator_client, leadership_client):
    for kind in ("counts", "targets", "baselines"):
        assert coordinator_client.get(f"/imports/{kind}/template.xlsx").status_code == 200
    assert leadership_client.get("/imports/counts/template.csv").status_code == 403
