"""The command line: parse arguments, wire the pieces together, and turn errors into one line on
standard error with an exit code (0 ok, 2 bad input or usage, 130 interrupted, 1 anything else;
the quiz also 129 when its terminal closed, 143 on SIGTERM, 70 on an internal error after the
answers were kept).

Heavy modules are imported inside the commands that need them, so each command loads only
what it uses (`assess` never loads the prompt library).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage import __version__
from triage.errors import EngineError, Problem, TriageError, UsageError
from triage.i18n import _, ngettext, pgettext
from triage.output import (
    EXIT_PIPE_CLOSED,
    OutputClosed,
    OutputError,
    discard,
    stdout,
    to_stderr,
)
from triage.safe_text import one_line

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from triage.knowledge import KnowledgeBase
    from triage.quiz import Asker

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
    # No pydantic plugin (a third-party package hooking into validation) ever sees a person's
    # health answers, and start-up skips scanning every installed package for plugins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    with START_UP:
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    try:
        speak(sys.argv[1:] if argv is None else argv)  # before the parser: --help in it too
        args = build_parser().parse_args(argv)  # --help and --version print too
        # No command: the quiz (in a terminal; elsewhere `run_quiz` says what to do instead).
        command: Callable[[argparse.Namespace], int] = getattr(args, "run", run_quiz)
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
        return fail(_("interrupted"), EXIT_INTERRUPTED)
    except Exception as error:  # the one catch-all: never show a traceback to a person
        if os.environ.get("TRIAGE_DEBUG"):
            raise
        return fail(
            _("internal error: {error} (set TRIAGE_DEBUG=1 for details)").format(
                error=f"{type(error).__name__}: {error}"
            ),
            EXIT_FAILURE,
        )


def speak(argv: Sequence[str]) -> None:
    """Choose the language (`--lang`, else LC_ALL / LC_MESSAGES / LANG) for everything after.
    An unknown --lang value is refused in the environment's language."""
    from triage import i18n, language

    try:
        chosen = language.chosen(argv)
    except UsageError:
        i18n.use(language.from_environment())
        chosen = language.chosen(argv)  # refused again, in that language this time
    i18n.use(chosen)


def fail(message: str, code: int) -> int:
    """One line on standard error. Messages quote file names and values from files: every
    control character is escaped, so the line stays one line and cannot drive the terminal."""
    note(_("error: {message}").format(message=message))
    return code


def note(message: str) -> None:
    to_stderr(f"triage: {one_line(message, limit=4000)}")


class _Parser(argparse.ArgumentParser):
    """argparse writes help and --version to standard output and ignores a failed write; here
    they go through `output.stdout` like everything else the commands print, so a closed pipe
    ends quietly and a full disk is reported. (Usage errors still go to standard error.) A
    misspelt command gets one line with the closest command instead of argparse's list."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message and (file is None or file is sys.stdout):
            stdout.print(message, end="")
        else:
            super()._print_message(message, file)

    def _check_value(self, action: argparse.Action, value: object) -> None:
        choices = action.choices
        if isinstance(action, argparse._SubParsersAction) and value not in (choices or {}):
            raise UsageError(unknown_command(str(value), list(choices or {})))
        super()._check_value(action, value)


def unknown_command(name: str, commands: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, commands, n=1)
    hint = _(" (did you mean '{name}'?)").format(name=close[0]) if close else ""
    return _("unknown command '{name}'{hint}; commands: {commands}").format(
        name=name, hint=hint, commands=", ".join(commands)
    )


class _Help(argparse.HelpFormatter):
    """Descriptions and epilogs are filled to the width, except paragraphs with indented lines
    (the examples, the table of exit codes), which are kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n\n".join(
            paragraph
            if "\n " in paragraph
            else super(_Help, self)._fill_text(paragraph, width, indent)
            for paragraph in text.split("\n\n")
        )


def build_parser() -> argparse.ArgumentParser:
    from triage.language import LANGUAGES, OPTION

    spoken = _Parser(add_help=False)  # on every command (read before parsing: see `speak`)
    spoken.add_argument(
        OPTION,
        choices=LANGUAGES,
        default=argparse.SUPPRESS,
        help=_("the language to use (default: from LC_ALL, LC_MESSAGES or LANG; else en)"),
    )
    common = _Parser(add_help=False, parents=[spoken])
    common.add_argument(
        "--rules",
        metavar=_("DIR"),
        type=Path,
        default=argparse.SUPPRESS,
        help=_("use the knowledge base in DIR instead of the built-in rules/"),
    )
    parser = _Parser(
        prog="triage",
        parents=[common],
        description=_(
            "Back-pain triage: answers -> how urgently to get help, with the reasons. "
            "Not a diagnosis. In an emergency call 999 (UK), 112 (EU) or 911 (US)."
        ),
        epilog=main_epilog(),
        formatter_class=_Help,
    )
    parser.add_argument(
        "-V",
        "--version",
        action="version",
        version=f"triage {__version__}",
        help=_("show program's version number and exit"),
    )
    commands = parser.add_subparsers(title=_("commands"), metavar=_("COMMAND"))

    assess = commands.add_parser(
        "assess",
        parents=[common],
        help=_("triage an answers file (or assessment document)"),
        description=_("Triage the answers in FILE ('-' for standard input) and print the result."),
    )
    assess.add_argument(
        "file",
        metavar=_("FILE"),
        nargs="?",
        help=_("answers file or saved assessment; '-' = stdin"),
    )
    output = assess.add_mutually_exclusive_group()
    output.add_argument(
        "--json", action="store_true", help=_("print the result object as JSON (= --format json)")
    )
    output.add_argument(
        "--format",
        choices=["text", "json", "markdown"],
        default=None,
        help=_(
            "text (default), json (the result object) or markdown (a one-page summary for a doctor)"
        ),
    )
    assess.add_argument(
        "--batch",
        metavar="JSONL",
        help=_(
            "assess one answers object per line of JSONL ('-' = stdin) and write one compact "
            'JSON result per line, in order; a bad line gives {"line": N, "error": ...} and exit '
            "code 2"
        ),
    )
    add_jobs(assess)
    assess.set_defaults(run=run_assess)

    add_compare(commands, spoken)

    schema = commands.add_parser(
        "schema",
        parents=[spoken],
        help=_("print the JSON Schema (2020-12) of the answers file"),
        description=_(
            "Print the JSON Schema (draft 2020-12) of the answers file, or of the "
            "assessment document with --document."
        ),
    )
    schema.add_argument(
        "--document", action="store_true", help=_("the schema of a saved assessment")
    )
    schema.set_defaults(run=run_schema)

    fhir = commands.add_parser(
        "fhir",
        parents=[common],
        help=_("print the questions, an answers file or a result as FHIR R4"),
        description=_(
            "With --questionnaire: print the questions as a FHIR R4 Questionnaire. "
            "With FILE (answers, a saved assessment or a QuestionnaireResponse; '-' = stdin): "
            "print the answers as a FHIR R4 QuestionnaireResponse, or with --result a Bundle of "
            "that response and the RiskAssessment of the triage result."
        ),
    )
    fhir.add_argument(
        "file",
        metavar=_("FILE"),
        nargs="?",
        help=_("answers, saved assessment or QuestionnaireResponse"),
    )
    fhir.add_argument("--questionnaire", action="store_true", help=_("print the Questionnaire"))
    fhir.add_argument(
        "--result",
        action="store_true",
        help=_("print a Bundle: the QuestionnaireResponse and the RiskAssessment of the result"),
    )
    fhir.set_defaults(run=run_fhir)

    rules = commands.add_parser(
        "rules",
        parents=[common],
        help=_("list the rules: id, level, title, sources"),
        description=_(
            "List every rule of the knowledge base, most urgent first: its id, its level, its "
            "title and the ids of its sources, wrapped to the terminal's width (80 columns when "
            "the output is not a terminal)."
        ),
    )
    rules.set_defaults(run=run_rules)

    check = commands.add_parser(
        "check",
        parents=[common],
        help=_("validate a knowledge base and list every problem"),
        description=_(
            "Check the knowledge base in DIR (or --rules DIR; default: the built-in rules/): "
            "every file, id, reference, translation and the guideline coverage audit, then "
            "compile it into the rule engine. Lists every problem with its file and id (exit "
            "code 2), or prints a one-line summary (exit code 0)."
        ),
    )
    check.add_argument(
        "directory",
        metavar=_("DIR"),
        nargs="?",
        type=Path,
        help=_("default: the built-in rules/"),
    )
    check.set_defaults(run=run_check)

    quiz = commands.add_parser(
        "quiz",
        parents=[common],
        help=_("answer the questions in the terminal (the default)"),
        description=_(
            "Ask the questions one by one, show the result and offer to save it. "
            "Ctrl-C keeps the answers so far in a resume file."
        ),
    )
    quiz.add_argument(
        "--save",
        metavar=_("FILE"),
        type=Path,
        help=_("save the assessment to FILE without asking"),
    )
    quiz.add_argument(
        "--resume", metavar=_("FILE"), type=Path, help=_("continue a quiz stopped earlier")
    )
    quiz.add_argument(
        "--plain",
        action="store_true",
        help=_(
            "plain lines for screen readers, braille displays and scripts (also with "
            "TRIAGE_PLAIN=1, TERM=dumb, or when standard input is not a terminal)"
        ),
    )
    quiz.set_defaults(run=run_quiz)
    return parser


def main_epilog() -> str:
    examples = _(
        "examples:\n"
        "  triage                               answer the questions (the quiz)\n"
        "  triage assess answers.json           triage a saved answers file\n"
        "  triage assess answers.json --json    the result as JSON\n"
        "  triage assess saved.json --format markdown > summary.md\n"
        "  triage rules                         list the rules\n"
        "  triage --lang de                     the quiz in German"
    )
    codes = _(
        "exit codes:\n"
        "  0    success\n"
        "  2    bad input or usage (one line on standard error)\n"
        "  130  interrupted (Ctrl-C)\n"
        "  1    anything else\n"
        "  129  the quiz: its terminal closed\n"
        "  143  the quiz: SIGTERM\n"
        "  70   the quiz: an internal error, after the answers were kept"
    )
    more = _("Run 'triage COMMAND --help' for the options of a command.")
    return f"{examples}\n\n{codes}\n\n{more}"


def add_jobs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs",
        "-j",
        metavar="N",
        type=int,
        default=1,
        help=_(
            "work in N processes, each loading the rules once (default: 1; 0: one per core); "
            "the output is the same, in the same order"
        ),
    )


def add_compare(commands: argparse._SubParsersAction[_Parser], spoken: _Parser) -> None:
    compare = commands.add_parser(
        "compare",
        parents=[spoken],
        help=_("what a rule change does: the same answers assessed with two rule sets"),
        description=_(
            "Assess the same answers with the rules in OLD_RULES and in NEW_RULES and report "
            "the level transitions and every case whose result changed, less urgent first: "
            "a generated sample of the answer space (every rule's boundaries, every skip-logic "
            "path, random answer sets), and the answers in each INPUT (answers files, saved "
            "assessments, FHIR QuestionnaireResponses, JSON lines or FHIR NDJSON of them). "
            "Exit status 1 when a case became less urgent and FILE of --accept does not accept "
            "it, 2 when an input could not be read."
        ),
    )
    compare.add_argument("old", metavar=_("OLD_RULES"), type=Path, help=_("the rules before"))
    compare.add_argument("new", metavar=_("NEW_RULES"), type=Path, help=_("the rules after"))
    compare.add_argument(
        "inputs", metavar=_("INPUT"), nargs="*", help=_("answers to compare as well ('-' = stdin)")
    )
    output = compare.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help=_("the report as JSON"))
    output.add_argument(
        "--format",
        choices=["text", "json", "markdown"],
        default=None,
        help=_("text (default), json, or markdown (a change record to sign)"),
    )
    compare.add_argument(
        "--seed", type=int, default=0, metavar="N", help=_("seed of the random answer sets (0)")
    )
    compare.add_argument(
        "--random",
        type=int,
        default=500,
        metavar="N",
        help=_("how many random answer sets to generate (500)"),
    )
    compare.add_argument(
        "--limit",
        type=int,
        default=200,
        metavar="N",
        help=_("list at most N cases of each kind (200; every case is counted)"),
    )
    compare.add_argument(
        "--accept",
        metavar=_("FILE"),
        help=_(
            "a signed change record (the --json report of the same two rule sets): the less "
            "urgent cases it lists are accepted"
        ),
    )
    add_jobs(compare)
    compare.set_defaults(run=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    from triage import change_record, compare, document, i18n, jobs, knowledge

    workers = jobs.count(args.jobs)
    for name in ("random", "limit"):
        if getattr(args, name) < 0:
            raise UsageError(_("--{name} must be 0 or more").format(name=name))
    try:
        kbs = (knowledge.load(args.old, i18n.current()), knowledge.load(args.new, i18n.current()))
    finally:
        START_UP.done()
    old, new = compare.rule_set(kbs[0]), compare.rule_set(kbs[1])
    accepted = frozenset[str]()
    if args.accept is not None:
        accepted = compare.accepted_cases(args.accept, old, new)
    report = compare.Report(
        old, new, list(args.inputs), args.seed, args.random, args.limit, args.accept
    )
    compare.run(report, kbs, list(args.inputs), accepted, workers)
    form = "json" if args.json else args.format or "text"
    if form == "json":
        stdout.print(change_record.to_json(report))
    elif form == "markdown":
        stdout.print(change_record.to_markdown(report, document.now()), end="")
    else:
        stdout.print(change_record.to_text(report), end="")
    if report.failed:
        unread = ngettext(
            "{count} input or line could not be read (listed in the report)",
            "{count} inputs or lines could not be read (listed in the report)",
            report.failed,
        )
        note(unread.format(count=report.failed))
    if report.unaccepted:
        return EXIT_FAILURE
    return EXIT_USAGE if report.failed else EXIT_OK


def load_knowledge(args: argparse.Namespace) -> KnowledgeBase:
    from triage import i18n, knowledge

    try:
        return knowledge.load(getattr(args, "rules", None), i18n.current())
    finally:
        START_UP.done()


def run_assess(args: argparse.Namespace) -> int:
    from triage import document, inputs, outcome, render
    from triage.inputs import load_answers

    if args.batch is not None:
        return run_batch(args)
    if args.file is None:
        raise UsageError(
            _("assess: give an answers FILE ('-' for standard input), or --batch JSONL")
        )
    kb = load_knowledge(args)  # first: a FHIR response is checked against its questionnaire
    answers, saved = load_answers(args.file, kb)
    if saved is not None and _speak_as(saved, args):  # a saved document in its own language
        kb = load_knowledge(args)
    result = outcome.assess(answers, kb)
    if saved is not None:
        change = document.result_change(saved, result)
        if change:  # stdout stays the result alone, so --json output remains parseable
            note(
                _("note: {file}: {change}").format(
                    file=inputs.display_name(args.file), change=change
                )
            )
    if args.json or args.format == "json":
        stdout.print(render.to_json(result))
    elif args.format == "markdown":
        from triage import markdown

        when = document.created(saved, inputs.display_name(args.file)) if saved else None
        made = document.now()
        incomplete = saved is not None and document.stopped_early(saved)
        summary = markdown.to_markdown(
            answers, result, kb, saved=when, made=made, incomplete=incomplete
        )
        stdout.print(summary, end="")
    else:
        colour = sys.stdout is not None and render.use_colour(sys.stdout)
        if _interactive():
            width = render.output_width()
            stdout.print(render.first_screen(result, kb, width, colour), end="")
            _paged("\n" + render.details(result, kb, width, colour))
        else:
            stdout.print(render.to_text(result, kb, colour=colour), end="")
    return EXIT_OK


def _speak_as(saved: Any, args: argparse.Namespace) -> bool:
    """Switch to the language a saved document was written in, unless --lang was given; True
    when the language changed (the knowledge base must be loaded again in it)."""
    from triage import i18n
    from triage.language import LANGUAGES

    own = getattr(saved.metadata, "language", None)
    if hasattr(args, "lang") or own not in LANGUAGES or own == i18n.current():
        return False
    i18n.use(own)
    return True


def _interactive() -> bool:
    try:
        return bool(sys.stdin and sys.stdout and sys.stdin.isatty() and sys.stdout.isatty())
    except (AttributeError, ValueError):
        return False


def _paged(text: str) -> None:
    """A long text on a terminal a screenful at a time: the first screen of a result stays
    in view until the person asks for more (Enter); q stops."""
    import shutil

    lines = text.rstrip("\n").split("\n")
    room = max(shutil.get_terminal_size((80, 24)).lines - 2, 1)
    first = True
    while lines:
        more = (
            _("-- Enter: the details, q and Enter: stop --")
            if first
            else _("-- Enter: the next page, q and Enter: stop --")
        )
        try:
            if input(more).strip().lower() in ("q", pgettext("key", "q")):
                return
        except EOFError:
            return
        stdout.print("\n".join(lines[:room]))
        lines, first = lines[room:], False


def run_batch(args: argparse.Namespace) -> int:
    """`assess --batch`: JSON lines in, JSON lines out; exit code 2 if any line failed."""
    from triage import batch, inputs

    if args.file is not None:
        raise UsageError(_("assess: give either FILE or --batch JSONL, not both"))
    if args.format not in (None, "json"):
        raise UsageError(
            _("assess --batch writes JSON lines; --format {format} cannot be used").format(
                format=args.format
            )
        )
    from triage import i18n, jobs

    workers = jobs.count(args.jobs)
    kb = load_knowledge(args)  # also with workers: a broken knowledge base is reported once
    with batch.opened(args.batch) as stream:
        name = inputs.display_name(args.batch)
        lines = batch.lines_of(stream, name)
        if workers == 1:
            tally = batch.assess_lines(lines, kb, stdout)
        else:
            tally = batch.assess_in_jobs(lines, kb.directory, i18n.current(), stdout, workers)
    if tally.failed:
        total = tally.failed + tally.assessed
        failed = ngettext(
            "{name}: {failed} of {total} line failed",
            "{name}: {failed} of {total} lines failed",
            total,
        )
        return fail(failed.format(name=name, failed=tally.failed, total=total), EXIT_USAGE)
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
        raise UsageError(_("fhir: give either --questionnaire or an answers FILE"))
    if args.questionnaire and args.result:
        raise UsageError(_("fhir: --result needs an answers FILE, not --questionnaire"))
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
    import shutil

    kb = load_knowledge(args)
    heading = ngettext(
        "{ruleset}: {count} rule (most urgent first)",
        "{ruleset}: {count} rules (most urgent first)",
        len(kb.rules),
    )
    terminal = sys.stdout is not None and sys.stdout.isatty()
    width = shutil.get_terminal_size((80, 24)).columns if terminal else 80
    lines = [*_wrapped(heading.format(ruleset=one_line(kb.label), count=len(kb.rules)), width)]
    for rule in sorted(kb.rules, key=lambda r: -r.triage.rank):
        sources = _("sources: {ids}").format(ids=", ".join(rule.sources))
        lines += ["", *rule_lines(one_line(rule.id), rule.triage.value, rule.title, sources, width)]
    stdout.print("\n".join(lines))
    return EXIT_OK


def rule_lines(rule_id: str, level: str, title: str, sources: str, width: int) -> list[str]:
    """One rule for `triage rules`: id and level on the first line, then the title and the
    sources indented, each wrapped to `width` without breaking a word (a single word longer
    than the width, such as a long id, stays whole on its line)."""
    indent = "    "
    return [
        *_wrapped(f"{rule_id}  [{level}]", width),
        *_wrapped(one_line(title), width, indent),
        *_wrapped(one_line(sources), width, indent),
    ]


def _wrapped(text: str, width: int, indent: str = "") -> list[str]:
    import textwrap

    return textwrap.wrap(
        text,
        max(width, len(indent) + 1),
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent]


def run_check(args: argparse.Namespace) -> int:
    from triage import coverage, knowledge

    given = getattr(args, "rules", None)
    if args.directory is not None and given is not None:
        raise UsageError(_("check: give the directory either as DIR or with --rules DIR, not both"))
    directory = args.directory or given or knowledge.default_directory()
    problems = knowledge.check(directory) + coverage.check(directory)
    if not problems:
        problems = _engine_problems(directory)
    if problems:
        for problem in problems:
            to_stderr(one_line(problem.located(directory), limit=4000))
        found = ngettext(
            "{count} problem in {directory}", "{count} problems in {directory}", len(problems)
        )
        return fail(found.format(count=len(problems), directory=directory), EXIT_USAGE)
    kb = knowledge.load(directory)
    stdout.print(
        one_line(
            _(
                "{directory}: OK ({ruleset}: {rules} rules, {questions} questions, {advice} "
                "advice texts, {sources} sources)"
            ).format(
                directory=directory,
                ruleset=kb.label,
                rules=len(kb.rules),
                questions=len(kb.questions),
                advice=len(kb.advice),
                sources=len(kb.sources),
            )
        )
    )
    return EXIT_OK


def _engine_problems(directory: Path) -> list[Problem]:
    """A rule set that passes the checks must also compile into the rule engine and run: first
    the engine's own limits (checked on a model, before anything reaches durable-rules), then a
    real compile, then trial assessments in a child process (engine.trial_in_child), so that
    not even a crash of the C core can follow an OK."""
    from triage import engine, knowledge, quiz

    kb = knowledge.load(directory)
    problems = engine.compile_problems(kb) + quiz.late_follow_ups(kb)
    if problems:
        return problems
    try:
        engine.for_knowledge(kb)
    except Exception as error:  # durable-rules reports its limits as bare exceptions
        text = _("the rule engine cannot run these rules: {error}").format(error=error)
        return [Problem("rules.yaml", None, text)]
    return engine.trial_in_child(Path(directory))


def print_quick_welcome(args: argparse.Namespace) -> bool:
    """Print the welcome and the disclaimer at once, from the knowledge-base cache, before the
    prompt library, the models and the rules are loaded: a person in pain sees words within a
    moment of pressing Enter. False when there is nothing to print this way (no current cache,
    or a resumed quiz, whose welcome says which file it continues): the session prints it."""
    if getattr(args, "resume", None) is not None:
        return False
    import shutil
    import textwrap

    from triage import i18n, kbcache
    from triage.output import text_width

    text = kbcache.quick_welcome(getattr(args, "rules", None), i18n.current())
    if text is None:
        return False
    width = text_width(shutil.get_terminal_size().columns)
    paragraphs = text.split("\n\n")
    print(
        "\n\n".join(
            textwrap.fill(part, width, break_long_words=False, break_on_hyphens=False)
            for part in paragraphs
        ),
        flush=True,
    )
    return True


def run_quiz(args: argparse.Namespace) -> int:
    """The interactive quiz; only this command loads the prompt library. Every way it can end
    keeps the answers (see triage.session); the exit code says how it ended."""
    if str(getattr(args, "resume", None)) == "-":  # it would be read, then written, as "-"
        raise UsageError(
            _(
                "--resume -: the quiz reads your keys from standard input; give the resume "
                "file by its name"
            )
        )
    plain = plain_chosen(args)
    for name, stream in ((_("standard input"), sys.stdin), (_("standard output"), sys.stdout)):
        if stream is None or not (plain or stream.isatty()):  # None: closed (`<&-`, `>&-`)
            raise UsageError(
                _(
                    "{stream} is not a terminal, so the quiz cannot run here; to triage answers "
                    "from a file use 'triage assess FILE' (or 'triage assess -' for standard "
                    "input)"
                ).format(stream=name)
            )
    if plain:
        from triage.plain import announce

        announce()
    welcomed = not plain and print_quick_welcome(args)  # plain: the asker prints it
    from triage import render, session, signals

    kb = load_knowledge(args)
    resume_from: Path | None = getattr(args, "resume", None)
    resumed = session.load_resume(str(resume_from), kb) if resume_from is not None else None
    quiz = session.Session(
        kb,
        quiz_asker(kb, plain),
        answers=resumed.answers if resumed else {},
        set_aside=resumed.set_aside if resumed else {},
        save_to=getattr(args, "save", None),
        resume_from=resume_from,
        colour=not plain and render.use_colour(sys.stdout),
        command=command_as_started(getattr(args, "rules", None)),
        welcomed=welcomed,
    )
    with signals.handled():
        ending = quiz.run()
    if ending is session.Ending.CLOSED:
        _quiet()  # the terminal is gone: what is left to print must not fail
    if ending is session.Ending.FAILED and quiz.error is not None:
        if os.environ.get("TRIAGE_DEBUG"):
            raise quiz.error
        from triage.quiz import count
        from triage.safe_text import one_line

        problem = one_line(f"{type(quiz.error).__name__}: {quiz.error}", 300)
        if isinstance(quiz.error, EngineError):  # not a bug of ours: the rules cannot run
            problem = one_line(quiz.error.message(), 300)
        kept = quiz.kept or quiz.saved
        where = (
            _("your answers were kept first, in {file}").format(file=one_line(kept))
            if kept is not None
            else _("no answers had been given yet")
            if not count(quiz.answers)
            else _("your answers could not be written; they are printed above")
        )
        if isinstance(quiz.error, EngineError):
            return fail(_("{problem} ({where})").format(problem=problem, where=where), EXIT_USAGE)
        return fail(
            _("internal error: {problem} ({where}; set TRIAGE_DEBUG=1 for details)").format(
                problem=problem, where=where
            ),
            EXIT_QUIZ_ERROR,
        )
    return QUIZ_EXIT_CODES[ending.value]


def plain_chosen(args: argparse.Namespace) -> bool:
    """The plain quiz (triage.plain): --plain, TRIAGE_PLAIN=1 (not 0 or empty), TERM=dumb, or
    standard input that is not a terminal (the full screen cannot run there)."""
    if getattr(args, "plain", False) or os.environ.get("TRIAGE_PLAIN", "").strip() not in ("", "0"):
        return True
    return os.environ.get("TERM") == "dumb" or (sys.stdin is not None and not sys.stdin.isatty())


def quiz_asker(kb: KnowledgeBase, plain: bool) -> Asker:
    """The plain asker, or the full screen's (only this loads the prompt library)."""
    if plain:
        from triage.plain import PlainAsker

        return PlainAsker(kb)
    from triage.prompts import PromptAsker

    return PromptAsker(kb)


# How a quiz ended -> exit code. The terminal closing (SIGHUP) and SIGTERM give 128 + the
# signal's number, as a shell reports a process ended by that signal; an internal error after
# the answers were kept gives 70 (EX_SOFTWARE), never 1, which may mean answers were lost.
EXIT_HANGUP, EXIT_TERMINATED, EXIT_QUIZ_ERROR = 129, 143, 70
QUIZ_EXIT_CODES = {
    "completed": EXIT_OK,
    "emergency": EXIT_OK,
    "interrupted": EXIT_INTERRUPTED,
    "terminal_closed": EXIT_HANGUP,
    "terminated": EXIT_TERMINATED,
    "error": EXIT_QUIZ_ERROR,
}


def command_as_started(rules: Path | None = None) -> str:
    """The command to print for the person to type later, so that it works as printed: bare
    `triage` only when that is the program on PATH; else the program's absolute path, or
    `PYTHON -m triage` when it was started that way. `--rules DIR` is kept (absolute), and
    `--lang` when the language was chosen with it (not the environment's)."""
    import shlex
    import shutil

    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    main_module = sys.modules.get("__main__")
    spec = getattr(main_module, "__spec__", None)
    if spec is not None and spec.name in ("triage", "triage.__main__"):
        command = f"{shlex.quote(sys.executable)} -m triage"
    elif program is None:
        command = "triage"
    else:
        on_path = shutil.which("triage")
        same = on_path is not None and Path(on_path).resolve() == program.resolve()
        command = "triage" if same else shlex.quote(str(program.resolve()))
    if rules is not None:
        command += f" --rules {shlex.quote(str(Path(rules).resolve()))}"
    from triage import i18n, language

    if i18n.current() != language.from_environment():  # chosen with --lang: keep it
        command += f" {language.OPTION} {i18n.current()}"
    return command


def _quiet() -> None:
    """Point standard output and error at /dev/null (the terminal closed), so that flushing them
    at exit cannot fail and change the exit code."""
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        for descriptor in (1, 2):
            os.dup2(null, descriptor)
