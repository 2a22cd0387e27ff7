"""The public data contract (answers file and result, version 1) as pydantic models.

Names and values follow `docs/answers.md` exactly. The models only describe and validate data;
they know nothing of rules, engines or terminals.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    create_model,
    field_validator,
    model_serializer,
    model_validator,
)

from triage.i18n import _

SCHEMA_VERSION = 1


class Level(StrEnum):
    """The triage level, ordered from least to most urgent (compare with `rank`)."""

    SELF_CARE = "self_care"
    SOON = "soon"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def lowered(self) -> Level:
        """One step less urgent (self-care stays self-care)."""
        return _LEVEL_ORDER[max(_RANK[self] - 1, 0)]


_LEVEL_ORDER = [Level.SELF_CARE, Level.SOON, Level.URGENT, Level.EMERGENCY]
_RANK = {level: rank for rank, level in enumerate(_LEVEL_ORDER)}


class PainType(StrEnum):
    SPECIFIC = "specific"
    NON_SPECIFIC = "non_specific"


class Cause(StrEnum):
    CAUDA_EQUINA = "cauda_equina"
    SPINAL_CORD = "spinal_cord"
    FRACTURE = "fracture"
    CANCER = "cancer"
    INFECTION = "infection"
    INFLAMMATORY = "inflammatory"
    NERVE_ROOT = "nerve_root"
    HEART = "heart"
    AORTA = "aorta"
    LUNG = "lung"
    KIDNEY = "kidney"
    SHINGLES = "shingles"
    DEFORMITY = "deformity"


class Location(StrEnum):
    UPPER_BACK = "upper_back"
    MIDDLE_BACK = "middle_back"
    LOWER_BACK = "lower_back"
    FLANK = "flank"
    LEG = "leg"  # pain mainly in the buttock or leg (sciatica), more than in the back


class Radiation(StrEnum):
    BUTTOCK_OR_THIGH = "buttock_or_thigh"
    BELOW_KNEE = "below_knee"
    GROIN = "groin"
    ABDOMEN = "abdomen"
    CHEST = "chest"
    ARM_OR_JAW = "arm_or_jaw"


class Duration(StrEnum):
    UNDER_1_WEEK = "under_1_week"
    WEEKS_1_TO_4 = "1_to_4_weeks"
    WEEKS_4_TO_12 = "4_to_12_weeks"
    OVER_12_WEEKS = "over_12_weeks"


class Onset(StrEnum):
    SUDDEN = "sudden"
    GRADUAL = "gradual"


class Trigger(StrEnum):
    NONE = "none"
    LIFTING_OR_STRAIN = "lifting_or_strain"
    MINOR_INJURY = "minor_injury"
    MAJOR_INJURY = "major_injury"
    POSTURE = "posture"  # long sitting or standing, or an awkward posture


class Course(StrEnum):
    IMPROVING = "improving"
    UNCHANGED = "unchanged"
    WORSENING = "worsening"


class Missing(StrEnum):
    """Why an optional answer has no value: the person answered "Don't know" (`dont_know`),
    passed the question over (`skipped`), or it was never asked (skip logic, or the quiz stopped
    first). An answers file lists the first two (`dont_know`, `skipped`); the rest is not asked."""

    DONT_KNOW = "dont_know"
    SKIPPED = "skipped"
    NOT_ASKED = "not_asked"


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


# Symptom names and what the person is asked about (the contract's table). The wording people
# see in the quiz lives in rules/questions.yaml; these are the schema descriptions.
SYMPTOMS: dict[str, str] = {
    "bladder_bowel": "new difficulty passing urine, or new loss of bladder or bowel control",
    "saddle_numbness": "numbness or tingling around the genitals, anus, buttocks or inner thighs",
    "both_legs": "pain, tingling, numbness or weakness in both legs",
    "leg_weakness": "new weakness in a leg or foot (foot drop, tripping, a leg giving way)",
    "leg_numbness": "numbness or pins and needles in a leg or foot",
    "chest_pain": "pain, pressure or tightness in the chest",
    "breathless": "new shortness of breath",
    "tearing_pain": "sudden, severe, tearing or ripping pain",
    "collapse": "fainting, collapsing, or feeling very dizzy or light-headed",
    "sweating": "cold sweat, clammy skin",
    "nausea_vomiting": "feeling sick or vomiting",
    "fever": "a high temperature (38 °C or more), or feeling hot and shivery",
    "very_unwell": "feeling very unwell, confused or unusually drowsy",
    "weight_loss": "weight loss without trying",
    "cancer_history": "cancer now or in the past",
    "night_pain": "pain at night or at rest that does not ease when changing position",
    "immunosuppressed": "a weakened immune system (chemotherapy, immune-suppressing medicine, HIV)",
    "injects_drugs": "injecting drugs",
    "recent_infection": (
        "a recent bacterial infection, or a recent operation or injection in the spine"
    ),
    "osteoporosis": "known osteoporosis (thin, fragile bones)",
    "steroids": "taking steroid tablets for more than three months",
    "back_shape_change": "a lump or swelling on the back, or a change in the shape of the back",
    "pain_in_waves": "pain that comes and goes in waves, so strong that it is hard to keep still",
    "urinary_symptoms": "burning or pain when passing urine, or needing to go much more often",
    "blood_in_urine": "blood in the urine (pink, red or brown urine)",
    "breathing_pain": "sharp pain when breathing in or coughing",
    "cough": "a new cough",
    "calf_swelling": "a swollen, painful calf",
    "rash": "a painful rash or blisters in a band on one side of the body",
    "morning_stiffness": "stiffness in the morning lasting more than 30 minutes",
    "better_with_movement": "pain that eases with movement or exercise but not with rest",
    "wakes_late_night": "waking in the second half of the night because of the pain",
    "stops_daily_activities": "the pain stops you doing normal day-to-day activities",
    "struggling_to_cope": "feeling worried about the pain or struggling to cope",
    "walking_difficulty": "new difficulty walking: legs that feel heavy, stiff, clumsy or unsteady",
    "worse_on_straining": "back pain made worse by coughing, sneezing or straining on the toilet",
    # Asked apart from `collapse` and `struggling_to_cope`, which keep their wider meaning
    "dizzy": "feeling very dizzy or light-headed now",
    "worried": "feeling worried about the pain",
}

# Fields whose value is a list of choices, and fields with one choice, with their enums.
LIST_FIELDS: dict[str, type[StrEnum]] = {"location": Location, "radiation": Radiation}
CHOICE_FIELDS: dict[str, type[StrEnum]] = {
    "duration": Duration,
    "onset": Onset,
    "trigger": Trigger,
    "course": Course,
}
NUMBER_FIELDS: dict[str, tuple[int, int]] = {"age": (0, 120), "intensity": (0, 10)}
REQUIRED_FIELDS = ("age", "location", "duration")
# The optional questions with one answer (a choice or a number): the ones that can be answered
# "Don't know" or skipped (a yes/no question has its own "Not sure": `unsure`).
OptionalField = Literal["onset", "trigger", "intensity", "course"]
OPTIONAL_FIELDS: tuple[str, ...] = ("onset", "trigger", "intensity", "course")


def _not_a_boolean(value: Any) -> Any:
    """JSON true equals 1 in Python; a version number must be the number itself."""
    if isinstance(value, bool):
        not_a_version = _("{value} is not a version number; the only version is 1")
        raise ValueError(not_a_version.format(value=str(value).lower()))
    return value


# A format version: the number 1 (JSON true is refused, although Python counts it as 1).
Version1 = Annotated[Literal[1], BeforeValidator(_not_a_boolean)]


def _read_yes_no(value: Any) -> Any:
    """JSON true/false are read as yes/no (the contract allows both)."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


class _SymptomsBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _booleans_are_yes_no(cls, data: Any) -> Any:
        if isinstance(data, dict):  # inlined _read_yes_no: this runs once per answers file
            return {k: "yes" if v is True else "no" if v is False else v for k, v in data.items()}
        return data


Symptoms = create_model(
    "Symptoms",
    __base__=_SymptomsBase,
    __doc__="Warning signs and other symptoms. An absent symptom was not asked: it counts as no.",
    **{name: (Answer | None, Field(None, description=text)) for name, text in SYMPTOMS.items()},  # type: ignore[call-overload]
)


class Answers(BaseModel):
    """One person's answers: the answers file, schema version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Version1 = Field(1, description="Version of this format; only 1 exists.")
    age: int = Field(ge=0, le=120, strict=True, description="Age in years, 0 to 120.")
    location: list[Location] = Field(
        min_length=1,
        description="Where the back hurts: upper_back (between the shoulder blades), middle_back "
        "(below the shoulder blades down to the lowest ribs), lower_back, flank (the side "
        "below the ribs). At least one, no repeats.",
    )
    radiation: list[Radiation] = Field(
        default_factory=list,
        description="Where the pain spreads to; empty means it stays where it is. No repeats.",
    )
    duration: Duration = Field(description="How long the pain has lasted.")
    onset: Onset | None = Field(None, description="How the pain started.")
    trigger: Trigger | None = Field(
        None,
        description="What set it off: none, lifting_or_strain, minor_injury (a minor fall or "
        "knock, a cough or sneeze), major_injury (a serious accident: car crash, fall from a "
        "height).",
    )
    intensity: int | None = Field(
        None, ge=0, le=10, strict=True, description="0 (no pain) to 10 (worst imaginable)."
    )
    course: Course | None = Field(None, description="Whether the pain is getting better or worse.")
    symptoms: Symptoms = Field(  # type: ignore[valid-type]
        default_factory=lambda: Symptoms(),
        description="Symptom name -> yes, no or unsure. Absent means not asked (counts as no).",
    )
    dont_know: list[OptionalField] = Field(
        default_factory=list,
        description='Optional questions that were asked and answered "Don\'t know" (onset, '
        "trigger, intensity, course); each is left out (or null). The rules read them as not "
        "answered. Optional: absent means none.",
    )
    skipped: list[OptionalField] = Field(
        default_factory=list,
        description="Optional questions that were asked and passed over without an answer; each "
        "is left out (or null). The rules read them as not answered. Optional: absent means "
        "none. An optional question that is neither given nor listed was not asked.",
    )

    @field_validator("location", "radiation")
    @classmethod
    def _no_repeats(cls, values: list[StrEnum]) -> list[StrEnum]:
        if len(set(values)) != len(values):
            raise ValueError(_("each value may appear only once"))
        return values

    @model_validator(mode="after")
    def _missing_has_no_value(self) -> Answers:
        for kind in ("dont_know", "skipped"):
            names: list[str] = getattr(self, kind)
            if len(set(names)) != len(names):
                raise ValueError(_("{kind}: each name may appear only once").format(kind=kind))
            given = [name for name in names if getattr(self, name) is not None]
            if given:
                problem = _("{kind} lists {name}, which has an answer; leave one of the two out")
                raise ValueError(problem.format(kind=kind, name=given[0]))
        both = sorted(set(self.dont_know) & set(self.skipped))
        if both:
            problem = _("{name} is in both dont_know and skipped; it can be only one")
            raise ValueError(problem.format(name=both[0]))
        return self

    @model_serializer(mode="wrap")
    def _without_empty_lists(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """`dont_know` and `skipped` are written only when they name something, so that
        answers without them are saved exactly as before."""
        data: dict[str, Any] = handler(self)
        for kind in ("dont_know", "skipped"):
            if kind in data and not data[kind]:
                del data[kind]
        return data

    def missing(self, name: str) -> Missing | None:
        """Why an optional answer has no value (None: it has one)."""
        if getattr(self, name) is not None:
            return None
        return missing_kind(self.__dict__, name)

    def symptom(self, name: str) -> Answer:
        """The answer to a symptom question; one that was not asked counts as no."""
        value = getattr(self.symptoms, name)
        return Answer.NO if value is None else Answer(value)


class SourceRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    url: str | None = None


class Evidence(BaseModel):
    """One answer that made a rule fire, as stored and in words."""

    model_config = ConfigDict(frozen=True)

    field: str
    value: Any
    text: str


class Reason(BaseModel):
    """A rule that fired, with the answers behind it."""

    model_config = ConfigDict(frozen=True)

    rule: str
    title: str
    triage: Level
    suspected: list[Cause] = Field(default_factory=list)
    unsure: bool = Field(
        False,
        description="True when the rule fired only because a warning sign was answered 'unsure'.",
    )
    answers: list[Evidence] = Field(default_factory=list)
    sources: list[SourceRef]


class AdviceItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    kind: str
    title: str
    text: str
    sources: list[SourceRef] = Field(default_factory=list)


class Result(BaseModel):
    """What the rules concluded: the result object, version 1."""

    model_config = ConfigDict(frozen=True)

    schema_version: Literal[1] = 1
    triage: Level
    headline: str
    pain_type: PainType
    suspected: list[Cause]
    reasons: list[Reason]
    ruleset: str
    disclaimer: str
    # Last, so that the batch writer can append the (shared, cached) JSON of the advice list.
    advice: list[AdviceItem]


# Keys `document.new_document` writes into the metadata besides the declared fields, with their
# type in the document schema (triage/schema.py, METADATA_PROPERTIES).
_METADATA_EXTRAS: dict[str, type] = {
    "ruleset_name": str,
    "ruleset_version": str,
    "schema_version": int,
    "language": str,
    "stopped": str,
}


def missing_kind(answers: Mapping[str, Any], name: str) -> Missing:
    """Why the answer `name` has no value, in answers-file form (the lists `dont_know` and
    `skipped`; anything else was not asked)."""
    if name in (answers.get("dont_know") or ()):
        return Missing.DONT_KNOW
    if name in (answers.get("skipped") or ()):
        return Missing.SKIPPED
    return Missing.NOT_ASKED


def json_word(value: Any) -> str:
    """What kind of JSON value this is, in JSON's words (for messages: `true` is no number)."""
    kinds = {
        list: _("an array"),
        dict: _("an object"),
        str: _("a string"),
        bool: _("true or false"),
    }
    return "null" if value is None else kinds.get(type(value), _("a number"))


class Metadata(BaseModel):
    """Where an assessment document came from."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)  # see below

    tool: str = "triage"
    tool_version: str | None = None
    ruleset: str | None = None
    created: str | None = None
    document_version: Annotated[int, Field(strict=True)] = 1

    @model_validator(mode="after")
    def _typed_extras(self) -> Metadata:
        """The other keys the tool writes must have the type the document schema gives them
        (JSON true is not the integer 1); keys the tool does not know pass unchecked."""
        for key, value in (self.model_extra or {}).items():
            wanted = _METADATA_EXTRAS.get(key)
            if wanted is not None and (isinstance(value, bool) or not isinstance(value, wanted)):
                kind = _("a whole number") if wanted is int else _("a string")
                must = _("{key} must be {kind}, not {got}")
                raise ValueError(must.format(key=key, kind=kind, got=json_word(value)))
        return self


class AssessmentDocument(BaseModel):
    """What the quiz saves: the answers, the result at the time, and metadata."""

    # Built on first use (reading or writing a document), not at every start of `triage assess`.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    answers: Answers
    result: dict[str, Any] | None = None
    metadata: Metadata = Field(default_factory=Metadata)
