"""Django admin for every domain model.

Deleting a hypothesis or a piece of evidence goes through its service; the admin's own edits of a
record are followed by the services' recompute (validation.tasks.recompute_on_commit), so derived
values stay right; the derived columns themselves are read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from . import engine, services
from .models import (
    DigestDelivery,
    Evidence,
    EvidenceLink,
    Experiment,
    Hypothesis,
    HypothesisStatusChange,
    ImportJob,
    Interview,
    ProductArea,
    SalesCall,
)
from .tasks import recompute_on_commit

DERIVED = list(engine.DERIVED_FIELDS)


class RecomputeOnSave(admin.ModelAdmin):
    """After any admin write, recompute the hypotheses the object touches (on commit)."""

    def affected_hypotheses(self, obj: Any) -> list[int]:
        raise NotImplementedError

    def _enqueue(self, ids: list[int]) -> None:
        recompute_on_commit(ids)

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        before = self.affected_hypotheses(form.instance) if change else []
        super().save_related(request, form, formsets, change)
        self._enqueue(sorted(set(before) | set(self.affected_hypotheses(form.instance))))

    def delete_model(self, request: Any, obj: Any) -> None:
        ids = self.affected_hypotheses(obj)
        super().delete_model(request, obj)
        self._enqueue(ids)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        ids = sorted({i for obj in queryset for i in self.affected_hypotheses(obj)})
        super().delete_queryset(request, queryset)
        self._enqueue(ids)


@admin.register(ProductArea)
class ProductAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name"]


class StatusChangeInline(admin.TabularInline):
    model = HypothesisStatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "decided_at", "note", "changed_by",
                       "changed_at"]
    can_delete = False


class LinkInline(admin.TabularInline):
    model = EvidenceLink
    extra = 0
    raw_id_fields = ["evidence", "hypothesis"]


@admin.register(Hypothesis)
class HypothesisAdmin(RecomputeOnSave):
    list_display = ["title", "organization", "area", "owner", "status", "stated_at",
                    "decided_at", "evidence_count", "cycle_time"]
    list_filter = ["status", "organization", "area"]
    search_fields = ["title", "statement"]
    date_hierarchy = "stated_at"
    raw_id_fields = ["owner", "created_by", "area"]
    readonly_fields = DERIVED
    inlines = [LinkInline, StatusChangeInline]

    def affected_hypotheses(self, obj: Hypothesis) -> list[int]:
        return [obj.pk] if obj.pk else []

    def delete_model(self, request: Any, obj: Hypothesis) -> None:
        services.hypothesis_delete(hypothesis=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for hypothesis in queryset:
            services.hypothesis_delete(hypothesis=hypothesis)


class EvidenceAdmin(RecomputeOnSave):
    list_filter = ["organization"]
    date_hierarchy = "created_at"
    raw_id_fields = ["created_by"]
    readonly_fields = ["evidence_at"]
    inlines = [LinkInline]

    def affected_hypotheses(self, obj: Evidence) -> list[int]:
        if not obj.pk:
            return []
        return list(EvidenceLink.objects.filter(evidence=obj).values_list("hypothesis_id",
                                                                           flat=True))

    def delete_model(self, request: Any, obj: Evidence) -> None:
        services.evidence_delete(evidence=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for evidence in queryset:
            services.evidence_delete(evidence=evidence)


@admin.register(Interview)
class InterviewAdmin(EvidenceAdmin):
    list_display = ["title", "organization", "occurred_at", "segment"]
    search_fields = ["interviewee", "company", "notes"]
    fields = ["organization", "occurred_at", "interviewee", "company", "segment", "notes",
              "quotes", "created_by", "evidence_at"]


@admin.register(SalesCall)
class SalesCallAdmin(EvidenceAdmin):
    list_display = ["title", "organization", "occurred_at", "deal_stage", "deal_value"]
    search_fields = ["account", "feedback", "objections"]
    fields = ["organization", "occurred_at", "account", "deal_stage", "deal_value", "feedback",
              "objections", "created_by", "evidence_at"]


@admin.register(Experiment)
class ExperimentAdmin(EvidenceAdmin):
    list_display = ["name", "organization", "kind", "started_at", "concluded_at", "result"]
    search_fields = ["name", "metric"]
    fields = ["organization", "name", "kind", "metric", "started_at", "concluded_at",
              "control_users", "control_conversions", "variant_users", "variant_conversions",
              "result", "created_by", "evidence_at"]


@admin.register(EvidenceLink)
class EvidenceLinkAdmin(RecomputeOnSave):
    list_display = ["evidence", "hypothesis", "stance", "strength", "organization"]
    list_filter = ["stance", "strength", "organization"]
    raw_id_fields = ["evidence", "hypothesis"]

    def affected_hypotheses(self, obj: EvidenceLink) -> list[int]:
        before = EvidenceLink.objects.filter(pk=obj.pk).values_list("hypothesis_id", flat=True)
        return sorted({*before, obj.hypothesis_id} - {None})


@admin.register(HypothesisStatusChange)
class HypothesisStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["hypothesis", "from_status", "to_status", "decided_at", "changed_by",
                    "changed_at"]
    list_filter = ["to_status", "organization"]
    raw_id_fields = ["hypothesis", "changed_by"]


class RecordAdmin(admin.ModelAdmin):
    """Records of background work, kept for support: readable and deletable, never edited here
    (their tasks own their state)."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(RecordAdmin):
    list_display = ["week_start", "organization", "email", "status", "attempts", "sent_at"]
    list_filter = ["status", "organization", "week_start"]
    search_fields = ["email", "user__username"]
    date_hierarchy = "week_start"


@admin.register(ImportJob)
class ImportJobAdmin(RecordAdmin):
    list_display = ["id", "organization", "kind", "filename", "status", "processed_rows",
                    "total_rows", "created_count", "row_error_count", "created_by", "created_at"]
    list_filter = ["status", "kind", "organization"]
    search_fields = ["filename"]
    exclude = ["content"]
