"""The documented column format of each kind of CSV, for import and export alike."""

from __future__ import annotations

from dataclasses import dataclass

from validation.models.imports import Kind

__all__ = ["COLUMNS", "Column", "Kind", "column_names", "export_columns"]


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    required: bool = False
    example: str = ""


HYPOTHESES_LINK_HELP = (
    "Hypotheses this evidence bears on, separated by ';' or line breaks. Each is a title "
    "(exactly as in Proofloop) or #id, optionally followed by |stance (supports, refutes, "
    "neutral; default supports) and |strength (weak, moderate, strong; default by source). "
    "Example: Sample data makes trials convert|supports|strong; #42|refutes")
WHEN_HELP = ("Date and time, ISO 8601: 2026-03-02T09:00:00+01:00, or 2026-03-02 09:00 in the "
             "organization's time zone.")

COLUMNS: dict[str, list[Column]] = {
    Kind.HYPOTHESES: [
        Column("title", "Short name of the belief.", True, "Sample data makes trials convert"),
        Column("statement", "We believe that … for … will …", True,
               "We believe that pre-loading sample data will make trial users convert."),
        Column("success_criteria", "What evidence would validate it.", False,
               "Trial-to-paid conversion +3 points"),
        Column("area", "Product area name; created on first use.", False, "Onboarding"),
        Column("owner", "Username of a member of the organization.", False, "maya"),
        Column("stated_at", WHEN_HELP + " Default: now.", False, "2026-03-02 09:00"),
        Column("status", "open, validated, invalidated or abandoned. Default: open.", False,
               "validated"),
        Column("decided_at", "When it was decided; required unless open.", False,
               "2026-03-16 09:00"),
        Column("decision_note", "Why it was decided so.", False, "Conversion +4.1 points"),
    ],
    Kind.INTERVIEWS: [
        Column("occurred_at", WHEN_HELP, True, "2026-03-04 15:30"),
        Column("interviewee", "Who was interviewed.", False, "Dana Scott"),
        Column("company", "Their company.", False, "Initech"),
        Column("segment", "Customer segment.", False, "SMB"),
        Column("notes", "What you learned.", False, "Exports to spreadsheets every Monday."),
        Column("quotes", "Their words.", False, "\u201cI build this by hand every week.\u201d"),
        Column("hypotheses", HYPOTHESES_LINK_HELP, False, "Sample data makes trials convert"),
    ],
    Kind.SALES_CALLS: [
        Column("occurred_at", WHEN_HELP, True, "2026-03-05 10:00"),
        Column("account", "The account the call was with.", True, "Globex"),
        Column("deal_stage", "Stage of the deal.", False, "Demo"),
        Column("deal_value", "Deal value, a decimal number.", False, "24000"),
        Column("feedback", "What they said.", False, "Asked about pricing first."),
        Column("objections", "What held them back.", False, "No budget until Q3."),
        Column("hypotheses", HYPOTHESES_LINK_HELP, False, "#42|refutes"),
    ],
    Kind.EXPERIMENTS: [
        Column("name", "Name of the experiment.", True, "Sample data A/B"),
        Column("kind", "ab_test, feature_flag, fake_door, pricing_test, prototype or other.",
               False, "ab_test"),
        Column("started_at", WHEN_HELP, True, "2026-03-05 09:00"),
        Column("concluded_at", "Empty while it runs. " + WHEN_HELP, False, "2026-03-12 09:00"),
        Column("metric", "The metric it moves.", False, "Trial-to-paid conversion"),
        Column("control_users", "Users in the control group.", False, "1000"),
        Column("control_conversions", "Conversions in the control group.", False, "80"),
        Column("variant_users", "Users in the variant group.", False, "1000"),
        Column("variant_conversions", "Conversions in the variant group.", False, "121"),
        Column("result", "win, loss or inconclusive once concluded.", False, "win"),
        Column("hypotheses", HYPOTHESES_LINK_HELP, False,
               "Sample data makes trials convert|supports|strong"),
    ],
}

# Columns an export adds that an import accepts and ignores (ids and derived values), so that
# an export re-imports as it is.
READ_ONLY_COLUMNS: dict[str, list[str]] = {
    Kind.HYPOTHESES: ["id", "first_evidence_at", "time_to_first_evidence_days",
                      "cycle_time_days", "evidence_count", "last_evidence_at", "created_at"],
    Kind.INTERVIEWS: ["id", "evidence_at", "created_by", "created_at"],
    Kind.SALES_CALLS: ["id", "evidence_at", "created_by", "created_at"],
    Kind.EXPERIMENTS: ["id", "evidence_at", "lift", "p_value", "created_by", "created_at"],
}


def column_names(kind: str) -> list[str]:
    return [column.name for column in COLUMNS[kind]]


def export_columns(kind: str) -> list[str]:
    """Import columns plus the read-only ones, id first."""
    read_only = READ_ONLY_COLUMNS[kind]
    return ["id", *column_names(kind), *[c for c in read_only if c != "id"]]
