"""Intake of decrypted FIT-Connect submissions (a folder or a ZIP): verify, stage, describe.

Pure Python: no Qt, no SQL. ``read_submission`` is the entry point; ``write_submission``
builds valid submissions for tests, the demo and benchmarks. The accepted format is described
in docs/fit-connect-import.md.
"""

from __future__ import annotations

from kommune_desk.intake.builder import write_submission
from kommune_desk.intake.errors import SubmissionRejected
from kommune_desk.intake.limits import FIT_CONNECT_LIMITS, IntakeLimits
from kommune_desk.intake.model import Applicant, Payment, StagedFile, Submission
from kommune_desk.intake.reader import looks_like_submission, read_submission

__all__ = [
    "FIT_CONNECT_LIMITS",
    "Applicant",
    "IntakeLimits",
    "Payment",
    "StagedFile",
    "Submission",
    "SubmissionRejected",
    "looks_like_submission",
    "read_submission",
    "write_submission",
]
