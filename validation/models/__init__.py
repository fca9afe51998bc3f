from .areas import ProductArea
from .evidence import (
    DEFAULT_STRENGTH,
    Evidence,
    EvidenceLink,
    Experiment,
    ExperimentKind,
    ExperimentResult,
    Interview,
    SalesCall,
    Source,
    Stance,
    Strength,
)
from .hypotheses import DECIDED_STATUSES, Hypothesis, HypothesisStatusChange, Status

__all__ = [
    "DECIDED_STATUSES",
    "DEFAULT_STRENGTH",
    "Evidence",
    "EvidenceLink",
    "Experiment",
    "ExperimentKind",
    "ExperimentResult",
    "Hypothesis",
    "HypothesisStatusChange",
    "Interview",
    "ProductArea",
    "SalesCall",
    "Source",
    "Stance",
    "Status",
    "Strength",
]
