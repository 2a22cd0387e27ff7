"""German error messages away from the quiz: a FHIR QuestionnaireResponse that cannot be read,
a saved assessment whose result today's rules no longer give, and a broken rules directory
(`triage check`). Each keeps its structure (file, field or id, allowed values) and exit code,
and holds no English word; the same input in English gives the English text, word for word.

Codes are never translated (linkIds and answer codes, field names, levels, causes, the keys of
a saved result): they are taken out of a message, as whole words, before it is checked. English
words are those of tests/test_german_screens.py.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.test_german_screens import english_in, english_vocabulary
from triage import conditions, document, fhir, fhir_in, knowledge, outcome
from triage.cli import main
from triage.errors import InputError
from triage.knowledge import KnowledgeBase
from triage.models import Answers, Cause, Level, PainType

# Answers that make rules fire (a fever), with a number and a choice to break in a response
ANSWERS = {
    "age": 40,
    "location": ["lower_back"],
    "duration": "1_to_4_weeks",
    "onset": "gradual",
    "symptoms": {"fever": "yes", "night_pain": "unsure"},
}
RESULT_KEYS = ("triage", "pain_type", "suspected")


@pytest.fixture(scope="module")
def english() -> set[str]:
    return english_vocabulary()


def english_left(
    text: str, english: set[str], codes: Iterable[str], names: Iterable[str] = ()
) -> list[str]:
    """The English words in `text` once the codes (as whole words) and names are taken out."""
    alternatives = "|".join(re.escape(code) for code in sorted(set(codes), key=len, reverse=True))
    text = re.sub(rf"(?<![\w-])(?:{alternatives})(?![\w-])", " ", text)
    return english_in(text, english, list(names))


def fhir_codes(kb: KnowledgeBase) -> list[str]:
    """Every linkId and answer code of the Questionnaire, and the response statuses."""
    found = [*fhir_in.STATUSES, fhir_in.RESOURCE]
    for question in kb.questions:
        found += [question.id, *fhir.codes(kb, question)]
    return found


# ---------------------------------------------------------------------------------------------
# A FHIR QuestionnaireResponse that cannot be read


def response(kb: KnowledgeBase) -> dict[str, Any]:
    return fhir.questionnaire_response(Answers.model_validate(ANSWERS), kb, document.now())


def item(data: dict[str, Any], link_id: str) -> dict[str, Any]:
    return next(entry for entry in data["item"] if entry["linkId"] == link_id)


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.__setitem__(key, value)


def _answer(link_id: str, answer: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: item(data, link_id).__setitem__("answer", answer)


def _twice(data: dict[str, Any]) -> None:
    data["item"].append(item(data, "onset"))


def _version(data: dict[str, Any]) -> None:
    data["questionnaire"] = data["questionnaire"].split("|")[0] + "|0.1"


def _unversioned(data: dict[str, Any]) -> None:
    data["questionnaire"] = data["questionnaire"].split("|")[0]


def _other_system(data: dict[str, Any]) -> None:
    item(data, "onset")["answer"][0]["valueCoding"]["system"] = "http://example.org/other"


def _no_such_code(data: dict[str, Any]) -> None:
    item(data, "onset")["answer"][0]["valueCoding"]["code"] = "slowly"


def _unknown_link_id(data: dict[str, Any]) -> None:
    item(data, "onset")["linkId"] = "onsett"


BROKEN_RESPONSES = {
    "resourceType": (_set("resourceType", "Patient"), "resourceType", "ist keine Antwortdatei"),
    "status": (_set("status", "cancelled"), "status", "ist nicht erlaubt; erlaubt: in-progress"),
    "entered-in-error": (_set("status", "entered-in-error"), "status", "irrtümlich erfasst"),
    "no questionnaire": (_set("questionnaire", None), "questionnaire", "fehlt: geben Sie an"),
    "other questionnaire": (
        _set("questionnaire", "http://example.org/Questionnaire/x"),
        "questionnaire",
        "ist ein anderer Fragebogen",
    ),
    "old version": (_version, "questionnaire", "beantwortet Version '0.1' des Fragebogens"),
    "no version": (_unversioned, "questionnaire", "gibt nicht an, welche Version"),
    "item not an object": (_set("item", [7]), "item[0]", "erwartet wird ein Objekt 'item'"),
    "item not a list": (_set("item", "x"), "item", "muss eine Liste sein, nicht 'x'"),
    "no linkId": (
        _set("item", [{"linkId": 7}]),
        "item",
        "ein Eintrag hat keine linkId (gegeben: 7)",
    ),
    "unknown linkId": (_unknown_link_id, "onsett", "unbekannte linkId (meinten Sie 'onset'?)"),
    "twice": (_twice, "onset", "kommt zweimal vor"),
    "two answers": (
        _answer("onset", [{"valueCoding": {"code": "sudden"}}] * 2),
        "onset",
        "2 Antworten gegeben",
    ),
    "answer not an object": (_answer("onset", ["sudden"]), "onset", "ist kein Antwortobjekt"),
    "no value": (
        _answer("onset", [{}]),
        "onset",
        "kein Wert gegeben; erwartet wird genau ein valueCoding",
    ),
    "two values": (
        _answer("age", [{"valueInteger": 5, "valueString": "5"}]),
        "age",
        "'valueInteger' und 'valueString' gegeben",
    ),
    "not a whole number": (
        _answer("age", [{"valueInteger": 5.5}]),
        "age",
        "5.5 ist keine ganze Zahl",
    ),
    "not a Coding": (
        _answer("onset", [{"valueCoding": "sudden"}]),
        "onset",
        "ist kein Coding; erlaubte Codes: ",
    ),
    "other code system": (
        _other_system,
        "onset",
        "Codesystem 'http://example.org/other' ist nicht das der Frage",
    ),
    "code not allowed": (
        _no_such_code,
        "onset",
        "Code 'slowly' ist nicht erlaubt; erlaubte Codes: ",
    ),
}


@pytest.mark.parametrize("broken", BROKEN_RESPONSES, ids=list(BROKEN_RESPONSES))
def test_a_response_that_cannot_be_read_is_refused_in_german(
    broken: str, kb: KnowledgeBase, english: set[str], german: None
) -> None:
    change, field, expected = BROKEN_RESPONSES[broken]
    data = response(kb)
    change(data)
    with pytest.raises(InputError) as refused:
        fhir_in.answers_from_response(data, kb, "antwort.json")
    message = refused.value.message()
    assert message.startswith(f"antwort.json: Feld '{field}': ") and expected in message
    names = [fhir.canonical(kb), kb.label, kb.info.name]
    assert english_left(message, english, fhir_codes(kb), names) == []


def test_a_response_in_german_on_the_command_line_keeps_exit_code_and_allowed_codes(
    kb: KnowledgeBase, tmp_path: Path, capsys: pytest.CaptureFixture[str], english: set[str]
) -> None:
    data = response(kb)
    _no_such_code(data)
    path = tmp_path / "antwort.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["--lang", "de", "assess", str(path)]) == 2
    out, err = capsys.readouterr()
    (line,) = err.splitlines()
    allowed = ", ".join(fhir.codes(kb, kb.questions_by_id["onset"]))
    assert out == "" and line == (
        f"triage: Fehler: {path}: Feld 'onset': Code 'slowly' ist nicht erlaubt; erlaubte Codes: "
        f"{allowed}"
    )
    assert english_left(line, english, fhir_codes(kb)) == []


def test_the_same_response_in_english_is_refused_in_the_same_words_as_before(
    kb: KnowledgeBase,
) -> None:
    data = response(kb)
    _version(data)
    with pytest.raises(InputError) as refused:
        fhir_in.answers_from_response(data, kb, "response.json")
    assert refused.value.message() == (
        "response.json: field 'questionnaire': answers version '0.1' of the questionnaire; this "
        f"rule set ({kb.label}) reads only responses to version {kb.info.version} "
        f"({fhir.canonical(kb)}): fill in the current questionnaire ('triage fhir --questionnaire')"
    )


# ---------------------------------------------------------------------------------------------
# A saved assessment whose result today's rules no longer give


def saved_elsewhere(kb: KnowledgeBase) -> tuple[document.AssessmentDocument, Any]:
    """A document saved by older rules: another level, no pain type, other causes, one rule
    that fired then and none of today's."""
    answers = Answers.model_validate(ANSWERS)
    result = outcome.assess(answers, kb)
    stored = result.model_dump(mode="json")
    assert stored["reasons"], "the answers must make rules fire"
    other = next(level for level in Level if level != result.triage)
    stored |= {"triage": other.value, "pain_type": None, "ruleset": "back-pain-triage 0.9"}
    stored["suspected"] = [Cause.HEART.value] if Cause.HEART not in result.suspected else []
    stored["reasons"] = [{"rule": "OLD-RULE"}]
    saved = document.new_document(answers, result, kb).model_copy(update={"result": stored})
    return saved, result


def result_codes() -> list[str]:
    return [*RESULT_KEYS, *Level, *PainType, *Cause]


def test_a_saved_result_that_differs_is_told_in_german(
    kb: KnowledgeBase, english: set[str], german: None
) -> None:
    saved, result = saved_elsewhere(kb)
    change = document.result_change(saved, result)
    assert change is not None
    assert change.startswith(
        "Das gespeicherte Ergebnis (nach back-pain-triage 0.9) weicht von dem ab, was die heutigen "
        f"Regeln ({result.ruleset}) ergeben: triage "
    )
    assert "pain_type keine -> " in change and "jetzt zutreffende Regeln: " in change
    assert "nicht mehr zutreffende Regeln: OLD-RULE" in change
    assert change.endswith("; Sie sehen das heutige Ergebnis")
    names = ["back-pain-triage", result.ruleset]
    assert english_left(change, english, result_codes(), names) == []


def test_a_saved_result_that_differs_on_the_command_line_in_german_and_in_english(
    kb: KnowledgeBase, tmp_path: Path, capsys: pytest.CaptureFixture[str], english: set[str]
) -> None:
    saved, result = saved_elsewhere(kb)
    path = tmp_path / "gespeichert.json"
    path.write_text(document.to_json(saved), encoding="utf-8")
    assert main(["--lang", "de", "assess", "--json", str(path)]) == 0
    out, err = capsys.readouterr()
    (note,) = err.splitlines()
    assert json.loads(out)["triage"] == result.triage.value  # the result itself: codes
    assert note.startswith(f"triage: Hinweis: {path}: Das gespeicherte Ergebnis (nach ")
    names = ["back-pain-triage", result.ruleset]
    assert english_left(note, english, result_codes(), names) == []

    assert main(["--lang", "en", "assess", "--json", str(path)]) == 0
    (note,) = capsys.readouterr().err.splitlines()
    fired = ", ".join(sorted({reason.rule for reason in result.reasons}))
    was = saved.result["triage"]  # type: ignore[index]
    before = ", ".join(saved.result["suspected"]) or "none"  # type: ignore[index]
    after = ", ".join(sorted(result.suspected)) or "none"
    pain_type = f"; pain_type none -> {result.pain_type.value}" if result.pain_type else ""
    assert note == (
        f"triage: note: {path}: the saved result (from back-pain-triage 0.9) differs from what "
        f"today's rules ({result.ruleset}) conclude: triage {was} -> {result.triage.value}"
        f"{pain_type}; suspected {before} -> {after}; rules now firing: {fired}; rules no longer "
        "firing: OLD-RULE; showing today's result"
    )


def test_a_saved_time_that_is_no_time_is_refused_in_german(
    kb: KnowledgeBase, tmp_path: Path, capsys: pytest.CaptureFixture[str], english: set[str]
) -> None:
    saved, _result = saved_elsewhere(kb)
    metadata = saved.metadata.model_copy(update={"created": "gestern"})
    saved = saved.model_copy(update={"metadata": metadata})
    path = tmp_path / "gespeichert.json"
    path.write_text(document.to_json(saved), encoding="utf-8")
    assert main(["--lang", "de", "assess", "--format", "markdown", str(path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()[-1:]
    assert line == (
        f"triage: Fehler: {path}: Feld 'metadata.created': \"gestern\" ist keine Angabe von Datum "
        "und Uhrzeit wie 2025-01-15T10:30:00+01:00"
    )
    assert english_left(line, english, ()) == []


# ---------------------------------------------------------------------------------------------
# A broken rules directory


def broken_rules(tmp_path: Path) -> Path:
    """The shipped rules with a key given twice (sources.yaml), an unknown symptom in a rule's
    `when`, a level that does not exist, and a coverage item citing a rule that does not."""
    directory = tmp_path / "regeln"
    shutil.copytree(knowledge.default_directory(), directory)
    sources = directory / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("    kind: "))
    sources.write_text(text.replace(line, f"{line}\n{line}", 1), encoding="utf-8")
    rules = directory / "rules.yaml"
    data = knowledge.read_yaml(rules)
    first, second = data["rules"][0], data["rules"][1]
    first["when"] = {"any": [{"feverr": "yes"}]}
    second["triage"] = "critical"
    rules.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    coverage = directory / "coverage.yaml"
    text = coverage.read_text(encoding="utf-8")
    cited = re.search(r"covered_by: \[([A-Z0-9-]+)", text)
    assert cited is not None
    coverage.write_text(text.replace(cited.group(0), "covered_by: [NO-SUCH-RULE", 1), "utf-8")
    return directory


def check(directory: Path, capsys: pytest.CaptureFixture[str], language: str) -> list[str]:
    assert main(["--lang", language, "check", str(directory)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    return err.splitlines()


def test_a_broken_rules_directory_is_checked_in_german(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], english: set[str]
) -> None:
    directory = broken_rules(tmp_path)
    rules = knowledge.read_yaml(directory / "rules.yaml")["rules"]
    *problems, summary = check(directory, capsys, "de")
    assert summary == f"triage: Fehler: {len(problems)} Probleme in {directory}"
    assert all(line.startswith(f"{directory}/") for line in problems)
    text = "\n".join(problems)
    assert (
        "sources.yaml: Zeile " in text and "der Schlüssel 'kind' steht zweimal in derselben" in text
    )
    assert (
        f"rules.yaml [{rules[0]['id']}]: when.any[0].feverr: unbekanntes Feld; bekannte Felder: "
        in text
    )
    assert (
        f"rules.yaml [{rules[1]['id']}]: triage: Wert muss 'self_care', 'soon', 'urgent' oder "
        in text
    )
    assert "(gegeben: 'critical')" in text
    assert (
        "coverage.yaml [" in text and "unbekannte Regel-ID 'NO-SUCH-RULE' in 'covered_by'" in text
    )
    codes = [*conditions.known_fields(), *Level, "all", "any", "at_least"]  # YAML, not words
    for line in [*problems, summary]:
        assert english_left(line, english, codes) == [], line


def test_the_same_broken_rules_directory_is_checked_in_english_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = broken_rules(tmp_path)
    rules = knowledge.read_yaml(directory / "rules.yaml")["rules"]
    *problems, summary = check(directory, capsys, "en")
    assert summary == f"triage: error: {len(problems)} problems in {directory}"
    fields = ", ".join(conditions.known_fields())
    levels = "'self_care', 'soon', 'urgent' or 'emergency'"
    expected = [
        f"rules.yaml [{rules[0]['id']}]: when.any[0].feverr: unknown field; known fields: {fields}",
        f"rules.yaml [{rules[1]['id']}]: triage: Input should be {levels} (got 'critical')",
        "key 'kind' is given twice in the same mapping; give each key once (YAML would silently "
        "keep only the last)",
        "unknown rule id 'NO-SUCH-RULE' in covered_by",
    ]
    for fragment in expected:
        assert any(fragment in line for line in problems), (fragment, problems)
