"""An upload is read as a stream: its size is checked before any of it is read, a file that
claims less than it holds is cut off at the limit, and the bytes are decoded and split into
rows as they come, never held whole. Requests larger than the limit are refused from their
Content-Length, before their body is read (core/middleware.py)."""

import io

import pytest
from django.test import Client

from validation.csvio.reader import CHUNK_BYTES, CsvFileError
from validation.csvio.services import import_start
from validation.models.imports import ImportJob

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
HEADER = b"occurred_at,interviewee,notes\r\n"


class LazyUpload(io.RawIOBase):
    """`total` bytes of a valid interviews CSV, made as they are read (never all in memory);
    `size` is what the upload claims to hold, `served` how much was read from it."""

    def __init__(self, total: int, size: int | None = None) -> None:
        super().__init__()
        self.total, self.served = total, 0
        if size is not None:
            self.size = size
        self.row = b"2026-03-02 09:00,Dana," + b"n" * 200 + b"\r\n"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        wanted = min(len(buffer), self.total - self.served)
        if wanted <= 0:
            return 0
        start = self.served
        if start < len(HEADER):
            data = HEADER[start:start + wanted]
        else:
            offset = (start - len(HEADER)) % len(self.row)
            data = (self.row[offset:] + self.row * (wanted // len(self.row) + 1))[:wanted]
        buffer[:len(data)] = data
        self.served += len(data)
        return len(data)


def start(team, data) -> ImportJob:
    return import_start(organization=team.org, user=team.member, kind="interviews",
                        filename="i.csv", data=data)


def test_an_upload_over_the_limit_is_refused_from_its_size_before_any_of_it_is_read(team):
    upload = LazyUpload(150 * MB, size=150 * MB)
    with pytest.raises(CsvFileError, match="The file is 150.0 MB; the limit is 10 MB"):
        start(team, upload)
    assert upload.served == 0 and not ImportJob.objects.exists()


def test_an_upload_that_claims_less_than_it_holds_is_cut_off_at_the_limit(team, settings):
    upload = LazyUpload(150 * MB, size=1000)
    with pytest.raises(CsvFileError, match="larger than the limit, 10 MB"):
        start(team, upload)
    assert upload.served <= settings.IMPORT_MAX_BYTES + CHUNK_BYTES
    assert not ImportJob.objects.exists()


def test_a_streamed_upload_is_kept_exactly_and_its_rows_counted(team):
    upload = LazyUpload(3 * MB, size=3 * MB)
    job = start(team, upload)
    assert upload.served == 3 * MB
    kept = job.content.encode()
    assert len(kept) == 3 * MB and kept.startswith(HEADER)
    assert job.total_rows == (3 * MB - len(HEADER)) // len(upload.row) + 1  # the last cut short


def test_a_bad_byte_far_into_a_file_is_named_with_its_line(team):
    rows = b"".join(b"2026-03-02 09:00,Dana %d,ok\r\n" % n for n in range(20_000))
    data = HEADER + rows + b"2026-03-02 09:00,Zo\xeb,latin-1\r\n"
    assert len(data) > 4 * CHUNK_BYTES
    with pytest.raises(CsvFileError, match=r"byte 0xEB on line 20002\)"):
        start(team, data)


def test_a_multibyte_character_split_between_two_reads_is_decoded(team):
    prefix = HEADER + b"2026-03-02 09:00,"
    pad = b"a" * (CHUNK_BYTES - len(prefix) - 1)  # the "\xc3" ends the first read
    job = start(team, prefix + pad + "é,ok\r\n".encode())
    assert job.content.endswith("aé,ok\r\n") and job.total_rows == 1


# --- requests over the limit, refused before their body is read -----------------------------------
class Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.fixture
def member(client, team) -> Client:
    client.force_login(team.member)
    return client


def test_an_api_upload_over_the_request_limit_is_a_413_before_its_body_is_read(member):
    response = member.post("/api/v1/orgs/acme/imports/", content_type="multipart/form-data; b=x",
                           CONTENT_LENGTH=str(150 * MB), **{"wsgi.input": Unreadable()})
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_large" and body["errors"] == {}
    assert "The request is 150.0 MB; the limit is 11 MB" in body["detail"]
    assert "split a larger file" in body["detail"]


def test_a_web_upload_over_the_request_limit_is_a_413_page_leading_back(member):
    response = member.post("/o/acme/settings/import/", content_type="multipart/form-data; b=x",
                           CONTENT_LENGTH=str(150 * MB), **{"wsgi.input": Unreadable()})
    assert response.status_code == 413
    html = response.content.decode()
    assert "The request is 150.0 MB; the limit is 11 MB" in html
    assert 'href="/o/acme/settings/import/"' in html
    assert not ImportJob.objects.exists()


def test_a_request_within_the_limit_goes_through(member, settings):
    response = member.post("/api/v1/orgs/acme/imports/",
                           {"kind": "interviews",
                            "file": io.BytesIO(HEADER + b"2026-03-02 09:00,Dana,ok\r\n")})
    assert response.status_code == 202
