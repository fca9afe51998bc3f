"""Hypotheses, their decisions, status history and evidence timeline."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.inputs import max_length
from validation.models import (
    Evidence,
    EvidenceLink,
    Hypothesis,
    HypothesisStatusChange,
    ProductArea,
    Source,
    Stance,
    Status,
    Strength,
)

from .fields import BlankAsNullChoiceField, DaysField, InstantField, MemberField, username_of

DECISIONS = [(s.value, s.label) for s in (Status.VALIDATED, Status.INVALIDATED, Status.ABANDONED)]


class HypothesisSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.name", read_only=True, allow_null=True,
                                 help_text="Product area name.")
    owner = username_of("owner", help_text="Username of the member who owns it.")
    time_to_first_evidence_days = DaysField(help_text=(
        "Days from stated_at to the first counted evidence."))
    cycle_time_days = DaysField(help_text="Days from stated_at to decided_at (validated or "
                                          "invalidated only).")

    class Meta:
        model = Hypothesis
        fields = ["id", "title", "statement", "success_criteria", "area", "owner", "stated_at",
                  "status", "decided_at", "decision_note", "created_at", "updated_at",
                  "first_evidence_at", "time_to_first_evidence_days", "cycle_time_days",
                  "evidence_count", "last_evidence_at"]
        read_only_fields = fields


class HypothesisInputSerializer(serializers.Serializer):
    """What a member writes; status and decided_at change through decide and reopen only."""

    title = serializers.CharField(max_length=max_length(Hypothesis, "title"))
    statement = serializers.CharField(help_text="We believe that … for … will …")
    success_criteria = serializers.CharField(required=False, allow_blank=True,
                                             help_text="What evidence would validate it.")
    area = serializers.CharField(required=False, allow_null=True, allow_blank=True,
                                 max_length=max_length(ProductArea, "name"),
                                 help_text="Product area name; created on first use. Null or "
                                           "empty for none.")
    owner = MemberField(required=False, allow_null=True)
    stated_at = InstantField(required=False, help_text=(
        "When it was formulated; defaults to now, may be back-dated, never in the future."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        decision = [name for name in ("status", "decided_at", "decision_note")
                    if name in self.initial_data]
        if decision:
            raise serializers.ValidationError({name: [
                "A decision changes only through POST …/decide/ and …/reopen/."]
                for name in decision})
        return attrs


class DecisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DECISIONS)
    decided_at = InstantField(required=False, help_text=(
        "Defaults to now; not before stated_at, never in the future."))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReopenSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="Why it is reopened; kept in the status history.")


class StatusChangeSerializer(serializers.ModelSerializer):
    from_status = BlankAsNullChoiceField(choices=Status.choices, read_only=True,
                                         help_text="Null for the creation.")
    changed_by = username_of("changed_by")

    class Meta:
        model = HypothesisStatusChange
        fields = ["from_status", "to_status", "decided_at", "note", "changed_by", "changed_at"]
        read_only_fields = fields


class TimelineEntrySerializer(serializers.ModelSerializer):
    """One piece of evidence linked to the hypothesis, with the link's stance and strength."""

    id = serializers.IntegerField(source="evidence.id", read_only=True)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        source="evidence.source", choices=Source.choices, read_only=True)
    title = serializers.CharField(source="evidence.title", read_only=True)
    evidence_at = serializers.DateTimeField(source="evidence.evidence_at", read_only=True,
                                            allow_null=True, help_text=(
                                                "Null for a running experiment."))
    started_at = serializers.DateTimeField(source="evidence.started_at", read_only=True,
                                           allow_null=True, help_text="Experiments only.")
    stance = serializers.ChoiceField(choices=Stance.choices, read_only=True)
    strength = serializers.ChoiceField(choices=Strength.choices, read_only=True)
    counted = serializers.SerializerMethodField(help_text=(
        "Whether it counts for the cycle times: evidence at or after stated_at."))

    class Meta:
        model = EvidenceLink
        fields = ["id", "source", "title", "evidence_at", "started_at", "stance", "strength",
                  "counted"]
        read_only_fields = fields

    def get_counted(self, link: EvidenceLink) -> bool:
        evidence: Evidence = link.evidence
        stated_at = self.context["hypothesis"].stated_at
        return evidence.evidence_at is not None and evidence.evidence_at >= stated_at
