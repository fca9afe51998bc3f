"""A file that cannot be imported at all is refused at once, with a reason, writing nothing."""

import pytest

from validation.csvio.reader import CsvFileError
from validation.csvio.services import import_start
from validation.models import Evidence
from validation.models.imports import ImportJob

pytestmark = pytest.mark.django_db

GOOD_HEADER = "occurred_at,interviewee,notes\r\n"


def refused(team, data: bytes, kind: str = "interviews") -> str:
    with pytest.raises(CsvFileError) as error:
        import_start(organization=team.org, user=team.member, kind=kind, filename="x.csv",
                     data=data)
    assert ImportJob.objects.count() == 0 and Evidence.objects.count() == 0
    return str(error.value)


def test_latin1_bytes_are_refused_with_the_line_and_what_to_do(team):
    message = refused(team, (GOOD_HEADER + "2026-03-02 09:00,Zoë,\n").encode("latin-1"))
    assert "not UTF-8" in message and "line 2" in message and "CSV UTF-8" in message


def test_a_missing_required_column_is_named(team):
    message = refused(team, b"interviewee,notes\nDana,hi\n")
    assert "Missing required column occurred_at" in message


def test_an_unknown_column_is_named_with_the_expected_ones(team):
    message = refused(team, b"occurred_at,mood\n2026-03-02,happy\n")
    assert "Unknown column mood" in message and "interviewee" in message


def test_a_duplicated_column_is_refused(team):
    assert "more than once" in refused(team, b"occurred_at,notes,notes\n2026-03-02,a,b\n")


def test_a_file_over_the_size_limit_is_refused(team, settings):
    settings.IMPORT_MAX_BYTES = 2048
    message = refused(team, (GOOD_HEADER + "2026-03-02 09:00,Dana,x\n" * 200).encode())
    assert "the limit is" in message


def test_nul_bytes_are_refused(team):
    assert "NUL character" in refused(team, GOOD_HEADER.encode() + b"2026-03-02,\x00,x\n")


def test_an_empty_file_and_a_header_without_rows_are_refused(team):
    assert "empty" in refused(team, b"")
    assert "no rows" in refused(team, GOOD_HEADER.encode())


def test_a_row_with_a_missing_cell_names_its_line(team):
    message = refused(team, (GOOD_HEADER + "2026-03-02 09:00,Dana,ok\n2026-03-03 09:00,Eve\n").encode())
    assert "Line 3 has 2 cells" in message


def test_an_unknown_kind_is_refused(team):
    assert "Unknown kind" in refused(team, GOOD_HEADER.encode(), kind="invoices")
