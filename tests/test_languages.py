"""One knowledge base in two languages (issue 13): the clinical logic exists once, the texts of
rules/de/ are laid over the English by id. The same answers give the same decision in both
languages; `--lang` and LC_ALL / LC_MESSAGES / LANG choose the language on every command; the
JSON result, FHIR and saved documents speak the chosen language with every code unchanged; a
German text file that names what the English does not have is refused with file and id, and
`triage check` lists every missing text."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import load_scenario, scenario_files

from triage import document, fhir, fhir_in, i18n, kbcache, knowledge, outcome, translations
from triage.cli import main
from triage.errors import KnowledgeError
from triage.knowledge import KnowledgeBase
from triage.models import Answers, AssessmentDocument

ANSWERS = {
    "age": 44,
    "location": ["lower_back"],
    "radiation": ["below_knee"],
    "duration": "1_to_4_weeks",
    "symptoms": {"bladder_bowel": "no", "saddle_numbness": "yes", "both_legs": "no"},
}


@pytest.fixture(scope="module")
def german(private_cache: Path) -> KnowledgeBase:
    return knowledge.load(language="de")


def decision(result: Any) -> tuple[Any, ...]:
    """What the rules decided, without any words."""
    return (
        result.triage,
        result.pain_type,
        sorted(result.suspected),
        sorted(reason.rule for reason in result.reasons),
        [item.id for item in result.advice],
        sorted(source.id for reason in result.reasons for source in reason.sources),
    )


# ---- The same decision in both languages ---------------------------------------------------------


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_every_scenario_decides_the_same_in_german(path: Path, kb, german) -> None:
    answers = Answers.model_validate(load_scenario(path)["answers"])
    english, deutsch = outcome.assess(answers, kb), outcome.assess(answers, german)
    assert decision(deutsch) == decision(english)
    assert deutsch.headline != english.headline  # and the words are not the English ones
    assert deutsch.disclaimer != english.disclaimer


def test_the_german_knowledge_base_shares_the_logic_and_not_the_texts(kb, german) -> None:
    assert german.language == "de" and kb.language == "en"
    assert german.conditions == kb.conditions and german.sources == kb.sources
    assert [q.id for q in german.questions] == [q.id for q in kb.questions]
    for mine, theirs in zip(german.questions, kb.questions, strict=True):
        assert (mine.kind, mine.when, mine.screen, mine.section) == (
            theirs.kind,
            theirs.when,
            theirs.screen,
            theirs.section,
        )
        assert [c.value for c in mine.choices] == [c.value for c in theirs.choices]
        assert mine.text != theirs.text
    for mine, theirs in zip(german.rules, kb.rules, strict=True):
        assert (mine.id, mine.triage, mine.when, mine.advice, mine.sources) == (
            theirs.id,
            theirs.triage,
            theirs.when,
            theirs.advice,
            theirs.sources,
        )
        assert mine.title != theirs.title
    assert german.info.levels.keys() == kb.info.levels.keys()
    for level, info in german.info.levels.items():
        assert info.advice == kb.info.levels[level].advice
        assert info.self_help == kb.info.levels[level].self_help


# ---- Every text in both languages ----------------------------------------------------------------


def test_the_shipped_rules_have_every_text_in_german(kb) -> None:
    directory = knowledge.default_directory()
    languages, problems = translations.folder_languages(directory)
    assert languages == ["de"] and problems == []
    assert knowledge.check(directory) == []
    texts, problems = knowledge._translation(directory, "de", kb)
    assert problems == []
    assert translations.missing(kb, texts) == []
    assert sum(1 for slot in translations.slots(kb, texts) if slot[3] is not None) > 400


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    return directory


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def check_lines(capsys, directory: Path) -> tuple[int, list[str]]:
    code = main(["check", str(directory)])
    return code, capsys.readouterr().err.splitlines()


def test_a_missing_text_falls_back_to_english_and_check_names_it(rules, capsys) -> None:
    replace_in(
        rules / "de" / "rules.yaml",
        "  CES-SADDLE:\n    title: Taubheit oder Kribbeln im Reithosenbereich",
        "  CES-SADDLE: {}\n    # title: Taubheit oder Kribbeln im Reithosenbereich",
    )
    replace_in(rules / "de" / "questions.yaml", "    short: Fieber\n", "")
    german = knowledge.load(rules, "de")
    english = knowledge.load(rules)
    assert german.rules_by_id["CES-SADDLE"].title == english.rules_by_id["CES-SADDLE"].title
    assert german.questions_by_id["fever"].short == english.questions_by_id["fever"].short
    assert german.questions_by_id["fever"].text != english.questions_by_id["fever"].text
    code, lines = check_lines(capsys, rules)
    assert code == 2
    assert lines[:-1] == [
        f"{rules}/de/rules.yaml [CES-SADDLE]: title: missing German text",
        f"{rules}/de/questions.yaml [fever]: short: missing German text",
    ]
    assert lines[-1] == f"triage: error: 2 problems in {rules}"


def test_a_missing_german_file_lists_each_of_its_texts(rules, capsys) -> None:
    (rules / "de" / "advice.yaml").unlink()
    code, lines = check_lines(capsys, rules)
    assert code == 2
    english = knowledge.load(rules)
    assert len(lines) - 1 == 2 * len(english.advice)
    assert f"{rules}/de/advice.yaml [now-emergency]: text: missing German text" in lines


@pytest.mark.parametrize(
    ("file", "old", "new", "item", "words"),
    [
        ("rules.yaml", "rules:\n", "rules:\n  NO-SUCH-RULE:\n    title: Gibt es nicht\n",
         "NO-SUCH-RULE", "no rule has this id"),
        ("advice.yaml", "advice:\n", "advice:\n  no-such-advice:\n    title: Gibt es nicht\n",
         "no-such-advice", "no advice has this id"),
        ("questions.yaml", "questions:\n", "questions:\n  no_such_question:\n    short: Nein\n",
         "no_such_question", "no question has this id"),
        ("questions.yaml", "  daily_life:\n", "  no_such_screen:\n    title: X\n  daily_life:\n",
         "no_such_screen", "no screen has this id"),
        ("questions.yaml", "      groin:\n", "      kidney:\n        label: Niere\n      groin:\n",
         "radiation", "choices.kidney: the question has no such choice"),
        ("questions.yaml", "    short: Neuer Husten\n", "    short: Neuer Husten\n    titel: X\n",
         "cough", "questions.cough.titel: Extra inputs are not permitted"),
        ("advice.yaml", "  now-urgent:\n", "  now-urgent:\n    txt: Tippfehler\n",
         "now-urgent", "advice.now-urgent.txt: Extra inputs are not permitted"),
        ("questions.yaml", "    short: Blut im Urin\n",
         "    short: Blut im Urin\n    help: Keine Hilfe im Englischen\n",
         "blood_in_urine", "help: the English has no such text"),
        ("ruleset.yaml", "language: de\n", "language: de\nname: Rücken\n",
         None, "name: Extra inputs are not permitted"),
        ("ruleset.yaml", "language: de\n", "language: en\n",
         None, "language: must be de"),
        ("ruleset.yaml", "  unsure: \"Weiß nicht\"\n", "  unsure: \"Weiß\\e[2J nicht\"\n",
         None, "control character"),
    ],
    ids=["rule", "advice", "question", "screen", "choice", "question-key", "advice-key",
         "help-english-lacks", "ruleset-key", "language", "control"],
)  # fmt: skip
def test_a_german_text_the_english_lacks_is_refused_with_file_and_id(
    rules, capsys, file, old, new, item, words
) -> None:
    replace_in(rules / "de" / file, old, new)
    with pytest.raises(KnowledgeError) as raised:
        knowledge.load(rules, "de")
    problems = [p for p in raised.value.problems if words in p.text]
    assert [(p.file, p.item) for p in problems] == [(f"de/{file}", item)], raised.value.problems
    assert knowledge.load(rules).language == "en"  # English alone does not read the German
    code, lines = check_lines(capsys, rules)
    where = f"{rules}/de/{file}" + (f" [{item}]" if item else "")
    assert code == 2 and any(line.startswith(where) and words in line for line in lines), lines


def test_a_folder_for_a_language_the_tool_lacks_is_a_problem(rules, capsys) -> None:
    shutil.copytree(rules / "de", rules / "fr")
    code, lines = check_lines(capsys, rules)
    assert code == 2 and lines[0] == f"{rules}/fr/: not a language of this tool; languages: de"


def test_a_too_wide_german_picture_is_refused(rules) -> None:
    replace_in(rules / "de" / "questions.yaml", "(Ihr Rücken, von hinten gesehen)", "x" * 41)
    with pytest.raises(KnowledgeError) as raised:
        knowledge.load(rules, "de")
    assert [(p.file, p.item) for p in raised.value.problems] == [("de/questions.yaml", "location")]


# ---- The cache keeps each language apart -------------------------------------------------------


def test_each_language_has_its_own_cache_and_quick_welcome(rules) -> None:
    assert kbcache.cache_file(rules, "de") != kbcache.cache_file(rules)
    english, german = knowledge.load(rules), knowledge.load(rules, "de")
    assert (english.language, german.language) == ("en", "de")
    assert knowledge.load(rules, "de").info.welcome == german.info.welcome  # from the cache
    assert knowledge.load(rules).info.welcome == english.info.welcome
    welcome_de, welcome_en = kbcache.quick_welcome(rules, "de"), kbcache.quick_welcome(rules)
    assert welcome_de is not None and welcome_de.startswith("Dieser Fragebogen")
    assert welcome_en is not None and welcome_en.startswith("This questionnaire")
    replace_in(rules / "de" / "ruleset.yaml", "Dieser Fragebogen", "Der Fragebogen")
    assert kbcache.quick_welcome(rules, "de") is None  # a German text changed: stale
    assert knowledge.load(rules, "de").info.welcome.startswith("Der Fragebogen")


# ---- Choosing the language -----------------------------------------------------------------------


def run(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
    }
    return subprocess.run(
        [sys.executable, "-m", "triage", *args],
        capture_output=True,
        text=True,
        env=env | {"PYTHONIOENCODING": "utf-8"} | environment,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def answers_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("answers") / "answers.json"
    path.write_text(json.dumps(ANSWERS), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("environment", "language"),
    [
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LANG": "de_AT"}, "de"),
        ({"LANG": "de_DE.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LANG": "en_GB.UTF-8", "LC_ALL": "de_CH.UTF-8"}, "de"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "de_DE"}, "de"),
        ({"LANG": "de_DE.UTF-8", "LC_ALL": ""}, "de"),  # set but empty: the next one decides
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({}, "en"),
    ],
    ids=lambda value: (
        "-".join(f"{k}={v}" for k, v in value.items()) or "unset"
        if isinstance(value, dict)
        else value
    ),
)
def test_the_environment_chooses_the_language(answers_file, environment, language) -> None:
    done = run("assess", str(answers_file), "--json", **environment)
    assert done.returncode == 0, done.stderr
    headline = json.loads(done.stdout)["headline"]
    assert headline.startswith("NOTFALL" if language == "de" else "EMERGENCY"), headline


def test_lang_wins_over_the_environment(answers_file) -> None:
    done = run("--lang", "en", "assess", str(answers_file), "--json", LC_ALL="de_DE.UTF-8")
    assert json.loads(done.stdout)["headline"].startswith("EMERGENCY")
    done = run("assess", str(answers_file), "--json", "--lang=de", LANG="C")
    assert json.loads(done.stdout)["headline"].startswith("NOTFALL")


COMMANDS = ["assess", "schema", "fhir", "rules", "check", "quiz"]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("where", ["before", "after"])
def test_every_command_takes_lang(command, where, capsys) -> None:
    args = ["--lang", "de", command] if where == "before" else [command, "--lang", "de"]
    with pytest.raises(SystemExit) as done:
        main([*args, "--help"])
    assert done.value.code == 0
    assert "--lang {de,en}" in capsys.readouterr().out
    assert i18n.current() == "de"


def test_rules_and_check_run_with_lang(capsys) -> None:
    assert main(["rules", "--lang", "de"]) == 0
    assert "Taubheit oder Kribbeln im Reithosenbereich" in capsys.readouterr().out
    assert main(["--lang", "de", "check"]) == 0
    assert main(["schema", "--lang", "en"]) == 0


@pytest.mark.parametrize(
    "args", [["--lang", "fr"], ["assess", "--lang=xx"], ["rules", "--lan", ""]]
)
def test_an_unknown_language_is_one_line_and_exit_2(args, capsys) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "allowed: de, en" in err, err


# ---- German results, documents and FHIR ----------------------------------------------------------


def test_a_german_json_result_keeps_every_code(answers_file, capsys) -> None:
    assert main(["assess", str(answers_file), "--json"]) == 0
    english = json.loads(capsys.readouterr().out)
    assert main(["assess", str(answers_file), "--json", "--lang", "de"]) == 0
    german = json.loads(capsys.readouterr().out)
    assert german["headline"].startswith("NOTFALL") and "112" in german["headline"]
    for key in ("schema_version", "triage", "pain_type", "suspected", "ruleset"):
        assert german[key] == english[key]
    assert [r["rule"] for r in german["reasons"]] == [r["rule"] for r in english["reasons"]]
    assert [a["id"] for a in german["advice"]] == [a["id"] for a in english["advice"]]
    for mine, theirs in zip(german["reasons"], english["reasons"], strict=True):
        assert [(a["field"], a["value"]) for a in mine["answers"]] == [
            (a["field"], a["value"]) for a in theirs["answers"]
        ]
        assert mine["sources"] == theirs["sources"]  # citations stay as published
        assert mine["title"] != theirs["title"]
    saddle = next(r for r in german["reasons"] if r["rule"] == "CES-SADDLE")
    assert saddle["answers"][0]["text"] == "Taubheitsgefühl im Reithosenbereich: Ja"
    assert all(
        a["title"] != b["title"] for a, b in zip(german["advice"], english["advice"], strict=True)
    )


def test_metadata_language_is_saved_and_read_back(kb, german, tmp_path, capsys) -> None:
    answers = Answers.model_validate(ANSWERS)
    for base in (kb, german):
        saved = document.new_document(answers, outcome.assess(answers, base), base)
        path = tmp_path / f"saved-{base.language}.json"
        path.write_text(document.to_json(saved), encoding="utf-8")
        read = AssessmentDocument.model_validate_json(path.read_text(encoding="utf-8"))
        assert read.metadata.model_extra is not None
        assert read.metadata.model_extra["language"] == base.language
        assert main(["assess", str(path), "--json", "--lang", base.language]) == 0
        captured = capsys.readouterr()
        assert captured.err == ""  # the German result saved is the result of today: no note
        assert json.loads(captured.out) == read.result
    bad = json.loads(path.read_text(encoding="utf-8"))
    bad["metadata"]["language"] = 49
    path.write_text(json.dumps(bad), encoding="utf-8")
    assert main(["assess", str(path)]) == 2
    assert "language must be a string" in capsys.readouterr().err


def test_the_document_schema_describes_metadata_language(capsys) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    assert main(["schema", "--document"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$defs"]["Metadata"]["properties"]["language"]["type"] == "string"
    document_ = {"answers": ANSWERS, "metadata": {"language": "de"}}
    jsonschema.Draft202012Validator(schema).validate(document_)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate({**document_, "metadata": {"language": 1}})


def skeleton(resource: Any) -> Any:
    """A FHIR resource without its words: what must not change between languages."""
    if isinstance(resource, dict):
        return {
            key: skeleton(value)
            for key, value in resource.items()
            if key not in ("text", "display", "title", "description", "language")
        }
    if isinstance(resource, list):
        return [skeleton(item) for item in resource]
    return resource


def test_a_german_questionnaire_has_german_texts_and_the_same_structure(capsys) -> None:
    assert main(["fhir", "--questionnaire"]) == 0
    english = json.loads(capsys.readouterr().out)
    assert main(["fhir", "--questionnaire", "--lang", "de"]) == 0
    german = json.loads(capsys.readouterr().out)
    assert (english["language"], german["language"]) == ("en", "de")
    assert german["title"] == "Einschätzung von Rückenschmerzen"
    assert skeleton(german) == skeleton(english)  # linkIds, codes, enableWhen, expressions
    items = {item["linkId"]: item for item in german["item"]}
    assert items["saddle_numbness"]["text"].startswith("Haben Sie ein Taubheitsgefühl")
    options = [o["valueCoding"] for o in items["bladder_bowel"]["answerOption"]]
    assert [(o["code"], o["display"]) for o in options] == [
        ("yes", "Ja"),
        ("no", "Nein"),
        ("unsure", "Weiß nicht"),
    ]
    assert items["age"]["item"][0]["text"].startswith("Eine ganze Zahl")


def test_a_german_response_reads_back_to_the_same_answers(kb, german, tmp_path, capsys) -> None:
    answers = Answers.model_validate(ANSWERS)
    response = fhir.questionnaire_response(answers, german, document.now())
    assert response["language"] == "de"
    assert (
        response["item"][0]["text"]
        != fhir.questionnaire_response(answers, kb, "x")["item"][0]["text"]
    )
    assert Answers.model_validate(fhir_in.answers_from_response(response, kb, "r.json")) == answers
    path = tmp_path / "antwort.json"
    path.write_text(json.dumps(response), encoding="utf-8")
    assert main(["assess", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["triage"] == "emergency"
    assert main(["fhir", str(path), "--result", "--lang", "de"]) == 0
    bundle = json.loads(capsys.readouterr().out)
    risk = bundle["entry"][1]["resource"]
    assert risk["language"] == "de" and risk["prediction"][0]["outcome"]["coding"][0] == {
        "system": fhir.LEVEL_SYSTEM,
        "code": "emergency",
        "display": german.info.levels[outcome.Level.EMERGENCY].headline,
    }


def test_a_german_wording_for_a_person_the_english_does_not_word_is_a_problem(tmp_path) -> None:
    import shutil

    from triage import knowledge

    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    path = directory / "de" / "questions.yaml"
    text = path.read_text(encoding="utf-8")
    old = "  onset:\n"
    assert text.count(old) == 1
    path.write_text(
        text.replace(old, old + "    person:\n      childd:\n        text: Tippfehler\n"),
        encoding="utf-8",
    )
    problems = [str(p) for p in knowledge.check(directory)]
    assert any("[onset]" in p and "person.childd" in p for p in problems), problems


def test_german_details_cite_the_nvl_in_german_without_rule_codes_or_british_numbers(
    german,
) -> None:
    from triage import i18n, render

    assert "Nationale VersorgungsLeitlinie" in german.source_titles["NVL-KREUZSCHMERZ"]
    i18n.use("de")
    for path in scenario_files()[::5]:
        answers = Answers.model_validate(load_scenario(path)["answers"])
        result = outcome.assess(answers, german)
        details = render.details(result, german, 78)
        body, footnote = details.rstrip("\n").rsplit("\n\n", 1)
        for reason in result.reasons:
            assert f"({reason.rule})" not in body and reason.rule in footnote
        assert "999" not in details and "A&E" not in details and "111;" not in details
        assert "German National" not in details
