"""The Django admin covers every model, and each of its pages renders for a superuser."""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.invitations import invitation_create
from core.models import Role
from validation.models import DigestDelivery, Evidence, ImportJob

from .examples import log_worked_example

# Evidence is one table shown as its three sources (Interview, SalesCall, Experiment).
SHOWN_THROUGH_PROXIES = {Evidence}


def domain_models() -> list[type]:
    return [model for label in ("core", "validation")
            for model in apps.get_app_config(label).get_models()
            if model not in SHOWN_THROUGH_PROXIES]


def test_every_model_of_core_and_validation_is_in_the_admin():
    missing = [model.__name__ for model in domain_models() if not admin.site.is_registered(model)]
    assert missing == []


@pytest.fixture
def superuser_client(client, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log_worked_example(team.org, team.member, area="Onboarding")
    invitation_create(organization=team.org, email="new@example.com", role=Role.MEMBER,
                      invited_by=team.owner, send=False)
    DigestDelivery.objects.create(organization=team.org, user=team.member,
                                  week_start=date(2026, 3, 16), email="member@example.com")
    ImportJob.objects.create(organization=team.org, kind="hypotheses", filename="h.csv")
    root = get_user_model().objects.create_superuser("root-admin", "root@example.com", "pw-12345!")
    client.force_login(root)
    return client


@pytest.mark.parametrize("model", domain_models(), ids=lambda model: model.__name__)
def test_the_changelist_and_an_object_page_render(superuser_client, model):
    meta = model._meta
    changelist = superuser_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert changelist.status_code == 200
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the fixture makes a {model.__name__}"
    page = superuser_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change",
                                        args=[obj.pk]))
    assert page.status_code == 200
    assert str(obj) in page.content.decode().replace("&#x27;", "'")
