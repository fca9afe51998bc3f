from .areas import ProductArea
from .digest import CLAIMABLE, DeliveryStatus, DigestDelivery
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
from .imports import ImportJob, ImportStatus

__all__ = [
    "CLAIMABLE",
    "DeliveryStatus",
    "DigestDelivery",
    "ImportJob",
    "ImportStatus",
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
