"""The command line: parse arguments, wire the pieces together, and turn errors into one line on
standard error with an exit code (0 ok, 2 bad input or usage, 130 interrupted, 1 anything else).

Heavy modules are imported inside the commands that need them, so each command loads only
what it uses (`assess` never loads the prompt library).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from triage import __version__
from triage.errors import TriageError, UsageError
from triage.output import EXIT_PIPE_CLOSED, OutputClosed, OutputError, discard, stdout
from triage.safe_text import one_line

if TYPE_CHECKING:
    from triage.knowledge import KnowledgeBase

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class StartUp:
    """Garbage collection during start-up. Start-up allocates many long-lived objects (modules,
    models, the rules): collecting meanwhile finds nothing and costs about a fifth of the
    start-up time. Inside `with START_UP:` collection is off until `done()` (called once the
    rules are loaded), which freezes what start-up built (later collections skip it) and turns
    collection back on; leaving the block always turns it back on, whatever happened."""

    def __enter__(self) -> StartUp:
        self._collecting = gc.isenabled()
        gc.disable()
        return self

    def done(self) -> None:
        if self._collecting and not gc.isenabled():
            gc.freeze()
            gc.enable()

    def __exit__(self, *failure: object) -> None:
        if self._collecting:
            gc.enable()


START_UP = StartUp()


def main(argv: Sequence[str] | None = None) -> int:
    with START_UP:
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # No command: start the quiz (in a terminal; elsewhere `run_quiz` says what to do instead).
    command: Callable[[argparse.Namespace], int] = getattr(args, "run", run_quiz)
    try:
        return command(args)
    except OutputClosed:  # the reader went away (e.g. `| head`): nothing more to say
        discard()
        return EXIT_PIPE_CLOSED
    except OutputError as error:
        discard()
        return fail(error.message(), error.exit_code)
    except TriageError as error:
        return fail(error.message(), error.exit_code)
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except Exception as error:  # the one catch-all: never show a traceback to a person
        if os.environ.get("TRIAGE_DEBUG"):
            raise
        return fail(
            f"internal error: {type(error).__name__}: {error} (set TRIAGE_DEBUG=1 for details)",
            EXIT_FAILURE,
        )


def fail(message: str, code: int) -> int:
    """One line on standard error. Messages quote file names and values from files: every
    control character is escaped, so the line stays one line and cannot drive the terminal."""
    note(f"error: {message}")
    return code


def note(message: str) -> None:
    if sys.stderr is not None:
        print(f"triage: {one_line(message, limit=4000)}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--rules",
        metavar="DIR",
        type=Path,
        default=argparse.SUPPRESS,
        help="use the knowledge base in DIR instead of the built-in rules/",
    )
    parser = argparse.ArgumentParser(
        prog="triage",
        parents=[common],
        description="Back-pain triage: answers -> how urgently to get help, with the reasons. "
        "Not a diagnosis. In an emergency call 999 (UK), 112 (EU) or 911 (US).",
        epilog="Run 'triage COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"triage {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    assess = commands.add_parser(
        "assess",
        parents=[common],
        help="triage an answers file (or assessment document)",
        description="Triage the answers in FILE ('-' for standard input) and print the result.",
    )
    assess.add_argument(
        "file", metavar="FILE", nargs="?", help="answers file or saved assessment; '-' = stdin"
    )
    output = assess.add_mutually_exclusive_group()
    output.add_argument(
        "--json", action="store_true", help="print the result object as JSON (= --format json)"
    )
    output.add_argument(
        "--format",
        choices=["text", "json", "markdown"],
        default=None,
        help="text (default), json (the result object) or markdown (a one-page summary for a "
        "doctor)",
    )
    assess.add_argument(
        "--batch",
        metavar="JSONL",
        help="assess one answers object per line of JSONL ('-' = stdin) and write one compact JSON "
        'result per line, in order; a bad line gives {"line": N, "error": ...} and exit code 2',
    )
    assess.set_defaults(run=run_assess)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema (2020-12) of the answers file",
        description="Print the JSON Schema (draft 2020-12) of the answers file, or of the "
        "assessment document with --document.",
    )
    schema.add_argument("--document", action="store_true", help="the schema of a saved assessment")
    schema.set_defaults(run=run_schema)

    fhir = commands.add_parser(
        "fhir",
        parents=[common],
        help="print the questions, an answers file or a result as FHIR R4",
        description="With --questionnaire: print the questions as a FHIR R4 Questionnaire. "
        "With FILE (answers, a saved assessment or a QuestionnaireResponse; '-' = stdin): "
        "print the answers as a FHIR R4 QuestionnaireResponse, or with --result a Bundle of "
        "that response and the RiskAssessment of the triage result.",
    )
    fhir.add_argument(
        "file", metavar="FILE", nargs="?", help="answers, saved assessment or QuestionnaireResponse"
    )
    fhir.add_argument("--questionnaire", action="store_true", help="print the Questionnaire")
    fhir.add_argument(
        "--result",
        action="store_true",
        help="print a Bundle: the QuestionnaireResponse and the RiskAssessment of the result",
    )
    fhir.set_defaults(run=run_fhir)

    rules = commands.add_parser(
        "rules", parents=[common], help="list the rules: id, level, title, sources"
    )
    rules.set_defaults(run=run_rules)

    check = commands.add_parser(
        "check",
        parents=[common],
        help="validate a knowledge base and list every problem",
    )
    check.add_argument(
        "directory", metavar="DIR", nargs="?", type=Path, help="default: the built-in rules/"
    )
    check.set_defaults(run=run_check)

    quiz = commands.add_parser(
        "quiz",
        parents=[common],
        help="answer the questions in the terminal (the default)",
        description="Ask the questions one by one, show the result and offer to save it. "
        "Ctrl-C keeps the answers so far in a resume file.",
    )
    quiz.add_argument(
        "--save", metavar="FILE", type=Path, help="save the assessment to FILE without asking"
    )
    quiz.add_argument("--resume", metavar="FILE", type=Path, help="continue a quiz stopped earlier")
    quiz.set_defaults(run=run_quiz)
    return parser


def load_knowledge(args: argparse.Namespace) -> KnowledgeBase:
    from triage import knowledge

    try:
        return knowledge.load(getattr(args, "rules", None))
    finally:
        START_UP.done()


def run_assess(args: argparse.Namespace) -> int:
    from triage import document, inputs, outcome, render
    from triage.inputs import load_answers

    if args.batch is not None:
        return run_batch(args)
    if args.file is None:
        raise UsageError("assess: give an answers FILE ('-' for standard input), or --batch JSONL")
    kb = load_knowledge(args)  # first: a FHIR response is checked against its questionnaire
    answers, saved = load_answers(args.file, kb)
    result = outcome.assess(answers, kb)
    if saved is not None:
        change = document.result_change(saved, result)
        if change:  # stdout stays the result alone, so --json output remains parseable
            note(f"note: {inputs.display_name(args.file)}: {change}")
    if args.json or args.format == "json":
        stdout.print(render.to_json(result))
    elif args.format == "markdown":
        from triage import markdown

        when = document.created(saved, inputs.display_name(args.file)) if saved else None
        made = document.now()
        stdout.print(markdown.to_markdown(answers, result, kb, saved=when, made=made), end="")
    else:
        colour = sys.stdout is not None and render.use_colour(sys.stdout)
        stdout.print(render.to_text(result, kb, colour=colour), end="")
    return EXIT_OK


def run_batch(args: argparse.Namespace) -> int:
    """`assess --batch`: JSON lines in, JSON lines out; exit code 2 if any line failed."""
    from triage import batch, inputs

    if args.file is not None:
        raise UsageError("assess: give either FILE or --batch JSONL, not both")
    if args.format not in (None, "json"):
        raise UsageError(f"assess --batch writes JSON lines; --format {args.format} cannot be used")
    kb = load_knowledge(args)
    with batch.opened(args.batch) as stream:
        name = inputs.display_name(args.batch)
        tally = batch.assess_lines(batch.lines_of(stream, name), kb, stdout)
    if tally.failed:
        total = tally.failed + tally.assessed
        return fail(f"{name}: {tally.failed} of {total} lines failed", EXIT_USAGE)
    return EXIT_OK


def run_schema(args: argparse.Namespace) -> int:
    from triage import schema

    stdout.print(
        schema.to_json(schema.document_schema() if args.document else schema.answers_schema())
    )
    return EXIT_OK


def run_fhir(args: argparse.Namespace) -> int:
    from triage import document, fhir, inputs, outcome
    from triage.inputs import load_answers

    if args.questionnaire == (args.file is not None):
        raise UsageError("fhir: give either --questionnaire or an answers FILE")
    if args.questionnaire and args.result:
        raise UsageError("fhir: --result needs an answers FILE, not --questionnaire")
    kb = load_knowledge(args)
    if args.questionnaire:
        stdout.print(fhir.to_json(fhir.questionnaire(kb)))
        return EXIT_OK
    answers, saved = load_answers(args.file, kb)
    authored = document.created(saved, inputs.display_name(args.file)) if saved else None
    # A saved document says when it was answered; bare answers are dated now.
    authored = authored or document.now()
    if args.result:
        result = outcome.assess(answers, kb)
        bundle = fhir.result_bundle(answers, result, kb, authored, made=document.now())
        stdout.print(fhir.to_json(bundle))
    else:
        stdout.print(fhir.to_json(fhir.questionnaire_response(answers, kb, authored)))
    return EXIT_OK


def run_rules(args: argparse.Namespace) -> int:
    kb = load_knowledge(args)
    lines = [f"{one_line(kb.label)}: {len(kb.rules)} rules (most urgent first)", ""]
    for rule in sorted(kb.rules, key=lambda r: -r.triage.rank):
        lines.append(f"{one_line(rule.id):<24} {rule.triage.value:<10} {one_line(rule.title)}")
        lines.append(f"{'':<24} {'':<10} sources: {one_line(', '.join(rule.sources))}")
    stdout.print("\n".join(lines))
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from triage import coverage, knowledge

    directory = args.directory or getattr(args, "rules", None) or knowledge.default_directory()
    problems = knowledge.check(directory) + coverage.check(directory)
    if problems:
        for problem in problems:
            print(one_line(f"{directory}/{problem}", limit=4000), file=sys.stderr)
        return fail(f"{len(problems)} problem(s) in {directory}", EXIT_USAGE)
    kb = knowledge.load(directory)
    stdout.print(
        one_line(
            f"{directory}: OK ({kb.label}: {len(kb.rules)} rules, {len(kb.questions)} "
            f"questions, {len(kb.advice)} advice texts, {len(kb.sources)} sources)"
        )
    )
    return EXIT_OK


def run_quiz(args: argparse.Namespace) -> int:
    """The interactive quiz; only this command loads the prompt library."""
    for name, stream in (("standard input", sys.stdin), ("standard output", sys.stdout)):
        if not stream.isatty():
            raise UsageError(
                f"{name} is not a terminal, so the quiz cannot run here; to triage answers "
                "from a file use 'triage assess FILE' (or 'triage assess -' for standard input)"
            )
    from triage import render, session
    from triage.prompts import PromptAsker

    kb = load_knowledge(args)
    resume: Path | None = getattr(args, "resume", None)
    quiz = session.Session(
        kb,
        PromptAsker(kb),
        answers=session.load_resume(str(resume), kb) if resume is not None else {},
        save_to=getattr(args, "save", None),
        resume_from=resume,
        colour=render.use_colour(sys.stdout),
    )
    return EXIT_INTERRUPTED if quiz.run() is session.Ending.INTERRUPTED else EXIT_OK
