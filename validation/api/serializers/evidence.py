"""Interviews, sales calls and experiments, each with its links to hypotheses."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.inputs import max_length
from validation.models import (
    Evidence,
    ExperimentKind,
    ExperimentResult,
    Hypothesis,
    Stance,
    Strength,
)
from validation.services import LinkSpec

from .fields import MAX_COUNT, BlankAsNullChoiceField, InstantField, username_of

EVIDENCE_OUTPUT_FIELDS = ["id", "hypotheses", "evidence_at", "created_by", "created_at",
                          "updated_at"]


# --- links ------------------------------------------------------------------------------------
class LinkSerializer(serializers.Serializer):
    hypothesis = serializers.IntegerField(source="hypothesis_id", read_only=True)
    stance = serializers.ChoiceField(choices=Stance.choices, read_only=True)
    strength = serializers.ChoiceField(choices=Strength.choices, read_only=True)


class LinkInputSerializer(serializers.Serializer):
    hypothesis = serializers.IntegerField(min_value=1, max_value=2**63 - 1,
                                          help_text="Id of a hypothesis of this organization.")
    stance = serializers.ChoiceField(choices=Stance.choices, default=Stance.SUPPORTS)
    strength = serializers.ChoiceField(choices=Strength.choices, required=False, allow_null=True,
                                       help_text="Defaults by source: interview weak, sales "
                                                 "call moderate, experiment strong.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # In a PATCH, DRF skips the required fields and defaults of nested serializers too;
        # a link is always given whole.
        if "hypothesis" not in attrs:
            raise serializers.ValidationError({"hypothesis": ["This field is required."]})
        return {"stance": Stance.SUPPORTS, "strength": None, **attrs}


class EvidenceInputSerializer(serializers.Serializer):
    """The fields every source takes; `hypotheses` replaces the whole set of links."""

    hypotheses = LinkInputSerializer(many=True, required=False, help_text=(
        "The hypotheses this evidence bears on. On update, the given list replaces the "
        "links; leave it out to keep them."))

    def validate_hypotheses(self, links: list[dict[str, Any]]) -> list[LinkSpec]:
        """Resolve the ids in one query; an id outside the organization is unknown here.

        A bulk caller (the CSV import) may pass the organization's hypotheses by id in the
        context as `hypotheses_by_id`, to validate thousands of rows without a query each.
        """
        ids = {link["hypothesis"] for link in links}
        found = self.context.get("hypotheses_by_id")
        if found is None:
            found = Hypothesis.objects.for_org(self.context["organization"]).in_bulk(ids)
        errors = [f"Link {position}: there is no hypothesis {link['hypothesis']} in this "
                  "organization." for position, link in enumerate(links, start=1)
                  if link["hypothesis"] not in found]
        if errors:
            raise serializers.ValidationError(errors)
        return [LinkSpec(hypothesis=found[link["hypothesis"]], stance=link["stance"],
                         strength=link["strength"]) for link in links]


class EvidenceOutputSerializer(serializers.ModelSerializer):
    hypotheses = LinkSerializer(source="links", many=True, read_only=True)
    evidence_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text=(
        "The evidence time: when it took place, or when the experiment concluded."))
    created_by = username_of("created_by")


# --- interviews -------------------------------------------------------------------------------
class InterviewSerializer(EvidenceOutputSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "occurred_at", "interviewee", "company", "segment", "notes", "quotes",
                  *EVIDENCE_OUTPUT_FIELDS[1:]]
        read_only_fields = fields


class InterviewInputSerializer(EvidenceInputSerializer):
    occurred_at = InstantField(help_text="When it took place; not in the future.")
    interviewee = serializers.CharField(max_length=max_length(Evidence, "interviewee"),
                                        required=False, allow_blank=True)
    company = serializers.CharField(max_length=max_length(Evidence, "company"), required=False,
                                    allow_blank=True)
    segment = serializers.CharField(max_length=max_length(Evidence, "segment"), required=False,
                                    allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    quotes = serializers.CharField(required=False, allow_blank=True)


# --- sales calls ------------------------------------------------------------------------------
class SalesCallSerializer(EvidenceOutputSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "occurred_at", "account", "deal_stage", "deal_value", "feedback",
                  "objections", *EVIDENCE_OUTPUT_FIELDS[1:]]
        read_only_fields = fields


class SalesCallInputSerializer(EvidenceInputSerializer):
    occurred_at = InstantField(help_text="When it took place; not in the future.")
    account = serializers.CharField(max_length=max_length(Evidence, "account"))
    deal_stage = serializers.CharField(max_length=max_length(Evidence, "deal_stage"), required=False,
                                       allow_blank=True)
    deal_value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0,
                                          required=False, allow_null=True)
    feedback = serializers.CharField(required=False, allow_blank=True)
    objections = serializers.CharField(required=False, allow_blank=True)


# --- experiments ------------------------------------------------------------------------------
class StatsSerializer(serializers.Serializer):
    """A two-proportion z-test of the conversion counts."""

    control_rate = serializers.FloatField()
    variant_rate = serializers.FloatField()
    lift = serializers.FloatField(allow_null=True, help_text=(
        "(variant rate − control rate) / control rate; null when the control rate is 0."))
    difference = serializers.FloatField(help_text="variant rate − control rate.")
    ci_low = serializers.FloatField(help_text="95% confidence interval of the difference.")
    ci_high = serializers.FloatField()
    z = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True, help_text="Two-sided.")
    significant = serializers.BooleanField(help_text="p_value below 0.05.")


class ExperimentSerializer(EvidenceOutputSerializer):
    kind = BlankAsNullChoiceField(choices=ExperimentKind.choices, read_only=True)
    result = BlankAsNullChoiceField(choices=ExperimentResult.choices, read_only=True,
                                    help_text="Null while the experiment runs.")
    lift = serializers.FloatField(source="stats.lift", read_only=True, allow_null=True, help_text=(
        "Relative lift of the variant; null unless all four counts are given."))
    stats = StatsSerializer(read_only=True, allow_null=True, help_text=(
        "Null unless all four counts are given and both groups have users."))

    class Meta:
        model = Evidence
        fields = ["id", "name", "kind", "started_at", "concluded_at", "metric", "control_users",
                  "control_conversions", "variant_users", "variant_conversions", "result",
                  "lift", "stats", *EVIDENCE_OUTPUT_FIELDS[1:]]
        read_only_fields = fields


def _count(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False,
                                    allow_null=True, help_text=help_text)


class ExperimentInputSerializer(EvidenceInputSerializer):
    name = serializers.CharField(max_length=max_length(Evidence, "name"))
    kind = BlankAsNullChoiceField(choices=ExperimentKind.choices, required=False)
    started_at = InstantField(help_text="Not in the future.")
    concluded_at = InstantField(required=False, allow_null=True, help_text=(
        "Null while it runs; not before started_at, not in the future."))
    metric = serializers.CharField(max_length=max_length(Evidence, "metric"), required=False,
                                   allow_blank=True)
    control_users = _count("Users in the control group.")
    control_conversions = _count("Conversions in the control group; at most control_users.")
    variant_users = _count("Users in the variant group.")
    variant_conversions = _count("Conversions in the variant group; at most variant_users.")
    result = BlankAsNullChoiceField(choices=ExperimentResult.choices, required=False, help_text=(
        "Required once concluded; null while running."))
