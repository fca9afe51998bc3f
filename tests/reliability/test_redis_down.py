"""Redis down: logging evidence through the web app and the API still succeeds — no 500,
nothing lost — and when Redis returns, the derived values catch up through the reconcile task;
the weekly digest run twice across a Redis restart sends each email once.

Redis is never the shared one (REDIS_URL): the broker and the cache point at a loopback port
where nothing listens, or at a `redis-server` of the test's own that it kills (SIGKILL, no
persistence: what was queued is lost) and starts again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from core.models import Organization
from devtools.processes import free_port
from tests.worker import real_worker, wait_until
from validation import engine, services, tasks
from validation.models import DeliveryStatus, DigestDelivery, Evidence, Hypothesis, SalesCall
from validation.models.imports import ImportJob, ImportStatus

from .conftest import celery_broker, require_redis

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit runs for real


@contextmanager
def redis_at(url: str, settings) -> Iterator[None]:
    """The broker, the cache (throttle counts, the reconcile's lock) and REDIS_URL at `url`,
    configured as in production (proofloop.cache.ResilientRedisCache, fail-fast timeouts)."""
    settings.REDIS_URL = url
    settings.CACHES = {"default": {**settings.CACHES["default"],
                                   "BACKEND": "proofloop.cache.ResilientRedisCache",
                                   "LOCATION": url, "KEY_PREFIX": "proofloop",
                                   "OPTIONS": {"socket_connect_timeout": 0.5,
                                               "socket_timeout": 0.5}}}
    with celery_broker(url):
        yield


@pytest.fixture
def hypotheses(team) -> list[Hypothesis]:
    ago = timezone.now() - timedelta(days=20)
    return [services.hypothesis_create(organization=team.org, user=team.member, title=title,
                                       statement="We believe …", stated_at=ago)
            for title in ("Usage pricing", "Guided setup")]


def log_evidence_everywhere(team, hypotheses) -> dict[str, int]:
    """Log evidence through the API and the web app and decide a hypothesis; returns each
    response's status."""
    api = Client(raise_request_exception=False)
    api.force_login(team.member)
    when = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
    statuses = {
        "api interview": api.post("/api/v1/orgs/acme/interviews/", {
            "occurred_at": when.isoformat(), "interviewee": "Dana",
            "hypotheses": [{"hypothesis": hypotheses[0].pk}]},
            content_type="application/json").status_code,
        "web sales call": api.post("/o/acme/sales-calls/new/", {
            "occurred_at": timezone.localtime(when).strftime("%Y-%m-%dT%H:%M"),
            "account": "Initech", "links-TOTAL_FORMS": "1", "links-INITIAL_FORMS": "0",
            "links-0-hypothesis": hypotheses[1].pk, "links-0-stance": "supports"}).status_code,
        "api decision": api.post(f"/api/v1/orgs/acme/hypotheses/{hypotheses[0].pk}/decide/",
                                 {"status": "validated"},
                                 content_type="application/json").status_code,
    }
    return statuses


def test_with_redis_unreachable_logging_evidence_succeeds_and_nothing_is_lost(team, hypotheses,
                                                                              settings, caplog):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    with redis_at(closed, settings), caplog.at_level(logging.WARNING):
        started = time.monotonic()
        statuses = log_evidence_everywhere(team, hypotheses)
        elapsed = time.monotonic() - started
    assert statuses == {"api interview": 201, "web sales call": 302, "api decision": 200}
    assert elapsed < 10  # publishing fails fast; nobody waits on a dead broker
    assert Evidence.objects.filter(interviewee="Dana", links__hypothesis=hypotheses[0]).exists()
    assert SalesCall.objects.filter(account="Initech", links__hypothesis=hypotheses[1]).exists()
    assert Hypothesis.objects.get(pk=hypotheses[0].pk).status == "validated"
    assert "left to the reconcile task" in caplog.text
    assert "cache" in caplog.text and "Redis unavailable" in caplog.text  # throttle failed open
    # Nothing is lost: the writes are in the database. Only the derived values wait for the
    # reconcile (the next test shows them catch up).
    stale = {m.hypothesis_id for m in engine.verify()}
    assert stale == {h.pk for h in hypotheses}


def test_an_import_started_with_redis_unreachable_says_so_and_imports_nothing(team, settings):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    api = Client(raise_request_exception=False)
    api.force_login(team.member)
    with redis_at(closed, settings):
        response = api.post("/api/v1/orgs/acme/imports/", {"kind": "interviews", "file":
                            SimpleUploadedFile("i.csv", b"occurred_at\n2026-03-02 09:00\n")})
    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == ImportStatus.FAILED
    assert "could not be reached" in job.error and "Try again" in job.error
    assert not Evidence.objects.exists()


@pytest.mark.worker
def test_when_redis_returns_the_reconcile_brings_the_derived_values_up_to_date(
        team, hypotheses, settings, private_redis):
    require_redis()
    with redis_at(private_redis.url, settings):
        assert all(code < 400 for code in log_evidence_everywhere(team, hypotheses).values())
        assert len(engine.verify()) > 0  # Redis is down: the recomputes were not queued
        private_redis.start()
        with real_worker() as worker:
            tasks.reconcile_all.delay()  # what beat sends at minute 17 of every hour
            (run,) = worker.wait_for_runs(tasks.reconcile_all.name, 1)
    assert (run.state, run.retval) == ("SUCCESS", 2)
    assert engine.verify() == []
    decided = Hypothesis.objects.get(pk=hypotheses[0].pk)
    assert decided.evidence_count == 1 and decided.cycle_time is not None


def queued(url: str) -> int:
    """Messages waiting in the default queue of the Redis at `url`."""
    client = redis.Redis.from_url(url)
    try:
        return client.llen("celery")
    finally:
        client.close()


@pytest.mark.worker
def test_the_digest_run_across_a_redis_restart_sends_each_email_once(
        team, settings, private_redis, smtp_server):
    require_redis()
    now = datetime.now(UTC)
    local = now.astimezone(team.org.tz)
    Organization.objects.filter(pk=team.org.pk).update(digest_weekday=local.weekday(),
                                                       digest_hour=local.hour)
    sent = DigestDelivery.objects.filter(status=DeliveryStatus.SENT)
    with redis_at(private_redis.url, settings):
        private_redis.start()
        tasks.send_due_digests.delay()  # a tick queued while no worker runs …
        assert queued(private_redis.url) == 1
        private_redis.stop()  # … lost with Redis (no append-only file)
        private_redis.start()
        assert queued(private_redis.url) == 0

        with real_worker() as worker:  # the next tick sends
            tasks.send_due_digests.delay()
            wait_until(lambda: sent.count() == 4, message="four digests to be sent")
            worker.wait_for_runs(tasks.deliver_digest.name, 4)
        private_redis.stop()  # Redis restarts between two ticks
        private_redis.start()
        with real_worker() as worker:  # a later tick inside the same due window
            tasks.send_due_digests.delay()
            worker.wait_for_runs(tasks.send_org_digest.name, 1)
            worker.wait_until_settled()  # a duplicate delivery task, were one queued, has run
        assert worker.runs_of(tasks.deliver_digest.name) == []
    recipients = sorted(m["X-Envelope-To"] for m in smtp_server.messages)
    assert recipients == ["admin@example.com", "member@example.com", "owner@example.com",
                          "viewer@example.com"]
    assert sent.count() == 4
