"""The OpenAPI schema validates without warnings and describes the API truthfully; Swagger UI
is served from the app's own static files."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "patch", "put", "delete")


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_the_schema_validates_without_warnings_and_covers_the_contract(schema):
    paths = set(schema["paths"])
    for path in ("/api/v1/auth/token/", "/api/v1/orgs/", "/api/v1/orgs/{slug}/members/",
                 "/api/v1/orgs/{slug}/members/{username}/", "/api/v1/orgs/{slug}/hypotheses/",
                 "/api/v1/orgs/{slug}/hypotheses/{id}/decide/",
                 "/api/v1/orgs/{slug}/hypotheses/{id}/reopen/",
                 "/api/v1/orgs/{slug}/interviews/{id}/", "/api/v1/orgs/{slug}/sales-calls/",
                 "/api/v1/orgs/{slug}/experiments/", "/api/v1/orgs/{slug}/metrics/cycle-time/",
                 "/api/v1/orgs/{slug}/metrics/velocity/", "/api/v1/orgs/{slug}/imports/",
                 "/api/v1/orgs/{slug}/imports/{id}/", "/api/v1/invitations/",
                 "/api/v1/invitations/{id}/accept/", "/api/v1/invitations/{id}/decline/"):
        assert path in paths
    assert len(list(operations(schema))) == 46


def test_every_operation_documents_its_errors_in_the_one_error_shape(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        errors = {code for code in responses if code >= "400"}
        if path != "/api/v1/auth/token/":
            assert "401" in errors, (method, path)
            assert operation["security"] and {"tokenAuth": []} in operation["security"]
        if "{" in path:
            assert "404" in errors, (method, path)
        if method != "get":
            assert "429" in errors, (method, path)
        if method != "get" and path.startswith("/api/v1/orgs/"):
            assert "403" in errors, (method, path)  # a role too low, or a missing CSRF token
        if method == "get":
            assert "403" not in errors, (method, path)  # any member reads
        if "requestBody" in operation:
            assert "400" in errors, (method, path)
        for code in errors:
            ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error"
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code", "errors"}


def test_the_schema_describes_fields_enums_nullability_and_pagination(schema):
    components = schema["components"]["schemas"]
    hypothesis = components["Hypothesis"]["properties"]
    assert hypothesis["status"]["allOf"] == [{"$ref": "#/components/schemas/StatusEnum"}]
    assert components["StatusEnum"]["enum"] == ["open", "validated", "invalidated", "abandoned"]
    for name in ("area", "owner", "decided_at", "first_evidence_at", "cycle_time_days",
                 "time_to_first_evidence_days", "last_evidence_at"):
        assert hypothesis[name]["nullable"] is True, name
    assert components["DecisionRequest"]["required"] == ["status"]
    link = components["LinkInputRequest"]
    assert link["required"] == ["hypothesis"] and link["properties"]["strength"]["nullable"]
    assert set(components["PaginatedHypothesisList"]["required"]) == {
        "count", "next", "previous", "results"}
    assert set(components["PaginatedInterviewList"]["required"]) == {"next", "previous",
                                                                      "results"}
    interviews = schema["paths"]["/api/v1/orgs/{slug}/interviews/"]["get"]
    names = {p["name"] for p in interviews["parameters"]}
    assert {"cursor", "page_size", "ordering", "from", "to", "hypothesis", "segment"} <= names
    velocity = schema["paths"]["/api/v1/orgs/{slug}/metrics/velocity/"]["get"]
    weeks = next(p for p in velocity["parameters"] if p["name"] == "weeks")
    assert (weeks["schema"]["minimum"], weeks["schema"]["maximum"]) == (1, 104)
    token_scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (token_scheme["in"], token_scheme["name"]) == ("header", "Authorization")
    assert '"Token"' in token_scheme["description"]


def test_the_members_post_is_documented_as_a_202_with_the_pending_invitation(schema):
    """PRODUCT.md: nobody becomes a member without consent; the POST invites."""
    components = schema["components"]["schemas"]

    def component(ref: str) -> dict:
        return components[ref.split("/")[-1]]

    responses = schema["paths"]["/api/v1/orgs/{slug}/members/"]["post"]["responses"]
    assert "201" not in responses
    created = component(responses["202"]["content"]["application/json"]["schema"]["$ref"])
    invitation = component(created["properties"]["invitation"]["allOf"][0]["$ref"])
    assert {"id", "organization", "role", "invited_by", "expires_at"} <= set(invitation["properties"])
    accept = schema["paths"]["/api/v1/invitations/{id}/accept/"]["post"]["responses"]
    assert component(accept["201"]["content"]["application/json"]["schema"]["$ref"])[
        "properties"]["organization"]["type"] == "string"


def test_the_schema_is_served_to_anyone_as_json_or_yaml():
    assert APIClient().get("/api/schema/").status_code == 200
    as_json = APIClient().get("/api/schema/?format=json")
    assert as_json.json()["info"]["title"] == "Proofloop API"


def test_swagger_ui_is_served_from_the_apps_static_files_without_a_cdn():
    page = APIClient().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in s for s in sources)
    assert all(s.startswith("/") for s in sources), sources
    assert "<script>" not in html.replace(" ", "")  # no inline script: the page passes our CSP
    script = APIClient().get("/api/docs/?script=")
    assert script.status_code == 200 and "/api/schema/" in script.content.decode()
