"""The two metrics endpoints: their query parameters and the shapes validation.metrics returns."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.inputs import max_length
from validation.models import ProductArea

from .fields import MAX_DATE, MIN_DATE


class AreaQuerySerializer(serializers.Serializer):
    area = serializers.CharField(required=False, allow_blank=True,
                                 max_length=max_length(ProductArea, "name"), help_text=(
        "Only hypotheses of this product area (its name), and the evidence linked to them."))


class CycleTimeQuerySerializer(AreaQuerySerializer):
    """`from` and `to`: local dates in the organization's time zone, both included."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # `from` is a Python keyword, so these fields cannot be class attributes.
        return {
            "from": serializers.DateField(required=False, help_text=(
                "First local date of the window (included); no lower bound if left out.")),
            "to": serializers.DateField(required=False, help_text=(
                "Last local date of the window (included); no upper bound if left out.")),
            **super().get_fields(),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("from", "to"):
            value = attrs.get(name)
            if value is not None and not MIN_DATE <= value <= MAX_DATE:
                raise serializers.ValidationError({name: f"Give a date between {MIN_DATE} and "
                                                         f"{MAX_DATE}."})
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": "The window ends before it starts: give a "
                                                     "`to` on or after `from`."})
        return attrs


class VelocityQuerySerializer(AreaQuerySerializer):
    weeks = serializers.IntegerField(min_value=1, max_value=104, default=12, help_text=(
        "How many weeks, the current one last (1 to 104)."))


class PercentilesSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    p50_days = serializers.FloatField(allow_null=True)
    p85_days = serializers.FloatField(allow_null=True)


class BySourceSerializer(serializers.Serializer):
    interview = PercentilesSerializer()
    sales_call = PercentilesSerializer()
    experiment = PercentilesSerializer()


class TimeToFirstEvidenceSerializer(PercentilesSerializer):
    by_source = BySourceSerializer(help_text="Over the hypotheses with counted evidence of "
                                             "each source.")


class CycleTimeSerializer(serializers.Serializer):
    """Hypotheses validated or invalidated with decided_at in the window; durations in days;
    percentiles interpolate linearly between closest ranks; null over an empty set."""

    count = serializers.IntegerField(help_text="Validated + invalidated.")
    p50_days = serializers.FloatField(allow_null=True)
    p85_days = serializers.FloatField(allow_null=True)
    p95_days = serializers.FloatField(allow_null=True)
    mean_days = serializers.FloatField(allow_null=True)
    validated = serializers.IntegerField()
    invalidated = serializers.IntegerField()
    abandoned = serializers.IntegerField(help_text="Abandoned in the window; no cycle time.")
    validation_rate = serializers.FloatField(allow_null=True, help_text=(
        "validated / (validated + invalidated); null when both are 0."))
    time_to_first_evidence = TimeToFirstEvidenceSerializer(help_text=(
        "Over the population's hypotheses that have counted evidence."))


class EvidenceMixSerializer(serializers.Serializer):
    interview = serializers.IntegerField()
    sales_call = serializers.IntegerField()
    experiment = serializers.IntegerField()


class WeekSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="Local date of the week's Monday.")
    stated = serializers.IntegerField(help_text="Hypotheses stated in the week.")
    decided = serializers.IntegerField(help_text="Validated + invalidated: the throughput.")
    validated = serializers.IntegerField()
    invalidated = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    p50_cycle_days = serializers.FloatField(allow_null=True)
    p85_cycle_days = serializers.FloatField(allow_null=True)
    evidence = EvidenceMixSerializer(help_text="All the organization's evidence by evidence "
                                               "time, linked or not.")


class VelocitySerializer(serializers.Serializer):
    weeks = WeekSerializer(many=True, help_text="Oldest first, the current week last.")
