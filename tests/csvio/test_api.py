"""CSV import through the API: POST the file, then GET the job until it has finished."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from validation.models import Interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, team):
    client.force_login(team.member)
    return client


def test_post_a_file_then_read_the_jobs_outcome(api, team, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("i.csv", b"occurred_at,interviewee\n2026-03-02T09:00:00Z,Dana\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/orgs/acme/imports/", {"kind": "interviews", "file": upload})
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == "queued" and job["total_rows"] == 1
    outcome = api.get(f"/api/v1/orgs/acme/imports/{job['id']}/").json()
    assert outcome["status"] == "succeeded" and outcome["created_count"] == 1
    assert outcome["percent"] == 100
    assert Interview.objects.for_org(team.org).count() == 1


def test_bad_rows_come_back_with_line_column_and_message(api, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("i.csv", b"occurred_at,interviewee\nnot a date,Dana\n")
    with django_capture_on_commit_callbacks(execute=True):
        job = api.post("/api/v1/orgs/acme/imports/", {"kind": "interviews", "file": upload}).json()
    outcome = api.get(f"/api/v1/orgs/acme/imports/{job['id']}/").json()
    assert outcome["status"] == "failed"
    assert outcome["row_errors"][0]["line"] == 2
    assert outcome["row_errors"][0]["column"] == "occurred_at"


def test_a_file_that_cannot_be_imported_is_a_400_on_the_file_field(api):
    upload = SimpleUploadedFile("i.csv", "occurred_at\n2026-03-02,é\n".encode("latin-1"))
    response = api.post("/api/v1/orgs/acme/imports/", {"kind": "interviews", "file": upload})
    assert response.status_code == 400
    assert "not UTF-8" in response.json()["errors"]["file"][0]


def test_a_viewer_cannot_import_and_an_outsider_sees_nothing(client, team):
    client.force_login(team.viewer)
    upload = SimpleUploadedFile("i.csv", b"occurred_at\n2026-03-02T09:00:00Z\n")
    assert client.post("/api/v1/orgs/acme/imports/",
                       {"kind": "interviews", "file": upload}).status_code == 403
    client.force_login(team.outsider)
    assert client.get("/api/v1/orgs/acme/imports/").status_code == 404
