"""`barnacle evaluate`: character and word error rates of a run's records against ground
truth, per page, per manifest and for the run, two runs side by side."""

from barnacle.evaluate.metrics import ErrorCounts, page_errors
from barnacle.evaluate.normalise import Normalisation, normalise
from barnacle.evaluate.report import RunEvaluation, evaluate_run
from barnacle.evaluate.truth import TruthError, load_truth

__all__ = [
    "ErrorCounts",
    "Normalisation",
    "RunEvaluation",
    "TruthError",
    "evaluate_run",
    "load_truth",
    "normalise",
    "page_errors",
]
