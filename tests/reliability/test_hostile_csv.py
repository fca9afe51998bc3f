"""Hostile CSV files, uploaded through the web app and the API: each is imported whole or
refused with a reason, never a 500, never half-written.

The reader's and importer's own rules are tested one by one in tests/csvio/; these tests
send the files through both real surfaces, end to end (upload → checks → background import).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.api.conftest import row_counts
from validation.models import Interview
from validation.models.imports import ImportJob, ImportStatus

pytestmark = pytest.mark.django_db

HEADER = "occurred_at,interviewee,notes\r\n"


@dataclass(frozen=True)
class Upload:
    """What one surface answered, and the import job it started (if any)."""

    status: int
    refusal: str  # the message shown or returned when the file was refused at once
    job: ImportJob | None


def upload(client: Client, surface: str, data: bytes, capture) -> Upload:
    """POST `data` as an interviews CSV through `surface` ("web" or "api"), running the import
    task it queues; no surface may answer with a 5xx."""
    file = SimpleUploadedFile("interviews.csv", data, content_type="text/csv")
    url = "/o/acme/settings/import/" if surface == "web" else "/api/v1/orgs/acme/imports/"
    with capture(execute=True):
        response = client.post(url, {"kind": "interviews", "file": file})
    assert response.status_code < 500, response.content[:500]
    if surface == "web":
        if response.status_code == 302:
            return Upload(302, "", ImportJob.objects.get(pk=int(response["Location"].rstrip("/")
                                                               .rsplit("/", 1)[1])))
        page = html.unescape(response.content.decode())
        return Upload(response.status_code, page, None)
    if response.status_code == 202:
        return Upload(202, "", ImportJob.objects.get(pk=response.json()["id"]))
    return Upload(response.status_code, " ".join(response.json()["errors"]["file"]), None)


@pytest.fixture
def client(team) -> Client:
    client = Client()
    client.force_login(team.member)
    return client


SURFACES = ["web", "api"]
ACCEPTED = {"web": 302, "api": 202}
REFUSED = {"web": 200, "api": 400}


def exactly(size: int, rows: int) -> bytes:
    """A valid interviews file of exactly `size` bytes: `rows` rows with long notes."""
    row_start = "2026-03-02 09:00,Dana,"
    room = size - len(HEADER) - rows * (len(row_start) + 2)
    per_row, extra = divmod(room, rows)
    lines = [row_start + "n" * (per_row + (extra if i == 0 else 0)) + "\r\n" for i in range(rows)]
    data = (HEADER + "".join(lines)).encode()
    assert len(data) == size
    return data


@pytest.mark.parametrize("surface", SURFACES)
def test_utf8_with_a_bom_and_crlf_line_ends_imports_exactly(surface, client, team,
                                                            django_capture_on_commit_callbacks):
    data = ("\ufeff" + HEADER + "2026-03-02 09:00,Zoë Ødegård,\"two\r\nlines\"\r\n").encode()
    result = upload(client, surface, data, django_capture_on_commit_callbacks)
    assert result.status == ACCEPTED[surface]
    assert result.job.status == ImportStatus.SUCCEEDED and result.job.created_count == 1
    interview = Interview.objects.for_org(team.org).get()
    assert (interview.interviewee, interview.notes) == ("Zoë Ødegård", "two\r\nlines")


@pytest.mark.parametrize("surface", SURFACES)
def test_formula_cells_are_stored_as_the_text_written(surface, client, team,
                                                      django_capture_on_commit_callbacks):
    data = (HEADER + '2026-03-02 09:00,"=HYPERLINK(""http://evil.example"",""x"")",'
                     '+cmd|\' /C calc\'!A0\r\n').encode()
    result = upload(client, surface, data, django_capture_on_commit_callbacks)
    assert result.job.status == ImportStatus.SUCCEEDED
    interview = Interview.objects.for_org(team.org).get()
    assert interview.interviewee == '=HYPERLINK("http://evil.example","x")'
    assert interview.notes == "+cmd|' /C calc'!A0"
    # An export escapes them again for spreadsheets: tests/csvio/test_export.py.


REFUSED_FILES = {
    "Latin-1 bytes": ((HEADER + "2026-03-02 09:00,Zoë,\r\n").encode("latin-1"), "not UTF-8"),
    "a missing required column": (b"interviewee,notes\r\nDana,x\r\n",
                                  "Missing required column occurred_at"),
    "an extra, unknown column": (b"occurred_at,interviewee,mood\r\n2026-03-02 09:00,Dana,ok\r\n",
                                 "Unknown column mood"),
    "a row with an extra cell": ((HEADER + "2026-03-02 09:00,Dana,x,surplus\r\n").encode(),
                                 "Line 2 has 4 cells"),
    "NUL bytes": ((HEADER + "2026-03-02 09:00,Da\x00na,x\r\n").encode(), "NUL character"),
    "10 MB + 1 byte": (None, "the limit is 10 MB"),
    "an empty file": (b"", "empty"),
}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("case", list(REFUSED_FILES))
def test_a_file_that_cannot_be_imported_is_refused_at_once_writing_nothing(
        case, surface, client, django_capture_on_commit_callbacks):
    data, says = REFUSED_FILES[case]
    if data is None:
        data = exactly(settings.IMPORT_MAX_BYTES + 1, rows=100)
    before = row_counts()
    result = upload(client, surface, data, django_capture_on_commit_callbacks)
    assert result.status == REFUSED[surface]
    assert says in result.refusal
    assert result.job is None and not ImportJob.objects.exists()
    assert row_counts() == before


@pytest.mark.slow  # 10 MB checked and written, twice
@pytest.mark.parametrize("surface", SURFACES)
def test_a_file_of_exactly_10_mb_is_imported_whole(surface, client, team,
                                                   django_capture_on_commit_callbacks):
    data = exactly(settings.IMPORT_MAX_BYTES, rows=100)  # ~105 kB of notes a row
    result = upload(client, surface, data, django_capture_on_commit_callbacks)
    assert result.status == ACCEPTED[surface]
    assert result.job.status == ImportStatus.SUCCEEDED and result.job.created_count == 100
    assert sum(len(n) for n in Interview.objects.for_org(team.org)
               .values_list("notes", flat=True)) > 10_000_000


@pytest.mark.parametrize("surface", SURFACES)
def test_a_row_dated_february_30_fails_the_import_naming_its_line(
        surface, client, django_capture_on_commit_callbacks):
    before = row_counts()
    data = (HEADER + "2026-03-02 09:00,Dana,ok\r\n2026-02-30 09:00,Eve,bad date\r\n").encode()
    result = upload(client, surface, data, django_capture_on_commit_callbacks)
    assert result.status == ACCEPTED[surface]  # the file is fine; its rows are checked next
    assert result.job.status == ImportStatus.FAILED
    assert [(e["line"], e["column"]) for e in result.job.row_errors] == [(3, "occurred_at")]
    assert row_counts() == before  # the good first row was not written either


@pytest.mark.slow  # 100,000 rows checked: about two minutes on two cores
def test_100_000_rows_with_one_bad_row_at_the_end_write_nothing(
        client, django_capture_on_commit_callbacks):
    """The largest file a person might send: every row is checked, one is wrong, none is
    written (one transaction, after all rows are checked)."""
    rows = "".join(f"2026-03-0{1 + i % 9} 09:00,Dana {i},n\r\n" for i in range(99_999))
    data = (HEADER + rows + "2026-13-01 09:00,Eve,bad month\r\n").encode()
    before = row_counts()
    result = upload(client, "api", data, django_capture_on_commit_callbacks)
    assert result.status == 202 and result.job.total_rows == 100_000
    assert result.job.status == ImportStatus.FAILED
    assert result.job.processed_rows == 100_000
    assert [(e["line"], e["column"]) for e in result.job.row_errors] == [(100_001, "occurred_at")]
    assert row_counts() == before
