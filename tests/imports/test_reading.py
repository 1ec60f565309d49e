"""The import framework's CSV reading and writing: upload checks, delimiter and BOM handling, formula-safe writing."""

import csv
import io

import pytest

from outreach.imports.problems import ImportRefused as CsvError
from outreach.imports.reading import decode_upload, parse_csv, parse_flag, sniff_delimiter
from outreach.imports.writing import safe_cell, write_csv


def test_bom_is_removed_and_text_returned(app):
    assert decode_upload("\ufeffname,phone\nSiti,0812\n".encode()) == "name,phone\nSiti,0812\n"


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"", "a.csv", "kosong"),
        (b"x" * 2048, "a.csv", "batasnya"),
        (b"PK\x03\x04rest", "a.csv", "Excel"),
        (b"%PDF-1.7", "a.csv", "PDF"),
        (b"name\x00phone", "a.csv", "biner"),
        (b"nama,telepon\n\xe9t\xe9\n", "a.csv", "UTF-8"),
        (b"name,phone", "data.xlsx", "data.xlsx"),
    ],
)
def test_unusable_uploads_are_refused_with_a_reason(app, data, filename, expected):
    with app.test_request_context(), pytest.raises(CsvError) as excinfo:
        decode_upload(data, filename=filename, max_bytes=1024)
    assert expected in str(excinfo.value)


def test_non_utf8_error_names_the_line(app):
    with app.test_request_context(), pytest.raises(CsvError) as excinfo:
        decode_upload(b"a,b\nok,ok\n\xff\xfe,x\n")
    assert "Baris 3" in str(excinfo.value)


@pytest.mark.parametrize(("header", "delimiter"), [("a,b,c", ","), ("a;b;c", ";"), ("a;b,c;d", ";"), ("a", ",")])
def test_delimiter_is_taken_from_the_header(header, delimiter):
    assert sniff_delimiter(header + "\n1,2;3\n") == delimiter


def test_rows_carry_their_line_numbers_and_normalised_columns(app):
    text = 'Kelurahan Code;RW\n\n18.71.01.1003;1\n"18.71.01.1004";"2"\n'
    table = parse_csv(text, required=("kelurahan_code", "rw"))
    assert table.delimiter == ";"
    assert table.rows == [
        (3, {"kelurahan_code": "18.71.01.1003", "rw": "1"}),
        (4, {"kelurahan_code": "18.71.01.1004", "rw": "2"}),
    ]


def test_quoted_multiline_cell_keeps_following_line_numbers_right(app):
    table = parse_csv('name,note\n"a","two\nlines"\nb,x\n', required=("name",), optional=("note",))
    assert [line for line, _row in table.rows] == [2, 4]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name\nx\n", "phone"),
        ("name,phone,colour\nx,1,red\n", "colour"),
        ("name,phone,name\nx,1,y\n", "name"),
    ],
)
def test_header_problems_name_the_columns(app, text, expected):
    with app.test_request_context(), pytest.raises(CsvError) as excinfo:
        parse_csv(text, required=("name", "phone"))
    assert expected in str(excinfo.value) and "1" in str(excinfo.value)


def test_too_many_rows_are_refused(app):
    with app.test_request_context(), pytest.raises(CsvError):
        parse_csv("a\n1\n2\n3\n", required=("a",), max_rows=2)


@pytest.mark.parametrize("value", ["=1+2", "+62812", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_cells_are_neutralised(value):
    assert safe_cell(value) == "'" + value


EVIL_NAMES = ["Budi;=SUM(7*6);", "Ani\t=1+1", "x;+62;-5;@A1", "Siti; Ani"]


def spreadsheet_cells(text: str):
    """Every cell a spreadsheet sees when it splits `text` on a comma, a semicolon or a tab."""
    for delimiter in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter):
            yield from row


def assert_no_live_formula(text: str) -> None:
    """No cell starts a formula, whichever separator the reader uses."""
    for cell in spreadsheet_cells(text):
        assert not cell.startswith(("=", "+", "-", "@")), cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("Budi;=SUM(7*6);", "Budi;'=SUM(7*6);"),
        ("Ani\t=1+1", "Ani\t'=1+1"),
        ("x;+62;-5;@A1", "x;'+62;'-5;'@A1"),
        ("Siti; Ani", "Siti; Ani"),
    ],
)
def test_a_formula_after_a_semicolon_or_tab_is_neutralised(value, written):
    assert safe_cell(value) == written


def test_cells_with_a_semicolon_or_tab_are_quoted_for_every_reader(app):
    text = write_csv(["name", "phone"], [[name, "0812"] for name in EVIL_NAMES])
    assert '"Budi;\'=SUM(7*6);",0812' in text
    assert_no_live_formula(text)
    table = parse_csv(text, required=("name", "phone"))
    assert [row["name"] for _line, row in table.rows] == EVIL_NAMES


def test_written_csv_reads_back_unchanged(app):
    text = write_csv(["name", "phone"], [['=HYPERLINK("x")', "+6281234567890"], ["Siti; Ani", None]])
    assert text.splitlines()[1].startswith("\"'=HYPERLINK")
    table = parse_csv(text, required=("name", "phone"))
    assert [row for _line, row in table.rows] == [
        {"name": '=HYPERLINK("x")', "phone": "+6281234567890"},
        {"name": "Siti; Ani", "phone": ""},
    ]


@pytest.mark.parametrize(
    ("value", "flag"), [("1", True), ("Ya", True), ("aktif", True), ("0", False), ("tidak", False), ("", None)]
)
def test_yes_no_cells(value, flag):
    assert parse_flag(value) is flag


def test_unknown_yes_no_value_is_refused(app):
    with app.test_request_context(), pytest.raises(ValueError, match="mungkin"):
        parse_flag("mungkin")
