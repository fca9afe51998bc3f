"""The project as a whole: settings fail loudly, migrations are complete, the demo seeds once,
docker compose starts real entry points."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from core.models import Membership, Organization
from devtools.processes import isolated_env
from validation import engine, metrics
from validation.models import Evidence, EvidenceLink, Hypothesis, HypothesisStatusChange

ROOT = Path(__file__).resolve().parent.parent


def start_django(**env: str) -> subprocess.CompletedProcess[str]:
    """Load the production settings in a fresh interpreter with `env` (and nothing else of
    this machine's Django environment)."""
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
                          env=isolated_env(DJANGO_SETTINGS_MODULE="proofloop.settings", **env),
                          capture_output=True, text=True, timeout=60)


GOOD = {"DJANGO_SECRET_KEY": "k" * 50, "EMAIL_URL": "smtp://127.0.0.1:1025"}


def test_production_settings_start_with_good_values():
    result = start_django(**GOOD)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG='maybe' is invalid"),
    ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL="),
    ("DATABASE_URL", "not a url", "DATABASE_URL="),
    ("REDIS_URL", "http://localhost:6379", "REDIS_URL="),
    ("SITE_URL", "example.com", "SITE_URL="),
    ("EMAIL_URL", "carrier-pigeon://coop", "EMAIL_URL="),
    ("DATABASE_CONN_MAX_AGE", "forever", "DATABASE_CONN_MAX_AGE="),
    ("LOG_LEVEL", "LOUD", "LOG_LEVEL="),
])
def test_a_bad_environment_value_stops_start_up_naming_the_variable(variable, value, expected):
    result = start_django(**{**GOOD, variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert expected in result.stderr


def test_the_secret_key_is_required_when_debug_is_off():
    result = start_django(EMAIL_URL="smtp://127.0.0.1:1025")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr
    assert start_django(DJANGO_DEBUG="true").returncode == 0


@pytest.mark.django_db
def test_makemigrations_finds_nothing_to_do():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_its_derived_values_are_right(capsys):
    def snapshot() -> tuple[int, ...]:
        return (Organization.objects.count(), Membership.objects.count(),
                Hypothesis.objects.count(), Evidence.objects.count(),
                EvidenceLink.objects.count(), HypothesisStatusChange.objects.count())

    call_command("seed_demo")
    first = snapshot()
    output = capsys.readouterr().out
    assert "demo-owner" in output and "demo-viewer" in output and "proofloop-demo" in output
    call_command("seed_demo")
    call_command("seed_demo", "--if-empty")
    assert snapshot() == first
    org = Organization.objects.get(slug="acme")
    hypotheses = Hypothesis.objects.for_org(org)
    assert 35 <= hypotheses.count() <= 45
    assert 250 <= Evidence.objects.for_org(org).count() <= 350
    assert {"open", "validated", "invalidated", "abandoned"} <= set(
        hypotheses.values_list("status", flat=True))
    assert hypotheses.stale(threshold=metrics.stale_threshold(org)).exists()
    assert set(Membership.objects.for_org(org).values_list("role", flat=True)) == {
        "owner", "admin", "member", "viewer"}
    assert engine.verify(org.pk) == []


def test_docker_compose_services_run_real_entry_points():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "--appendonly yes" in " ".join(services["redis"]["command"])
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in services[name], name
    assert any("postgres" in str(v) for v in services["postgres"].get("volumes", []))
    web = " ".join(services["web"]["command"])
    assert "manage.py migrate" in web and "gunicorn proofloop.wsgi:application" in web
    assert (ROOT / "proofloop" / "wsgi.py").exists()
    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "proofloop"] and command[3] == name
    from proofloop.celery import app  # the `-A proofloop` target really is a Celery app
    assert app.main == "proofloop"
    dockerfile = (ROOT / services["web"]["build"].get("dockerfile", "Dockerfile")
                  if isinstance(services["web"]["build"], dict) else ROOT / "Dockerfile")
    assert "pip install" in dockerfile.read_text()
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:6379")


def test_every_environment_variable_the_settings_read_is_documented_in_the_readme():
    """The README's configuration table names each variable proofloop/settings.py reads."""
    import re

    settings = (ROOT / "proofloop" / "settings.py").read_text()
    read = set(re.findall(r'\b(?:env_\w+|database_config)\(\s*"([A-Z][A-Z0-9_]+)"', settings))
    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "EMAIL_URL"} <= read
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    assert read - documented == set(), "add these to README.md, Configuration"
