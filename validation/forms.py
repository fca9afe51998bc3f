"""Forms of the web app. They parse and check the shape of input; the rules of PRODUCT.md are
checked by the services (and the models they call), whose errors the views put back on the
fields with views.base.apply_errors(). Date-times are read in the active time zone, which
org_view() sets to the organization's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from core.inputs import max_length
from validation.models import (
    DEFAULT_STRENGTH,
    Evidence,
    ExperimentKind,
    ExperimentResult,
    Hypothesis,
    ProductArea,
    Source,
    Stance,
    Status,
    Strength,
)
from validation.models.instants import (
    FIRST_DAY,
    LAST_DAY,
    localtime_or_utc,
    parse_instant,
    validate_instant_in_range,
)
from validation.services import LinkSpec

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
NOT_NEGATIVE = {"min_value": "A count cannot be negative."}


def local_now_input() -> str:
    """Now, in the active time zone, as a datetime-local input value."""
    return timezone.localtime().strftime(DATETIME_FORMAT)


class LocalDateTimeField(forms.DateTimeField):
    """A date and time picked in the organization's time zone, never in the future, within
    the accepted range of instants (validation/models/instants.py)."""

    default_validators = [validate_instant_in_range]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                        format=DATETIME_FORMAT))
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # The browser's date picker greys out the future; the services refuse it anyway.
        return {**super().widget_attrs(widget), "max": local_now_input()}

    def prepare_value(self, value: Any) -> Any:
        # A saved instant as the local wall-clock time the input shows; one that has no local
        # time (written around validation) in UTC rather than failing the page.
        if isinstance(value, datetime) and timezone.is_aware(value):
            return localtime_or_utc(value).replace(tzinfo=None)
        return super().prepare_value(value)

    def to_python(self, value: Any) -> datetime | None:
        # Read in the local zone by the one parser of instants (its messages say what is wrong
        # with the value itself), handed on in UTC: the models' messages print instants as UTC.
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return super().to_python(value)
        return parse_instant(str(value))


def textarea(rows: int = 3, placeholder: str = "") -> forms.Textarea:
    attrs: dict[str, Any] = {"rows": rows}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.Textarea(attrs=attrs)


class ChoicesMixin:
    fields: dict[str, forms.Field]

    def choice_field(self, name: str) -> forms.ChoiceField:
        """The choice field `name`, whose choices depend on the organization."""
        return cast(forms.ChoiceField, self.fields[name])


class ProofloopForm(ChoicesMixin, forms.Form):
    """Marks required fields for the templates."""

    required_css_class = "is-required"


# --- hypotheses -----------------------------------------------------------------------------
class HypothesisForm(ProofloopForm):
    title = forms.CharField(max_length=max_length(Hypothesis, "title"),
                            help_text="A short name the team will recognise.")
    statement = forms.CharField(
        widget=textarea(3, "We believe that … for … will …"),
        help_text="A falsifiable belief: we believe that … for … will …")
    success_criteria = forms.CharField(
        required=False, widget=textarea(2, "Median onboarding under one day for the new cohort."),
        help_text="What evidence would validate it.")
    area = forms.CharField(max_length=max_length(ProductArea, "name"), required=False,
                           label="Product area",
                           help_text="Pick one or type a new name; it is created on first use.",
                           widget=forms.TextInput(attrs={"list": "area-options",
                                                         "autocomplete": "off"}))
    owner = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    stated_at = LocalDateTimeField(
        required=False, label="Stated",
        help_text="When the team formulated it; leave empty for now. It may be back-dated.")

    def __init__(self, *args: Any, members: Sequence[Any] = (),
                 area_names: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {user.pk: user for user in members}
        self.area_names = list(area_names)
        self.choice_field("owner").choices = [("", "— nobody yet —")] + [
            (user.pk, user.get_full_name() or user.get_username()) for user in members]

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as hypothesis_create/update take them (the area by name)."""
        data = dict(self.cleaned_data)
        data["owner"] = self.members.get(data["owner"]) if data.get("owner") else None
        return data


class DecideForm(ProofloopForm):
    status = forms.ChoiceField(
        label="Decision", widget=forms.RadioSelect,
        choices=[(Status.VALIDATED, "Validated — the evidence supports it"),
                 (Status.INVALIDATED, "Invalidated — the evidence refutes it"),
                 (Status.ABANDONED, "Abandoned — stopped without a verdict")])
    decided_at = LocalDateTimeField(required=False, label="Decided",
                                    help_text="Leave empty for now.")
    note = forms.CharField(required=False, widget=textarea(3, "What tipped the decision?"),
                           label="Decision note")


class ReopenForm(ProofloopForm):
    note = forms.CharField(required=False, widget=textarea(2, "Why reopen it?"), label="Note")


# --- evidence links -------------------------------------------------------------------------
def hypothesis_choices(hypotheses: Iterable[Hypothesis]) -> list[Any]:
    """Grouped choices for a link's hypothesis: open ones first."""
    open_, decided = [], []
    for hypothesis in hypotheses:
        if hypothesis.status == Status.OPEN:
            open_.append((hypothesis.pk, hypothesis.title))
        else:
            decided.append((hypothesis.pk, f"{hypothesis.title} ({hypothesis.get_status_display()})"))
    groups: list[Any] = [("", "— choose a hypothesis —")]
    if open_:
        groups.append(("Open", sorted(open_, key=lambda c: c[1].lower())))
    if decided:
        groups.append(("Decided", sorted(decided, key=lambda c: c[1].lower())))
    return groups


class LinkForm(ChoicesMixin, forms.Form):
    hypothesis = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False,
        error_messages={"invalid_choice": "Choose one of this organization's hypotheses."})
    # Needed only with a hypothesis; left empty they fall back to the defaults.
    stance = forms.ChoiceField(choices=Stance.choices, initial=Stance.SUPPORTS, required=False)
    strength = forms.ChoiceField(choices=Strength.choices, required=False)

    def __init__(self, *args: Any, choices: list[Any], default_strength: str,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("hypothesis").choices = choices
        self.fields["strength"].initial = default_strength


class BaseLinkFormSet(forms.BaseFormSet):
    """The hypotheses an evidence bears on; rows left without a hypothesis are ignored."""

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[int] = set()
        for form in self.forms:
            pk = form.cleaned_data.get("hypothesis")
            if pk is None:
                continue
            if pk in seen:
                form.add_error("hypothesis", "This hypothesis is already linked above.")
            seen.add(pk)

    def chosen_ids(self) -> list[int]:
        return [form.cleaned_data["hypothesis"] for form in self.forms
                if form.cleaned_data.get("hypothesis") is not None]

    def link_specs(self, hypotheses: dict[int, Hypothesis]) -> list[LinkSpec]:
        """The chosen links; an empty strength means the source's default."""
        return [LinkSpec(hypotheses[form.cleaned_data["hypothesis"]],
                         form.cleaned_data["stance"] or Stance.SUPPORTS,
                         form.cleaned_data["strength"] or None)
                for form in self.forms if form.cleaned_data.get("hypothesis") is not None]


def link_formset(*, source: str, hypotheses: Iterable[Hypothesis], data: Any = None,
                 initial: list[dict[str, Any]] | None = None) -> BaseLinkFormSet:
    """The link rows of an evidence form: the given links, or one empty row when there are
    none (the page's script adds rows)."""
    initial = initial or []
    default = DEFAULT_STRENGTH[Source(source)]
    formset_class = forms.formset_factory(LinkForm, formset=BaseLinkFormSet,
                                          extra=0 if data is not None or initial else 1,
                                          max_num=50, validate_max=True)
    return cast(BaseLinkFormSet, formset_class(
        data=data, initial=initial, prefix="links",
        form_kwargs={"choices": hypothesis_choices(hypotheses), "default_strength": default}))


# --- evidence -------------------------------------------------------------------------------
class EvidenceForm(ProofloopForm):
    """Fields shared by the three sources' forms; subclasses list theirs."""

    def service_fields(self) -> dict[str, Any]:
        return {name: ("" if value is None and self._is_text(name) else value)
                for name, value in self.cleaned_data.items()}

    def _is_text(self, name: str) -> bool:
        return isinstance(self.fields[name], forms.CharField)


class InterviewForm(EvidenceForm):
    occurred_at = LocalDateTimeField(label="When", error_messages={
        "required": "Give the date of the interview."})
    interviewee = forms.CharField(max_length=max_length(Evidence, "interviewee"), required=False,
                                  help_text="Optional: leave empty to keep them anonymous.")
    company = forms.CharField(max_length=max_length(Evidence, "company"), required=False)
    segment = forms.CharField(max_length=max_length(Evidence, "segment"), required=False,
                              widget=forms.TextInput(attrs={"placeholder": "SMB, mid-market, …"}))
    notes = forms.CharField(required=False, widget=textarea(4, "What did you learn?"))
    quotes = forms.CharField(required=False, widget=textarea(2, "“Their words, verbatim.”"))


class SalesCallForm(EvidenceForm):
    occurred_at = LocalDateTimeField(label="When", error_messages={
        "required": "Give the date of the sales call."})
    account = forms.CharField(max_length=max_length(Evidence, "account"), error_messages={
        "required": "Name the account the call was with."})
    deal_stage = forms.CharField(max_length=max_length(Evidence, "deal_stage"), required=False,
                                 widget=forms.TextInput(attrs={"placeholder": "Discovery, demo, …"}))
    deal_value = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False,
                                    error_messages={"min_value": "A deal value cannot be negative."},
                                    widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}))
    feedback = forms.CharField(required=False, widget=textarea(4, "What did the prospect say?"))
    objections = forms.CharField(required=False, widget=textarea(2))


def count_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, required=False,
                              error_messages=NOT_NEGATIVE,
                              widget=forms.NumberInput(attrs={"min": "0", "inputmode": "numeric"}))


class ExperimentForm(EvidenceForm):
    name = forms.CharField(max_length=max_length(Evidence, "name"),
                           error_messages={"required": "Name the experiment."})
    kind = forms.ChoiceField(choices=[("", "—")] + list(ExperimentKind.choices), required=False)
    metric = forms.CharField(max_length=max_length(Evidence, "metric"), required=False,
                             widget=forms.TextInput(attrs={"placeholder": "Activation, conversion, …"}))
    started_at = LocalDateTimeField(label="Started", error_messages={
        "required": "Give the date the experiment started."})
    concluded_at = LocalDateTimeField(required=False, label="Concluded",
                                      help_text="Leave empty while it runs: a running experiment "
                                                "is not evidence yet.")
    result = forms.ChoiceField(choices=[("", "Still running")] + list(ExperimentResult.choices),
                               required=False)
    control_users = count_field("Control users")
    control_conversions = count_field("Control conversions")
    variant_users = count_field("Variant users")
    variant_conversions = count_field("Variant conversions")

    COUNTS = ("control_users", "control_conversions", "variant_users", "variant_conversions")


EVIDENCE_FORMS: dict[str, type[EvidenceForm]] = {
    Source.INTERVIEW: InterviewForm,
    Source.SALES_CALL: SalesCallForm,
    Source.EXPERIMENT: ExperimentForm,
}


def evidence_initial(evidence: Any, form_class: type[EvidenceForm]) -> dict[str, Any]:
    """The form's initial values from a saved evidence."""
    # Instants as saved: LocalDateTimeField shows them in local time.
    return {name: getattr(evidence, name) for name in form_class.base_fields}


# --- filters --------------------------------------------------------------------------------
class DateRangeForm(ChoicesMixin, forms.Form):
    """`from` and `to` as local dates, both included; either may be left out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(required=False, label="From",
                                              widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["to"] = forms.DateField(required=False, label="To",
                                            widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("from", "to"):
            # The API's bounds: the window arithmetic overflows near the ends of the calendar.
            if data.get(name) and not FIRST_DAY <= data[name] <= LAST_DAY:
                self.add_error(name, f"Give a date between {FIRST_DAY} and {LAST_DAY}.")
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            self.add_error("to", "The end of the range comes before its start.")
        return data

