"""Starter files of the participation imports (respondent counts, targets, baselines), Indonesian headers.

Every header is one of the spellings the importers accept (`COUNT_COLUMNS` and friends in `participation.imports`).
"""

from outreach.imports.template_files import ImportTemplate, TemplateColumn

UNIT = TemplateColumn(
    "unit", "kode", "18.71.01.1003", "Wajib. Kode kelurahan, kecamatan atau kota, atau kode OPD (mis. inspektorat)."
)
AUDIENCE = TemplateColumn("audience", "jenis_responden", "eksternal", "Wajib. eksternal atau internal.")

COUNT_TEMPLATE = ImportTemplate(
    kind="counts",
    filename="templat-jumlah-responden",
    sheet="Jumlah responden",
    columns=(
        TemplateColumn("date", "tanggal", "2026-10-01", "Wajib. Tanggal (WIB) sebagai 2026-10-01 atau 01/10/2026."),
        UNIT,
        AUDIENCE,
        TemplateColumn("count", "jumlah", "42", "Wajib. Jumlah responden, bilangan bulat."),
        TemplateColumn("kind", "jenis", "harian", "Boleh kosong (berarti harian). harian atau kumulatif."),
        TemplateColumn("source", "sumber", "Laporan KPK", "Boleh kosong. Dari mana angka ini."),
    ),
)
TARGET_TEMPLATE = ImportTemplate(
    kind="targets",
    filename="templat-sasaran",
    sheet="Sasaran",
    columns=(
        UNIT,
        AUDIENCE,
        TemplateColumn("target", "sasaran", "300", "Wajib. Sasaran jumlah responden putaran ini."),
    ),
)
BASELINE_TEMPLATE = ImportTemplate(
    kind="baselines",
    filename="templat-data-awal",
    sheet="Data awal",
    columns=(
        UNIT,
        AUDIENCE,
        TemplateColumn("respondents", "jumlah", "120", "Wajib. Jumlah responden pada putaran sebelumnya."),
        TemplateColumn(
            "population", "penduduk", "8500", "Boleh kosong. Jumlah penduduk wilayah atau pegawai OPD, untuk tingkat."
        ),
    ),
)
