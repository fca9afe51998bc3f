"""Production settings pass Django's deployment checks, send the security headers, and the
pages work under the Content-Security-Policy.

Also part of `make test` and proving the same item: `makemigrations --check`
(tests/test_project.py), the schema's `spectacular --validate --fail-on-warn`
(tests/api/test_schema.py), and the dashboard's Plotly charts and the evidence forms in
Chromium with a clean console (tests/web/test_browser.py).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from devtools.processes import ROOT, production_env

PRODUCTION = {"EMAIL_URL": "smtp+tls://proofloop:secret@smtp.example.com:587",
              "DJANGO_ALLOWED_HOSTS": "proofloop.example.com"}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=production_env(**{**PRODUCTION, **env}))


def test_check_deploy_passes_at_warning_level_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(("variable", "value", "warning"), [
    ("DJANGO_HSTS_SECONDS", "0", "security.W004"),
    ("DJANGO_SECURE_SSL_REDIRECT", "false", "security.W008"),
    ("DJANGO_SECURE_COOKIES", "false", "security.W012"),
    ("DJANGO_SECRET_KEY", "short-and-guessable", "security.W009"),
])
def test_check_deploy_fails_when_a_safeguard_is_switched_off(variable, value, warning):
    """The check above is not vacuous: each safeguard it relies on is really looked at."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **{variable: value})
    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="proofloop.example.com")
plain = client.get("/healthz")
secure = client.get("/healthz", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "secure": [secure.status_code, {name: secure.get(name) for name in (
        "Strict-Transport-Security", "X-Frame-Options", "Content-Security-Policy",
        "X-Content-Type-Options", "Referrer-Policy")}],
    "settings": {name: getattr(settings, name) for name in (
        "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE")},
}))
"""


def test_production_answers_with_https_only_and_the_security_headers(tmp_path):
    database = f"sqlite:///{tmp_path / 'empty.sqlite3'}"  # /healthz only runs SELECT 1
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                            text=True, timeout=120,
                            env=production_env(**PRODUCTION, DATABASE_URL=database))
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["plain"] == [301, "https://proofloop.example.com/healthz"]
    status, headers = facts["secure"]
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert facts["settings"] == {"DEBUG": False, "SESSION_COOKIE_SECURE": True,
                                 "SESSION_COOKIE_HTTPONLY": True, "CSRF_COOKIE_SECURE": True}


def schema_operations() -> list[tuple[str, str]]:
    """(path, method) of every operation of the API's OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, method) for path, item in schema["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_works_under_the_csp_and_calls_the_api(browsing, team):
    """Swagger UI at /api/docs/ renders every operation from the app's own static files and
    can call the API (with the signed-in session), with nothing refused by the CSP."""
    page = browsing.page
    browsing.sign_in("member")
    response = page.goto(browsing.base_url + reverse("api:docs"))
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() == len(schema_operations())
    operation = page.locator("#operations-orgs-orgs_list")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    body = operation.locator(".live-responses-table .response-col_description pre").first
    body.wait_for()
    assert '"slug": "acme"' in body.inner_text()
    browsing.screenshot("swagger-ui")
    assert browsing.errors == []
