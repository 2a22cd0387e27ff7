"""How many screens the quiz shows, for every scenario in tests/scenarios/.

Each scenario's answers file is played through the quiz by a scripted person who answers from
the file ("No" to a warning sign the file does not mention, skip for an optional question it
leaves out) and accepts the review. A screen is the welcome (it waits for Enter), a page of
questions or the review; an emergency stop ends the quiz early. The last lines give the median
and the maximum for ordinary cases (scenarios whose result is self-care), which the quiz aims
to keep at 15 or fewer.

    python benchmarks/screens.py            # one line per scenario, then the summary
    python benchmarks/screens.py --summary  # the summary only
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.quiz_script import Script, answered_from  # noqa: E402
from triage import knowledge, outcome, quiz  # noqa: E402
from triage.models import Answers, Level  # noqa: E402

SCENARIOS = ROOT / "tests" / "scenarios"
TARGET = 15
WELCOME = 1  # the welcome and disclaimer, which wait for Enter before the first question


@dataclass(frozen=True)
class Played:
    name: str
    level: Level  # the result of `triage assess` on the file
    screens: int
    ending: str  # finished | stopped


def play(kb: knowledge.KnowledgeBase, path: Path) -> Played:
    answers = Answers.model_validate(json.loads(path.read_text(encoding="utf-8"))["answers"])
    script = Script(answered_from(answers))
    ending = quiz.run(kb, script)
    screens = WELCOME + len(script.pages) + len(script.reviews)
    kind = "stopped" if isinstance(ending, quiz.Stopped) else "finished"
    return Played(path.stem, outcome.assess(answers, kb).triage, screens, kind)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)
    kb = knowledge.load()
    played = [play(kb, path) for path in sorted(SCENARIOS.glob("*.json"))]
    if not args.summary:
        for one in played:
            print(f"{one.screens:3}  {one.level.value:<10} {one.ending:<9} {one.name}")
    ordinary = [one.screens for one in played if one.level is Level.SELF_CARE]
    every = [one.screens for one in played]
    print(
        f"scenarios: {len(played)}; screens per quiz: median {statistics.median(every)}, "
        f"maximum {max(every)}"
    )
    print(
        f"ordinary (self-care) cases: {len(ordinary)}; screens: median "
        f"{statistics.median(ordinary)}, maximum {max(ordinary)} (target: at most {TARGET})"
    )
    return 0 if max(ordinary) <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
