"""consistency: answers from your sources with verified citations, and the
places where the sources disagree."""

from .checker import Checker
from .errors import ConsistencyError, InputError, StoreError
from .models import Answer, Citation, Claim, Conflict, Filters, IngestReport, Source, SourceInfo

__all__ = [
    "Answer",
    "Checker",
    "Citation",
    "Claim",
    "Conflict",
    "ConsistencyError",
    "Filters",
    "IngestReport",
    "InputError",
    "Source",
    "SourceInfo",
    "StoreError",
]
__version__ = "0.1.0"
