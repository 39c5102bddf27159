"""How bad a rejection's cause is: the portal's three levels, from its reason code, as data.

The portal grades every error code FYI, Issue or Blocker, and its programme measures how fast
Blockers are redelivered. Rejections do not carry the grade (the portal's redelivery request
names only the code), so it is looked up here. A code not listed is an Issue: the middle grade,
so an unknown code neither inflates nor hides the Blocker figures. Extend the table as codes
are met; matching ignores case.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["SEVERITIES", "Severity", "severity_of"]


class Severity(StrEnum):
    """The portal's grades of an error."""

    FYI = "FYI"
    ISSUE = "ISSUE"
    BLOCKER = "BLOCKER"


#: Reason codes (the portal's and our own) → their grade.
SEVERITIES: dict[str, Severity] = {
    "INCORRECT_ASSET": Severity.BLOCKER,
    "WRONG_LANGUAGE": Severity.BLOCKER,
    "TIME_BASE_MISMATCH": Severity.BLOCKER,
    "FRAME_RATE": Severity.BLOCKER,
    "SYNC_GLOBAL_OFFSET": Severity.BLOCKER,
    "SYNC_GLOBAL_DRIFT": Severity.BLOCKER,
    "TIMED_TEXT_OFFSET": Severity.BLOCKER,
    "AUDIO_CHANNEL_MISMAP": Severity.BLOCKER,
    "CHANNEL_MAPPING": Severity.BLOCKER,
    "MISSING_TRANSLATION": Severity.BLOCKER,
    "DIALOGUE_OUT_OF_SYNC": Severity.BLOCKER,
    "LOUDNESS_OUT_OF_SPEC": Severity.ISSUE,
    "READING_SPEED": Severity.ISSUE,
    "SHOT_CHANGE": Severity.ISSUE,
    "TRANSLATION_SUBJECTIVE": Severity.FYI,
    "METADATA_ONLY": Severity.FYI,
}


def severity_of(reason_code: str) -> Severity:
    """The grade of ``reason_code``; ISSUE when the table does not know it."""
    return SEVERITIES.get(reason_code.strip().upper(), Severity.ISSUE)


def blocker_codes() -> list[str]:
    """Every code graded BLOCKER, as stored (for a query's ``IN``); upper case."""
    return sorted(code for code, grade in SEVERITIES.items() if grade is Severity.BLOCKER)
