"""The smaller findings of issue #18, each with its reproduction."""

from __future__ import annotations

import json

import pytest

from triage.cli import main

ANSWERS = {"schema_version": 1, "age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}


@pytest.mark.parametrize("created", ["0001-01-01T00:00:00", "0001-01-01T00:59:59"])
@pytest.mark.parametrize(
    "command",
    [["fhir", "{}", "--result"], ["assess", "{}", "--format", "markdown"]],
    ids=["fhir", "markdown"],
)
def test_a_saved_date_at_the_ends_of_time_is_refused_not_a_crash(
    capsys, tmp_path, created, command
) -> None:
    path = tmp_path / "saved.json"
    assert main(["assess", _answers(tmp_path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    metadata = {"tool": "triage", "document_version": 1, "created": created}
    path.write_text(json.dumps({"answers": ANSWERS, "result": result, "metadata": metadata}))
    assert main([str(path) if arg == "{}" else arg for arg in command]) == 2
    err = capsys.readouterr().err
    assert "metadata.created" in err and "Traceback" not in err and err.count("\n") == 1


def _answers(tmp_path) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(ANSWERS))
    return str(path)


def test_a_batch_line_cut_mid_object_names_the_column_where_it_ends(capsys, tmp_path) -> None:
    text = json.dumps(ANSWERS)[:-1]  # the closing brace lost
    path = tmp_path / "lines.jsonl"
    path.write_text(text + "\n")
    assert main(["assess", "--batch", str(path)]) == 2
    (line,) = capsys.readouterr().out.splitlines()
    assert f"column {len(text) + 1}" in json.loads(line)["error"]


def test_a_resume_files_unknown_key_lists_the_resume_files_fields(tmp_path, kb) -> None:
    from triage import session
    from triage.errors import InputError

    path = tmp_path / "triage-resume.json"
    path.write_text(json.dumps({"resume": 1, "answers": {"age": 40}, "answer": {}}))
    with pytest.raises(InputError) as caught:
        session.load_resume(str(path), kb)
    message = caught.value.message()
    assert "allowed fields: resume, answers, metadata" in message, message
    assert "did you mean 'answers'?" in message


def test_resume_from_standard_input_is_refused(capsys) -> None:
    assert main(["quiz", "--resume", "-"]) == 2
    err = capsys.readouterr().err
    assert "--resume -" in err and err.count("\n") == 1


def test_a_long_valid_save_name_is_written(tmp_path) -> None:
    """250 characters is a valid name; the temporary name used while writing must fit too."""
    from triage import files

    path = tmp_path / ("a" * 245 + ".json")
    assert files.write_atomic(path, "{}\n") == path
    assert path.read_text() == "{}\n" and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_binary_data_ends_a_batch_at_once(capsys, tmp_path) -> None:
    """`--batch /dev/zero` (through standard input: a device by name is refused) never ended."""
    path = tmp_path / "zeros.jsonl"
    path.write_bytes(b"\0" * 3_000_000)
    assert main(["assess", "--batch", str(path)]) == 2
    assert "NUL bytes" in capsys.readouterr().err


def test_too_many_values_without_aliases_does_not_blame_aliases(tmp_path) -> None:
    from triage.yamlfile import MAX_NODES, YamlProblem, read_yaml

    path = tmp_path / "x.yaml"
    path.write_text("a: [" + ",".join(["1"] * (MAX_NODES + 1)) + "]\n")
    with pytest.raises(YamlProblem) as caught:
        read_yaml(path)
    assert "too many values" in str(caught.value) and "alias" not in str(caught.value)


def test_an_unknown_lang_is_refused_wholly_in_the_environments_language(
    capsys, monkeypatch
) -> None:
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    try:
        assert main(["--lang", "xx", "assess", "x"]) == 2
    finally:
        from triage import i18n

        i18n.use("en")
    err = capsys.readouterr().err
    assert "ist keine Sprache dieses Programms" in err and "Fehler" in err, err
