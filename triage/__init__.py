"""triage: an offline terminal questionnaire that triages back pain with reviewable rules."""

__version__ = "1.0.0"
