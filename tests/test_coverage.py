"""The guideline coverage audit (rules/coverage.yaml) is complete and every id in it resolves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from triage import coverage, knowledge

# The lists issue 9 asks the audit to cover, with the source each must cite.
REQUIRED_LISTS = {
    "NG234": "NICE-NG234",
    "CG75-METASTASES": "NICE-CG75",
    "CG75-MSCC": "NICE-CG75",
    "CKS-LBP": "NICE-CKS-RED-FLAGS",
    "CKS-SCIATICA": "NICE-CKS-RED-FLAGS",
    "IFOMPT-CES": "IFOMPT-2020",
    "IFOMPT-FRACTURE": "IFOMPT-2020",
    "IFOMPT-MALIGNANCY": "IFOMPT-2020",
    "IFOMPT-INFECTION": "IFOMPT-2020",
    "IFOMPT-FRAMEWORK": "IFOMPT-2020",
    "NHS-BACK-999": "NHS-BACK-PAIN",
    "NHS-BACK-URGENT": "NHS-BACK-PAIN",
    "NHS-SCIATICA-999": "NHS-SCIATICA",
    "CHILD-PMM": "PMM-CHILD-RED-FLAGS",
    "CHILD-NENC": "NENC-CHILD-BACK-PAIN",
    "CHILD-AGE": "JFP-2020-YOUTH",
    "CHILD-PCH": "PCH-BACK-PAIN",
    "SHINGLES-CKS": "NICE-CKS-SHINGLES",
}


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    return directory


def edit(directory: Path, old: str, new: str) -> None:
    path = directory / coverage.FILE
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_shipped_audit_has_no_problems() -> None:
    assert coverage.check(knowledge.default_directory()) == []


def test_every_list_the_issue_names_is_audited_with_its_source() -> None:
    audit = coverage.load(knowledge.default_directory())
    sources = {entry.id: entry.source for entry in audit.lists}
    assert {name: sources.get(name) for name in REQUIRED_LISTS} == REQUIRED_LISTS
    for name in REQUIRED_LISTS:
        assert len(audit.items_of(name)) >= 3, f"{name} has hardly any items"


def test_the_gaps_the_audit_found_are_closed_by_rules(kb) -> None:
    audit = coverage.load(knowledge.default_directory())
    covering = {rule for item in audit.items for rule in item.covered_by}
    assert {
        "WALKING-DIFFICULTY",
        "STRAINING-PAIN",
        "CHILD-YOUNG",
        "CHILD-NERVE",
        "SHINGLES-ANTIVIRAL",
        "FIRST-EPISODE-OLDER",
    } <= covering
    assert covering <= set(kb.rules_by_id)


def test_an_unknown_rule_or_source_is_named_with_the_item(rules_copy: Path) -> None:
    edit(
        rules_copy,
        "covered_by: [CES-SADDLE]\n  - id: CKS-LBP-AGE",
        "covered_by: [CES-SADLE]\n  - id: CKS-LBP-AGE",
    )
    edit(
        rules_copy,
        'source: NICE-CG75\n    title: "NICE CG75: neurological',
        'source: NICE-CG57\n    title: "NICE CG75: neurological',
    )
    problems = [str(p) for p in coverage.check(rules_copy)]
    assert any("[CKS-LBP-SADDLE]" in p and "unknown rule id 'CES-SADLE'" in p for p in problems)
    assert any("[CG75-MSCC]" in p and "unknown source id 'NICE-CG57'" in p for p in problems)
    assert all(p.startswith("coverage.yaml") for p in problems)


def test_an_item_needs_rules_or_a_reason_but_not_both(rules_copy: Path) -> None:
    edit(
        rules_copy,
        "    covered_by: [TRAUMA-MAJOR]\n  - id: NHS-BACK-URGENT-FEVER",
        "  - id: NHS-BACK-URGENT-FEVER",
    )
    edit(
        rules_copy,
        "    covered_by: [COPING]\n",
        "    covered_by: [COPING]\n    not_covered: because\n",
    )
    problems = [str(p) for p in coverage.check(rules_copy)]
    assert any("[NHS-BACK-999-ACCIDENT]" in p and "not_covered" in p for p in problems)
    assert any("[NHS-BACK-GP-COPING]" in p and "not both" in p for p in problems)


def test_unknown_keys_duplicates_empty_lists_and_unknown_lists(rules_copy: Path) -> None:
    edit(rules_copy, "  - id: CG75-SIGNS\n", "  - id: CG75-SIGNS\n    reviewed: yes\n")
    edit(rules_copy, "  - id: CHILD-AGE-DURATION\n", "  - id: CHILD-AGE-UNDER-16\n")
    edit(
        rules_copy,
        "lists:\n",
        "lists:\n  - id: EMPTY\n    source: NHS-BACK-PAIN\n    title: nothing yet\n",
    )
    edit(
        rules_copy,
        "    list: NHS-BACK-GP\n    item: Pain that stops",
        "    list: NHS-GP\n    item: Pain that stops",
    )
    problems = [str(p) for p in coverage.check(rules_copy)]
    assert any("[CG75-SIGNS]" in p and "reviewed" in p for p in problems)
    assert any("[CHILD-AGE-UNDER-16]" in p and "duplicate item id" in p for p in problems)
    assert any("[EMPTY]" in p and "no items" in p for p in problems)
    assert any(
        "[NHS-BACK-GP-DAILY-LIFE]" in p and "unknown list id 'NHS-GP'" in p for p in problems
    )


def test_a_missing_or_broken_file_is_one_problem_on_one_line(rules_copy: Path) -> None:
    path = rules_copy / coverage.FILE
    path.write_text("lists: [\n  items: : :\n", encoding="utf-8")
    (problem,) = coverage.check(rules_copy)
    assert "cannot be read" in str(problem) and "\n" not in str(problem)
    path.unlink()
    assert [str(p) for p in coverage.check(rules_copy)] == ["coverage.yaml: file is missing"]
    with pytest.raises(knowledge.KnowledgeError):
        coverage.load(rules_copy)


def test_ids_of_broken_rule_files_are_not_checked_twice(rules_copy: Path) -> None:
    # A broken rules.yaml is the knowledge check's problem; the audit does not add hundreds.
    (rules_copy / "rules.yaml").write_text("rules: [", encoding="utf-8")
    assert coverage.check(rules_copy) == []


def test_a_renamed_rule_is_one_problem_naming_every_item_that_cites_it(rules_copy: Path) -> None:
    path = rules_copy / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("- id: CES-SADDLE\n", "- id: CES-SADDLE-AREA\n"), encoding="utf-8")
    (problem,) = [str(p) for p in coverage.check(rules_copy)]
    assert problem.startswith("coverage.yaml [NG234-SENSORY-LOSS]: unknown rule id 'CES-SADDLE'")
    assert "NHS-BACK-999-SADDLE" in problem


def test_a_path_that_is_not_a_directory_is_left_to_the_knowledge_check(tmp_path: Path) -> None:
    assert coverage.check(tmp_path / "nothing") == []
