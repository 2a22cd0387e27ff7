"""The plain quiz (`triage quiz --plain`, triage/plain.py): every scenario answered line by line
reaches the result `triage assess` gives, in English and German; the transcript is plain text;
going back, mistakes, the end of input and --save.

A `Typist` plays the person: it reads what the quiz printed, finds the question its last prompt
names and types the scenario's answer to it as a person would (the number of the choice whose
words it reads, y / n / ?), so the skip logic is followed, never precomputed. The sweep runs
in-process with text streams; a few runs go through a real pipe to the command.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import load_scenario, scenario_files
from tests.quiz_script import CLOCK, answered_from
from triage import cli, i18n, knowledge, outcome, plain, quiz, session
from triage.i18n import _
from triage.knowledge import KnowledgeBase, Question
from triage.models import Answers, Level
from triage.plain import PlainAsker
from triage.safe_text import prose

WIDTH = 79  # what a terminal of 80 columns (or an unknown one) is wrapped to
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # all but the newline


class Typist:
    """Types the answers of `answers` (question id -> value, as tests/quiz_script.py's Script
    takes them) at each prompt the quiz prints, reading only what was printed.

    mistakes: question ids answered first with something not allowed;
    backs:    question ids where the typist first types b (once each) and then answers the
              question it is taken back to with Enter (keeping its answer);
    key:      typed at "What next?" after the result; confirms: replies to yes / no questions.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        answers: dict[str, Any],
        out: io.StringIO,
        *,
        mistakes: Sequence[str] = (),
        backs: Sequence[str] = (),
        key: str = "q",
        keys: Sequence[str] = (),
        confirms: Sequence[str] = (),
        stop_after: int | None = None,
    ) -> None:
        self.kb, self.answers, self.out = kb, answers, out
        self.mistakes, self.backs = set(mistakes), list(backs)
        self.key, self.keys, self.confirms = key, list(keys), list(confirms)
        self.stop_after = stop_after
        self.typed: list[str] = []
        self.prompts: list[tuple[str, str]] = []  # (question id, the prompt's last line)
        self.wrapped: list[str] = []  # prompts of the plain quiz longer than a line
        self.first_lines: list[str] = []  # the first line of each question's prompt
        self.first_line = ""
        self.went_back = False
        names = sorted((q for q in kb.questions), key=lambda q: -len(prose(q.short)))
        self.by_name = {prose(q.short): q for q in names}
        self._patterns = self._prompt_patterns()

    def _prompt_patterns(self) -> dict[str, re.Pattern[str]]:
        names = "|".join(re.escape(name) for name in self.by_name)

        def pattern(template: str, **groups: str) -> re.Pattern[str]:
            text = re.escape(template)
            for name, group in groups.items():
                text = text.replace(re.escape("{" + name + "}"), f"(?P<{name}>{group})")
            return re.compile(text, re.DOTALL)

        return {
            "question": pattern(_(plain.PROMPT), name=names, number=r"\w+", allowed=".+?"),
            "first": pattern(_(plain.PROMPT_FIRST), name=names, number=r"\w+", allowed=".+?"),
            "short": pattern(_(plain.PROMPT_SHORT), name=names, allowed=".+?"),
            "first short": pattern(_(plain.PROMPT_FIRST_SHORT), name=names, allowed=".+?"),
            "stop": pattern(_(plain.CONFIRM_STOP), name=names, answer=".+?"),
            "stop short": pattern(_(plain.CONFIRM_STOP_SHORT), name=names, answer=".+?"),
            "review": pattern(_(plain.REVIEW_PROMPT), last=r"\d+"),
            "review short": pattern(_(plain.REVIEW_PROMPT_SHORT), last=r"\d+"),
            "next": pattern(_(plain.WHAT_NEXT), keys=".+?", first=r"\w"),
            "confirm": re.compile(
                ".* ("
                + re.escape(_(plain.CONFIRM_YES))
                + "|"
                + re.escape(_(plain.CONFIRM_NO))
                + ")"
            ),
        }

    def readline(self) -> str:
        if self.stop_after is not None and len(self.typed) >= self.stop_after:
            return ""  # the end of input
        assert len(self.typed) < 300, "the quiz keeps asking"
        line = self._answer(self.out.getvalue())
        self.typed.append(line)
        return line + "\n"

    def _answer(self, text: str) -> str:
        assert text.endswith(" ") and not text.endswith("\n"), "a prompt waits on its line"
        lines = text.rstrip().split("\n")
        for start in range(len(lines) - 1, max(len(lines) - 4, 0) - 1, -1):  # a prompt: 1-3 lines
            prompt = " ".join(" ".join(lines[start:]).split())
            self.first_line = lines[start]
            if typed := self._reply(prompt, text):
                if not self._patterns["confirm"].fullmatch(prompt):  # the session's own
                    self.wrapped += [prompt] if start < len(lines) - 1 else []  # one line each
                return typed[0]
        raise AssertionError(f"a prompt the typist does not know: {lines[-3:]!r}")

    def _reply(self, prompt: str, text: str) -> tuple[str] | None:
        patterns = self._patterns
        if patterns["stop"].fullmatch(prompt) or patterns["stop short"].fullmatch(prompt):
            return ("",)  # the answer that stops the quiz is right: Enter
        for kind in ("question", "first", "short", "first short"):
            if match := patterns[kind].fullmatch(prompt):
                question = self.by_name[match.group("name")]
                self.prompts.append((question.id, text.rsplit("\n", 1)[-1]))
                self.first_lines.append(self.first_line)
                return (self._typed(question, text),)
        if patterns["review"].fullmatch(prompt) or patterns["review short"].fullmatch(prompt):
            return ("",)
        if patterns["next"].fullmatch(prompt):
            code = self.keys.pop(0) if self.keys else self.key  # a menu code: d, b, s, q
            return (session.menu_letters().get(code, code),)
        if patterns["confirm"].fullmatch(prompt):
            # the session's own yes / no questions; finishing without saving is confirmed
            return (self.confirms.pop(0) if self.confirms else plain.own_yes_key(),)
        return None

    def _typed(self, question: Question, text: str) -> str:
        block = text[text.rfind("\n\n") + 2 :]
        if question.id in self.mistakes:
            self.mistakes.discard(question.id)
            return "x" if question.kind == "number" else "99"
        if self.backs and self.backs[0] == question.id:
            self.backs.pop(0)
            self.went_back = True
            return "b"
        if self.went_back and _(plain.GIVEN).split("{")[0] in block:
            self.went_back = False
            return ""  # back at the question before: Enter keeps its answer
        return self.value_typed(question, self.value(question), block)

    def value(self, question: Question) -> Any:
        if question.id == "respondent":  # no "Don't know" here: a scenario's person answers
            return self.answers.get("respondent") or "self"
        default = "no" if question.kind == "symptom" else [] if question.kind == "multi" else None
        return self.answers.get(question.id, default)

    def value_typed(self, question: Question, value: Any, block: str) -> str:
        """What a person types for `value`, from the choices printed in `block`."""
        if question.kind == "symptom":
            keys = {"yes": plain.own_yes_key(), "no": "n", "unsure": "?"}
            label = self.kb.info.symptom_choices[value]
            assert f"{keys[value]}: {label}" in block, block
            return keys[value]
        if question.kind == "number":
            return "?" if value is None else str(value)
        items = numbered(block)
        if question.kind == "multi":
            nothing = prose(question.none_label) if question.none_label else _(plain.NONE_LABEL)
            labels = [prose(question.label_of(v)) for v in value] or [nothing]
            numbers = [str(items[label]) for label in labels]
            return (", " if len(self.typed) % 2 else " ").join(numbers)  # both separators
        label = _(plain.SKIP_LABEL) if value is None else prose(question.label_of(value))
        return str(items[label])


def numbered(block: str) -> dict[str, int]:
    """The numbered choices printed in a question's block: words -> number."""
    found: dict[int, str] = {}
    current = None
    for line in block.split("\n"):
        if match := re.match(r"^(\d+)\. (.*)$", line):
            current = int(match.group(1))
            found[current] = match.group(2)
        elif current is not None and line.startswith("   "):
            found[current] += " " + line.strip()
        else:
            current = None
    return {text: number for number, text in found.items()}


# ---------------------------------------------------------------------------------------------
# Running the plain quiz in-process


class Run:
    def __init__(
        self,
        kb: KnowledgeBase,
        answers: dict[str, Any],
        directory: Path,
        width: int = WIDTH,
        **typist: Any,
    ) -> None:
        self.out = io.StringIO()
        self.typist = Typist(kb, answers, self.out, **typist)
        asker = PlainAsker(kb, input=self.typist, output=self.out, width=width, echo=True)  # type: ignore[arg-type]
        self.session = session.Session(
            kb,
            asker,
            directory=directory,
            clock=lambda: CLOCK,
            command="triage",
            screen=lambda: (width + 1, 24),
        )
        self.ending = self.session.run()

    @property
    def text(self) -> str:
        return self.out.getvalue()

    @property
    def words(self) -> str:
        return " ".join(self.text.split())


def _key(result: Any) -> tuple[Any, ...]:
    return (result.triage, [reason.rule for reason in result.reasons])


def scenario_answers(path: Path) -> Answers:
    return Answers.model_validate(load_scenario(path)["answers"])


def check_result(kb: KnowledgeBase, run: Run, answers: Answers) -> None:
    """The plain quiz reached the result `triage assess` gives for the same answers."""
    expected = outcome.assess(answers, kb)
    assert run.session.error is None, repr(run.session.error)
    assert "Traceback" not in run.text
    if run.ending is session.Ending.EMERGENCY:  # stopped at the emergency answer
        assert expected.triage is Level.EMERGENCY
        partial = quiz.partial_result(kb, run.session.answers)
        assert partial.triage is Level.EMERGENCY
        headline = partial.headline
    else:
        assert run.ending is session.Ending.COMPLETED, run.text[-800:]
        through = outcome.assess(quiz.complete(run.session.answers), kb)
        assert _key(through) == _key(expected)
        headline = expected.headline
    # the result as labelled sections, the headline first
    assert _(plain.RESULT).format(headline=prose(headline)) in run.words


def check_plain(run: Run) -> None:
    """Nothing a screen reader stumbles on: no escape sequence or other control character
    but the newline, no line longer than the width, and every prompt is one line that names
    its question (the line the answer is typed on)."""
    text = run.text
    assert not CONTROL.search(text), repr(CONTROL.search(text))
    assert all(len(line) <= WIDTH for line in text.split("\n")), max(text.split("\n"), key=len)
    assert "===" not in text and "---" not in text and "[x]" not in text
    keys = " ".join(text.split())
    assert " ".join(_(plain.KEYS_HELP).split()) in keys  # this mode's keys, not the arrow keys
    assert " ".join(_(session.KEYS_HELP).split()) not in keys
    assert run.typist.wrapped == []
    for question_id, line in run.typist.prompts:
        name = prose(run.typist.kb.questions_by_id[question_id].short)
        assert line.startswith((f"{name} (", f"{name}: ")), (name, line)


# ---------------------------------------------------------------------------------------------
# Every scenario, in English and German


@pytest.fixture(scope="module")
def german_kb() -> Iterator[KnowledgeBase]:
    yield knowledge.load(None, "de")


@pytest.fixture(params=["en", "de"])
def spoken(request: pytest.FixtureRequest, kb: KnowledgeBase, german_kb: KnowledgeBase):
    i18n.use(request.param)
    return kb if request.param == "en" else german_kb


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_every_scenario_typed_line_by_line_gets_the_result_of_assess(
    spoken: KnowledgeBase, path: Path, tmp_path: Path
) -> None:
    answers = scenario_answers(path)
    run = Run(spoken, answered_from(answers), tmp_path)
    check_result(spoken, run, answers)
    check_plain(run)
    assert list(tmp_path.iterdir()) == []  # "q": nothing saved


@pytest.mark.parametrize("width", [59, 39])
def test_in_a_narrow_terminal_every_line_fits_and_each_prompt_starts_with_its_question(
    spoken: KnowledgeBase, width: int, tmp_path: Path
) -> None:
    for level in (Level.URGENT, Level.EMERGENCY):
        answers = scenario_answers(_first(spoken, level))
        run = Run(spoken, answered_from(answers), tmp_path, width=width)
        check_result(spoken, run, answers)
        assert not CONTROL.search(run.text)
        assert all(len(line) <= width for line in run.text.split("\n"))
        assert run.typist.prompts
        for (question_id, _last), first in zip(
            run.typist.prompts, run.typist.first_lines, strict=True
        ):
            name = prose(spoken.questions_by_id[question_id].short)
            assert name.startswith(first) or first.startswith(name), (name, first)


# ---------------------------------------------------------------------------------------------
# Mistakes, going back, review


def _first(kb: KnowledgeBase, level: Level) -> Path:
    for path in scenario_files():
        result = outcome.assess(scenario_answers(path), kb)
        if result.triage is level:
            return path
    raise AssertionError(level)


def test_a_mistake_gets_one_line_saying_what_is_allowed_then_the_question_again(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    answers = scenario_answers(_first(kb, Level.SOON))
    run = Run(kb, answered_from(answers), tmp_path, mistakes=["age", "location", "chest_pain"])
    check_result(kb, run, answers)
    check_plain(run)
    lines = run.text.split("\n")
    for name, allowed in (
        ("Age", "Type a number from 0 to 120, or b to go back."),
        ("Where it hurts", "Type one or more of 1 to 5"),
        ("Chest pain", "Type y, n or ?, or b to go back."),
    ):
        (index,) = [
            i for i, line in enumerate(lines) if line.startswith(f"Not an answer to {name}.")
        ]
        said = index + 1 if lines[index + 1].startswith(f"{name} (question ") else index + 2
        assert allowed in " ".join(lines[index:said])  # one message (wrapped to the width)
        assert lines[said].startswith(f"{name} (question ")  # then the question's prompt again
        assert lines[index - 1].startswith(f"{name} (question ")  # right after the mistake


def test_b_goes_back_one_question_and_enter_keeps_the_answer_there(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    answers = scenario_answers(_first(kb, Level.SELF_CARE))
    run = Run(kb, answered_from(answers), tmp_path, backs=["saddle_numbness", "location"])
    check_result(kb, run, answers)
    asked = [question_id for question_id, _line in run.typist.prompts]
    # within a page: back to the question before it; from a page's first question: back to
    # the last question of the page before (question 1 is who the answers are for)
    assert asked[:4] == ["respondent", "bladder_bowel", "saddle_numbness", "bladder_bowel"]
    before = asked[asked.index("location") - 1]
    assert asked[asked.index("location") + 1] == before
    assert "Your answer before: No. Enter alone keeps it." in run.text


def test_back_from_a_page_is_back_at_the_last_question_of_the_page_before(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    answers = scenario_answers(_first(kb, Level.SELF_CARE))
    run = Run(kb, answered_from(answers), tmp_path, backs=["chest_pain"])
    check_result(kb, run, answers)
    asked = [question_id for question_id, _line in run.typist.prompts]
    # b at 3a: back to 2c (not to 2a), where Enter keeps the answer; then 3a again
    assert asked[:7] == [
        "respondent",
        "bladder_bowel",
        "saddle_numbness",
        "both_legs",
        "chest_pain",
        "both_legs",
        "chest_pain",
    ]


def test_on_the_first_question_b_says_there_is_nothing_before(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    answers = scenario_answers(_first(kb, Level.SELF_CARE))
    run = Run(kb, answered_from(answers), tmp_path, backs=["respondent"])
    check_result(kb, run, answers)
    assert "This is the first question: there is nothing to go back to." in run.text
    first = run.text.split("\n")
    assert [line for line in first if line.startswith("Answering for (")][0].endswith(
        "1 to 3: b"
    )  # the very first prompt (who the answers are for) offers no way back


def test_the_review_is_a_numbered_list_and_a_number_changes_that_answer(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    answers = scenario_answers(_first(kb, Level.SELF_CARE))
    out = io.StringIO()
    typist = Typist(kb, answered_from(answers), out)
    reviews = iter(["x", "4", ""])  # a mistake, then the fourth line, then the result
    answer = typist._answer

    def at_review(text: str) -> str:
        if text.rstrip().endswith(_(plain.REVIEW_PROMPT).split("{")[-1].split("}")[-1]):
            return next(reviews)
        return answer(text)

    typist._answer = at_review  # type: ignore[method-assign]
    asker = PlainAsker(kb, input=typist, output=out, width=WIDTH, echo=True)  # type: ignore[arg-type]
    ending = session.Session(kb, asker, directory=tmp_path, screen=lambda: (80, 24)).run()
    assert ending is session.Ending.COMPLETED
    text = out.getvalue()
    review = text[text.index("Review your answers") :]
    assert re.search(r"^1\. Answering for: Myself$", review, re.MULTILINE)  # question 1
    assert re.search(r"^2\. New bladder or bowel problems", review, re.MULTILINE) or re.search(
        r"^2\. Warning signs", review, re.MULTILINE
    )
    assert "Press Enter for your result, or type a number from 1 to" in review
    assert text.count("Review your answers") == 2  # the fourth page asked again, then review


def test_a_number_may_be_typed_with_its_unit_and_several_answers_with_and(
    kb: KnowledgeBase,
) -> None:
    asker = PlainAsker(kb, input=io.StringIO(), output=io.StringIO(), width=WIDTH)
    age, location = kb.questions_by_id["age"], kb.questions_by_id["location"]
    assert asker.parse(age, [], "72 years") == 72
    assert asker.parse(age, [], "72") == 72
    for wrong in ("7 2", "72 or 73", "121", "-1", "", "?"):
        assert asker.parse(age, [], wrong) is plain._WRONG, wrong
    choices = asker.choices(location)
    values = [value for value, _label in choices]
    assert asker.parse(location, choices, "3 and 1") == [values[0], values[2]]
    assert asker.parse(location, choices, "3,1 ; 3") == [values[0], values[2]]
    for wrong in ("3 or 1", "and", "0", "9", ""):
        assert asker.parse(location, choices, wrong) is plain._WRONG, wrong


# ---------------------------------------------------------------------------------------------
# An emergency answer


def test_an_emergency_answer_is_named_and_can_be_changed_before_it_stops_the_quiz(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    answers = {"chest_pain": "yes"}
    out = io.StringIO()
    typist = Typist(kb, answers, out)
    replies = iter(["n"])  # "n: change it" -> the question again, answered No this time
    answer = typist._answer

    def change_once(text: str) -> str:
        if "Right?" in text.rstrip().rsplit("\n", 1)[-1]:
            typist.answers = {**typist.answers, "chest_pain": "no"}
            return next(replies)
        return answer(text)

    typist._answer = change_once  # type: ignore[method-assign]
    typist.answers = {**answered_from(scenario_answers(_first(kb, Level.SELF_CARE))), **answers}
    asker = PlainAsker(kb, input=typist, output=out, width=WIDTH, echo=True)  # type: ignore[arg-type]
    ending = session.Session(kb, asker, directory=tmp_path, screen=lambda: (80, 24)).run()
    text = out.getvalue()
    assert "! This answer means you will be told to call the emergency number now." in text
    assert "Chest pain: Yes. Right? Enter: yes, n: change it: n" in text
    assert ending is session.Ending.COMPLETED


def test_an_emergency_answer_confirmed_stops_the_quiz_with_the_result_first(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    path = next(p for p in scenario_files() if scenario_answers(p).symptoms.bladder_bowel == "yes")
    answers = scenario_answers(path)
    run = Run(kb, answered_from(answers), tmp_path)
    assert run.ending is session.Ending.EMERGENCY
    paragraphs = run.text.split("\n\n")
    (stop,) = [i for i, p in enumerate(paragraphs) if p.startswith("The quiz stopped here")]
    # the headline first: right after the confirmed answer, before why the quiz stopped
    assert paragraphs[stop - 2].rstrip().endswith("n: change it:")
    assert paragraphs[stop - 1].startswith("Result: EMERGENCY")
    assert any(
        paragraph.startswith("What to do now: ") for paragraph in paragraphs[stop + 1 : stop + 4]
    )
    check_plain(run)


def test_back_from_an_emergency_stop_opens_the_page_at_the_answer_that_stopped_it(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    answers = {**answered_from(scenario_answers(_first(kb, Level.SELF_CARE))), "both_legs": "yes"}
    run = Run(kb, answers, tmp_path, keys=["b"])
    assert run.ending is session.Ending.EMERGENCY
    asked = [question_id for question_id, _line in run.typist.prompts]
    assert asked == ["respondent", "bladder_bowel", "saddle_numbness", "both_legs", "both_legs"]
    assert run.text.count("Your answer before: Yes. Enter alone keeps it.") == 1


def test_the_details_have_no_underlines_and_the_result_comes_back_in_short(
    spoken: KnowledgeBase, tmp_path: Path
) -> None:
    answers = scenario_answers(_first(spoken, Level.URGENT))
    run = Run(spoken, answered_from(answers), tmp_path, keys=["d"])
    check_result(spoken, run, answers)
    check_plain(run)  # no "---" under the titles of the details
    details = run.text[run.text.index(_("Details: every reason, self-help and sources")) :]
    assert f"\n{_('Why')}\n- " in details  # a title, then its list: nothing between
    headline = prose(outcome.assess(answers, spoken).headline)
    assert _("In short: {headline}").format(headline=headline) in " ".join(details.split())


# ---------------------------------------------------------------------------------------------
# Through a real pipe


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "triage", *args]


def environment(**extra: str) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": str(WIDTH + 1), "PYTHONIOENCODING": "utf-8", **extra}
    env.pop("TRIAGE_PLAIN", None)
    return env


def piped(
    lines: Sequence[str], *args: str, cwd: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args),
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=environment(**extra),
    )


def _from_questions(text: str) -> str:
    return text[text.index(_(plain.PROGRESS).format(number=1, total="")[:-1]) :]


@pytest.mark.parametrize("language", ["en", "de"])
def test_answers_piped_in_run_unattended_with_the_same_transcript(
    language: str, kb: KnowledgeBase, german_kb: KnowledgeBase, tmp_path: Path
) -> None:
    i18n.use(language)
    spoken = kb if language == "en" else german_kb
    for level in (Level.SELF_CARE, Level.EMERGENCY):
        path = _first(kb, level)
        answers = scenario_answers(path)
        run = Run(spoken, answered_from(answers), tmp_path)
        check_result(spoken, run, answers)
        done = piped(run.typist.typed, "--lang", language, "quiz", "--plain", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert done.stdout.startswith(_(plain.ANNOUNCE)[:30])
        assert _from_questions(done.stdout).rstrip() == _from_questions(run.text).rstrip()
        check_plain_text(done.stdout)


def check_plain_text(text: str) -> None:
    assert not CONTROL.search(text)
    assert all(len(line) <= WIDTH for line in text.split("\n"))


def test_without_a_terminal_the_quiz_is_plain_by_itself_and_says_so(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    """No --plain: standard input is a pipe, so the quiz is plain (and the announcement comes
    first); TRIAGE_PLAIN=1 and TERM=dumb choose it too."""
    answers = scenario_answers(_first(kb, Level.SOON))
    run = Run(kb, answered_from(answers), tmp_path)
    done = piped(run.typist.typed, "quiz", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Plain mode is on:")
    assert _(plain.RESULT).format(headline="")[:7] in done.stdout


@pytest.mark.parametrize(
    ("flag", "env", "terminal", "plain_expected"),
    [
        (True, {}, True, True),
        (False, {"TRIAGE_PLAIN": "1"}, True, True),
        (False, {"TRIAGE_PLAIN": "0"}, True, False),
        (False, {"TRIAGE_PLAIN": ""}, True, False),
        (False, {"TERM": "dumb"}, True, True),
        (False, {"TERM": "xterm-256color"}, True, False),
        (False, {}, False, True),
    ],
)
def test_what_chooses_the_plain_quiz(
    monkeypatch: pytest.MonkeyPatch,
    flag: bool,
    env: dict[str, str],
    terminal: bool,
    plain_expected: bool,
) -> None:
    monkeypatch.delenv("TRIAGE_PLAIN", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    class Stdin(io.StringIO):
        def isatty(self) -> bool:
            return terminal

    monkeypatch.setattr(sys, "stdin", Stdin())
    args = cli.build_parser().parse_args(["quiz", *(["--plain"] if flag else [])])
    assert cli.plain_chosen(args) is plain_expected


def test_an_answers_file_piped_into_the_quiz_is_named_and_nothing_is_answered(
    tmp_path: Path,
) -> None:
    path = _first(knowledge.load(), Level.SOON)
    text = json.dumps(load_scenario(path)["answers"], indent=1)
    done = subprocess.run(
        command("quiz"),
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=environment(),
    )
    assert done.returncode == 130
    assert "This looks like an answers file" in done.stdout and "triage assess" in done.stdout
    assert "No answers were given yet, so nothing was saved." in done.stdout
    assert "Not an answer" not in done.stdout and list(tmp_path.iterdir()) == []


def test_output_that_goes_away_stops_the_quiz_quietly_and_keeps_the_answers(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    answers = scenario_answers(_first(kb, Level.SOON))
    typed = Run(kb, answered_from(answers), tmp_path).typist.typed
    quiz_run = subprocess.Popen(
        command("quiz", "--plain"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=environment(),
    )
    assert quiz_run.stdout is not None and quiz_run.stdin is not None
    quiz_run.stdout.read(200)  # the reader reads a little, then goes away (as `| head`)
    quiz_run.stdout.close()
    quiz_run.stdin.write("".join(f"{line}\n" for line in typed).encode())
    quiz_run.stdin.close()
    assert quiz_run.wait(timeout=60) == 130
    assert quiz_run.stderr is not None and quiz_run.stderr.read() == b""  # no traceback
    assert len(list(tmp_path.glob("triage-resume-*.json"))) <= 1


def test_the_end_of_input_keeps_the_answers_and_the_rest_can_be_typed_later(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    answers = scenario_answers(_first(kb, Level.URGENT))
    run = Run(kb, answered_from(answers), tmp_path)
    typed = run.typist.typed
    done = piped(typed[:12], "quiz", "--plain", cwd=tmp_path)
    assert done.returncode == 130, done.stderr
    (kept,) = tmp_path.glob("triage-resume-*.json")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert "quiz --resume" in done.stdout
    given = json.loads(kept.read_text())["answers"]
    typist = Typist(kb, answered_from(answers), io.StringIO())
    assert given["symptoms"]
    for name, value in given["symptoms"].items():
        assert value == typist.value(kb.questions_by_id[name])
    # the rest, typed into the resumed quiz, reaches the same result
    resumed = session.load_resume(str(kept), kb)
    out = io.StringIO()
    typist = Typist(kb, answered_from(answers), out)
    asker = PlainAsker(kb, input=typist, output=out, width=WIDTH, echo=True)  # type: ignore[arg-type]
    session.Session(
        kb,
        asker,
        answers=resumed.answers,
        resume_from=kept,
        directory=tmp_path,
        screen=lambda: (80, 24),
    ).run()
    save = tmp_path / "done.json"
    typed_rest = [line if line != "q" else "s" for line in typist.typed] + ["n"]
    done = piped(
        typed_rest, "quiz", "--plain", "--resume", str(kept), "--save", str(save), cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assessed = subprocess.run(
        command("assess", "--json", str(save)), capture_output=True, text=True, timeout=60
    )
    assert json.loads(assessed.stdout)["triage"] == outcome.assess(answers, kb).triage.value
    assert stat.S_IMODE(save.stat().st_mode) == 0o600


def test_who_the_answers_are_for_offers_no_dont_know(kb: KnowledgeBase) -> None:
    asker = PlainAsker(kb, input=io.StringIO(), output=io.StringIO(), width=WIDTH)
    respondent = kb.questions_by_id["respondent"]
    choices = asker.choices(respondent)
    assert [value for value, _label in choices] == [c.value for c in respondent.choices]
    assert _(plain.SKIP_LABEL) not in [label for _value, label in choices]
    assert asker.parse(respondent, choices, str(len(choices) + 1)) is plain._WRONG
    # an optional question keeps its "Don't know", the multi question its "None of these"
    assert asker.choices(kb.questions_by_id["onset"])[-1] == (None, _(plain.SKIP_LABEL))
    # the question's own words for none, as on the full screen and in its help
    assert asker.choices(kb.questions_by_id["radiation"])[-1] == (None, "Nowhere")
