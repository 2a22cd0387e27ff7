"""The engine as a pure function, for engines that spread work over many machines.

`Assessor(rules, language)` is a small picklable value (a directory name and a language, no
engine inside); called with one answers mapping (the answers-file form, or a saved assessment or
FHIR QuestionnaireResponse as parsed JSON) it returns the result object as `triage assess
--json` prints it, parsed, or for answers that break the contract the error object of
`assess --batch` (`{"error": ..., "field": ...}`), never an exception. The knowledge base is
loaded (and compiled into the rule engine) the first time a process calls an Assessor, then kept
for the life of the process: a Spark `mapInPandas` or Dask `map_partitions` function that calls
it over a partition pays the loading once per worker process. See docs/compare.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage.errors import InputError
from triage.knowledge import KnowledgeBase

NAME = "<answers>"  # the name errors carry (there is no file)

_loaded: dict[tuple[str | None, str], KnowledgeBase] = {}


@dataclass(frozen=True)
class Assessor:
    """answers mapping -> result mapping with the rules in `rules` (None: the built-in rules),
    texts and messages in `language`."""

    rules: str | None = None
    language: str = "en"

    def __call__(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.json_line(answers))
        return result

    def json_line(self, answers: Mapping[str, Any] | str) -> str:
        """The result (or error) object as one compact JSON line, as `assess --batch` writes it;
        `answers` may also be JSON text (a column of JSON strings)."""
        from triage import batch, outcome, render
        from triage.inputs import answers_from_data, parse_json

        kb = self.knowledge()
        try:
            data = parse_json(answers, NAME) if isinstance(answers, str) else dict(answers)
            parsed, _document = answers_from_data(data, NAME, kb)
        except InputError as error:
            entry = json.loads(batch.error_line(0, error.problem, error.field))
            del entry["line"]  # a row has no line number: its place in the partition says it
            return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        return render.to_json_line(outcome.assess(parsed, kb))

    def partition(self, rows: Iterable[Mapping[str, Any] | str]) -> Iterator[str]:
        """One JSON line per row, in order: the body of a per-partition function."""
        for row in rows:
            yield self.json_line(row)

    def knowledge(self) -> KnowledgeBase:
        """The knowledge base, loaded once per process (and language)."""
        key = (self.rules, self.language)
        kb = _loaded.get(key)
        if kb is None:
            from triage import i18n, knowledge

            i18n.use(self.language)  # messages in the results' language: one per process
            directory = Path(self.rules) if self.rules is not None else None
            kb = _loaded[key] = knowledge.load(directory, self.language)
        return kb


def loaded() -> int:
    """How many knowledge bases this process has loaded for Assessors (for tests and checks)."""
    return len(_loaded)
