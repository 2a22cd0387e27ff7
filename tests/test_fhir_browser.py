"""A real form renderer: our Questionnaire in LHC-Forms, in headless Chromium, filled in as a
person would (clicking the radio buttons and check boxes, typing the numbers), and the
QuestionnaireResponse that LHC-Forms writes triaged by `triage assess` to the same result as
the scenario's answers file.

Along the way: LHC-Forms shows exactly the questions the quiz would ask for the answers given
(its enableWhen agrees with the engine's skip logic), and an answer to a question that a later
change hides is dropped by LHC-Forms as the quiz drops it.

Needs Chromium and the pinned `lforms` npm package (`scripts/install-browser-test-tools`);
without them the tests are skipped, saying which is missing. Everything is served from
127.0.0.1; the browser cannot resolve any other host.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import SCENARIO_DIR, load_scenario
from devtools import Browser, DevToolsError, find_chromium
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir_support import with_whens

from triage import fhir, quiz
from triage.knowledge import KnowledgeBase, Question

HERE = Path(__file__).parent / "browser"
LFORMS = HERE / "node_modules" / "lforms" / "dist" / "lforms"
INSTALL = "scripts/install-browser-test-tools"

CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason=f"Chromium is not installed (run {INSTALL})"),
    pytest.mark.skipif(
        not (LFORMS / "webcomponent" / "main.js").is_file(),
        reason=f"the lforms npm package is not installed in {HERE} (run {INSTALL})",
    ),
]


# ---- The page, served from this machine -------------------------------------------------------


class Site(http.server.ThreadingHTTPServer):
    """form.html, the Questionnaire, and LHC-Forms' files; every path asked for is noted."""

    def __init__(self, questionnaire: dict[str, Any]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = {
            "/form.html": ((HERE / "form.html").read_bytes(), "text/html"),
            "/questionnaire.json": (json.dumps(questionnaire).encode(), "application/json"),
        }
        self.asked: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/form.html"


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: Site

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(LFORMS.parent), **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        path = self.path.split("?")[0]
        self.server.asked.append(path)
        if path in self.server.files:
            body, kind = self.server.files[path]
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif path.startswith("/lforms/"):
            super().do_GET()  # a file of dist/lforms/
        else:
            self.send_error(404)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def serving(questionnaire: dict[str, Any]) -> Iterator[Site]:
    server = Site(questionnaire)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site(kb) -> Iterator[Site]:
    with serving(fhir.questionnaire(kb)) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM is not None
    with Browser(CHROMIUM) as opened:
        yield opened


# ---- Filling in the form as a person would ----------------------------------------------------


def element_id(question: Question) -> str:
    return f"{question.id}/1"  # LHC-Forms: linkId and the position of the item


def shown_questions(browser: Browser) -> set[str]:
    ids = browser.evaluate("Array.from(document.querySelectorAll('lhc-item')).map(e => e.id)")
    return {i.removeprefix("item-").rsplit("/", 1)[0] for i in ids}


def shown_when_settled(browser: Browser, expected: set[str], seconds: float = 5) -> set[str]:
    """The questions shown, once they are the expected ones or `seconds` have passed: LHC-Forms
    updates the page asynchronously after an answer (FHIRPath in particular)."""
    deadline = time.monotonic() + seconds
    while (shown := shown_questions(browser)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return shown


def answer(browser: Browser, kb: KnowledgeBase, question: Question, value: Any) -> None:
    """Give one answer with the form's own widgets."""
    where = element_id(question)
    if question.kind == "number":
        browser.click(f'input[id="{where}"]')
        browser.evaluate(f'document.getElementById("{where}").select()')  # replace what is there
        browser.type_text(str(value))
        browser.press("Tab", "Tab", 9)
        return
    for code in value if isinstance(value, list) else [value]:
        browser.click(f'label[id="{where}|{fhir.code_system(question)}|{code}"]')


def untick(browser: Browser, question: Question, codes: list[str]) -> None:
    for code in codes:
        browser.click(f'label[id="{element_id(question)}|{fhir.code_system(question)}|{code}"]')


@dataclass(frozen=True)
class Scenario:
    """A scenario file, and what the person does before giving its answers (answers that a
    later answer makes irrelevant, or choices taken back)."""

    file: str
    detour: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def answers(self) -> dict[str, Any]:
        (path,) = SCENARIO_DIR.glob(f"{self.file}-*.json")
        return dict(load_scenario(path)["answers"])


SCENARIOS = {
    # An emergency (a heart attack without chest pain), through a chain of follow-up questions.
    "emergency": Scenario("r57"),
    # An ordinary strain: self-care.
    "ordinary": Scenario("o01"),
    # Skip logic matters: the person first says 1 to 4 weeks and answers the shingles question
    # "yes", then corrects the duration to over 12 weeks. The shingles question disappears and
    # its "yes" must not count; the inflammatory questions appear instead.
    "skip logic": Scenario("o33", detour=[("duration", "1_to_4_weeks"), ("rash", "yes")]),
    # Kidney stones: questions that appear for pain in the side, and several places ticked
    # then one taken back.
    "kidney": Scenario("p14", detour=[("location", ["lower_back", "flank"])]),
    # "Not sure" about a warning sign.
    "not sure": Scenario("s11"),
    # Shingles in someone with a weak immune system: a follow-up question for a short history.
    "shingles": Scenario("s38"),
}


def fill(browser: Browser, kb: KnowledgeBase, scenario: Scenario) -> None:
    answers = scenario.answers
    for question_id, value in scenario.detour:
        answer(browser, kb, kb.questions_by_id[question_id], value)
    for question in kb.questions:
        value = quiz.answer_of(answers, question)
        detour = dict(scenario.detour).get(question.id)
        if question.kind == "multi" and isinstance(detour, list):
            untick(browser, question, [c for c in detour if c not in (value or [])])
            value = [c for c in value or [] if c not in detour]
        if value in (None, []) or value == detour:
            continue
        shown = f"document.getElementById('item-{element_id(question)}') !== null"
        try:
            browser.wait_for(shown, timeout=5)
        except DevToolsError:
            pytest.fail(f"LHC-Forms does not show {question.id}, which the quiz asks")
        answer(browser, kb, question, value)


def assess(path: Path) -> dict[str, Any]:
    """`triage assess FILE --json`, the installed command."""
    triage = Path(sys.executable).with_name("triage")
    done = subprocess.run(
        [str(triage), "assess", str(path), "--json"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize("name", SCENARIOS)
def test_lhc_forms_response_is_triaged_like_the_answers_file(
    name, site, browser, kb, tmp_path
) -> None:
    scenario = SCENARIOS[name]
    browser.open(site.url)
    assert browser.wait_for("window.formState !== 'loading' && window.formState") == "ready"
    fill(browser, kb, scenario)

    # LHC-Forms shows exactly the questions the quiz asks for these answers.
    answers = scenario.answers
    asked = {q.id for q in quiz.relevant(kb, answers)}
    assert shown_when_settled(browser, asked) == asked

    response = browser.evaluate("questionnaireResponse()")
    QuestionnaireResponse.model_validate(response)
    assert response["questionnaire"] == fhir.canonical(kb)
    assert "lformsVersion: 40.1.3" in json.dumps(response["meta"])  # it is LHC-Forms' own
    response_file = tmp_path / "lhc-forms-response.json"
    response_file.write_text(json.dumps(response), encoding="utf-8")
    answers_file = tmp_path / "answers.json"
    answers_file.write_text(json.dumps(answers), encoding="utf-8")

    from_form, from_file = assess(response_file), assess(answers_file)
    assert from_form == from_file
    assert from_form["triage"] in load_expected(scenario)


def load_expected(scenario: Scenario) -> list[str]:
    (path,) = SCENARIO_DIR.glob(f"{scenario.file}-*.json")
    return list(load_scenario(path)["expect"]["triage"])


def test_the_page_loaded_everything_from_this_machine(site, browser) -> None:
    browser.open(site.url)
    assert browser.wait_for("window.formState !== 'loading' && window.formState") == "ready"
    resources = browser.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name).concat([location.href])"
    )
    assert resources and all(url.startswith("http://127.0.0.1:") for url in resources)
    assert "/lforms/webcomponent/main.js" in site.asked
    assert "/lforms/fhir/R4/lformsFHIR.min.js" in site.asked


# ---- Skip logic that only FHIRPath can say --------------------------------------------------

NESTED = {
    # enableWhen can say only "age >= 50" (wider); the enableWhenExpression says the rest.
    "osteoporosis": {
        "all": [{"age": {"gte": 50}}, {"any": [{"fever": "yes"}, {"cancer_history": "unsure"}]}]
    },
    # enableWhen cannot say anything here: it is always enabled without FHIRPath.
    "steroids": {
        "at_least": {
            "count": 2,
            "of": [
                {"fever": ["yes", "unsure"]},
                {"onset": "not_answered"},
                {"intensity": {"gt": 6}},
            ],
        }
    },
}
STEPS = [
    ("age", 60),
    ("fever", "no"),
    ("intensity", 7),
    ("onset", "sudden"),
    ("fever", "yes"),
    ("cancer_history", "unsure"),
    ("fever", "no"),
    ("intensity", 3),
    ("age", 45),
    ("fever", "unsure"),
    ("age", 50),
]


def test_lhc_forms_runs_the_fhirpath_skip_logic_exactly(kb, browser) -> None:
    """An item with an enableWhenExpression is shown exactly when the quiz would ask it, after
    every answer: LHC-Forms evaluates our FHIRPath (with fhirpath.js) on top of the wider
    enableWhen."""
    nested = with_whens(kb, NESTED)
    questionnaire = fhir.questionnaire(nested)
    carried = {
        item["linkId"]
        for item in questionnaire["item"]
        for e in item.get("extension", [])
        if e["url"] == fhir.ENABLE_WHEN_EXPRESSION
    }
    assert carried == set(NESTED)
    answers: dict[str, Any] = {}
    seen: dict[str, set[bool]] = {question_id: set() for question_id in NESTED}
    with serving(questionnaire) as site:
        browser.open(site.url)
        assert browser.wait_for("window.formState !== 'loading' && window.formState") == "ready"
        for question_id, value in STEPS:
            question = nested.questions_by_id[question_id]
            answer(browser, nested, question, value)
            answers = quiz.prune(nested, quiz.with_answer(answers, question, value))
            asked = {q.id for q in quiz.relevant(nested, answers)}
            shown = shown_when_settled(browser, asked)
            assert shown == asked, (question_id, value, shown ^ asked)
            for target in NESTED:
                seen[target].add(target in shown)
    assert all(states == {True, False} for states in seen.values()), seen
