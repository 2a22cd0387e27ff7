"""The German knowledge texts (rules/de/) read as German patient information: no English left in
them, the German emergency number (112) wherever the English names emergency numbers, no UK or
US services, the formal "Sie", and the drawing's letters where the English has them."""

from __future__ import annotations

import re

import pytest

from triage import knowledge, translations
from triage.knowledge import KnowledgeBase

# Words that are English and never German: one of them in a German text is a leftover (or an
# untranslated sentence). Words that are both ("also", "so", "in", "will", "was") are not here.
ENGLISH_WORDS = {
    "the", "and", "you", "your", "with", "pain", "doctor", "should", "call", "if", "have",
    "this", "that", "when", "what", "or", "of", "to", "not", "worse", "better", "leg", "legs",
    "help", "yes", "sure", "back", "chest", "breath", "emergency", "weeks", "days", "hospital",
    "get", "go", "see", "feel", "can", "does", "do", "is", "are", "it", "for", "from", "at",
    "on", "by", "any", "more", "new", "numbness", "tingling", "bladder", "bowel",
    "saddle", "spine", "stiffness", "sciatica", "warning", "signs", "which", "where", "how",
    "urgent", "soon", "self", "care", "number", "today", "week", "tummy", "bottom", "thigh",
}  # fmt: skip
INFORMAL = {"du", "dich", "dir", "dein", "deine", "deinen", "deinem", "deiner", "deines"}
UK_AND_US = ("999", "911", "A&E", "NHS 111", " GP", "111 online")
WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")  # filled in by the tool ({signs}), kept as written
# Texts that may read the same in both languages (words both use).
SAME_IN_BOTH = {("questions.yaml", "osteoporosis", "short")}


@pytest.fixture(scope="module")
def texts(kb: KnowledgeBase) -> list[translations.Slot]:
    directory = knowledge.default_directory()
    german, problems = knowledge._translation(directory, "de", kb)
    assert problems == []
    return [slot for slot in translations.slots(kb, german) if slot[3] is not None]


def where(slot: translations.Slot) -> str:
    file, item, field, _, _ = slot
    return f"de/{file} [{item or '-'}] {field}"


def test_no_english_words_are_left_in_the_german_texts(texts) -> None:
    leftovers = {
        where(slot): sorted(found)
        for slot in texts
        if slot[2] != "picture"
        for found in [
            {
                w
                for w in WORD.findall(PLACEHOLDER.sub("", slot[4] or ""))
                if w.lower() in ENGLISH_WORDS
            }
        ]
        if found
    }
    assert leftovers == {}


def test_placeholders_are_kept_in_german(texts) -> None:
    changed = {
        where(slot): (
            sorted(set(PLACEHOLDER.findall(slot[3] or ""))),
            sorted(set(PLACEHOLDER.findall(slot[4] or ""))),
        )
        for slot in texts
        if set(PLACEHOLDER.findall(slot[3] or "")) != set(PLACEHOLDER.findall(slot[4] or ""))
    }
    assert changed == {}


def test_the_word_list_finds_english(kb) -> None:
    """The check above can fail: every English question text has words from the list."""
    for question in kb.questions:
        assert any(w.lower() in ENGLISH_WORDS for w in WORD.findall(question.text)), question.id


def test_every_german_text_differs_from_the_english(texts) -> None:
    same = [where(s) for s in texts if s[3] == s[4] and s[:3] not in SAME_IN_BOTH]
    assert same == []


def test_german_texts_give_112_wherever_the_english_gives_emergency_numbers(texts) -> None:
    numbered = [slot for slot in texts if "999" in slot[3] or "emergency number" in slot[3]]
    assert len(numbered) >= 10
    assert [where(s) for s in numbered if "112" not in (s[4] or "")] == []


def test_german_texts_name_no_uk_or_us_services(texts) -> None:
    found = [(where(s), name) for s in texts for name in UK_AND_US if name in (s[4] or "")]
    assert found == []


def test_the_emergency_headline_and_first_advice_put_112_first(kb) -> None:
    german = knowledge.load(language="de")
    assert "112" in german.info.levels["emergency"].headline
    emergency = german.advice["now-emergency"]
    assert "112" in emergency.title and "Notruf 112" in emergency.text.split(".")[0]


def test_german_texts_say_sie_never_du(texts) -> None:
    informal = [where(s) for s in texts if INFORMAL & {w.lower() for w in WORD.findall(s[4] or "")}]
    assert informal == []


def test_the_german_words_of_the_guidelines_are_used() -> None:
    german = knowledge.load(language="de")
    assert "Reithosenbereich" in german.questions_by_id["saddle_numbness"].short
    assert "Ischias" in german.questions_by_id["radiation"].choices[1].help
    assert "Bereitschaftsdienst" in german.advice["now-urgent"].text
    assert "116 117" in german.advice["now-urgent"].text


def test_the_german_drawing_keeps_the_letters_of_the_choices(kb) -> None:
    german = knowledge.load(language="de")
    english_picture = kb.questions_by_id["location"].picture or ""
    german_picture = german.questions_by_id["location"].picture or ""
    # The caption (first line) is in words; the drawing below it is the same, letter for letter.
    assert german_picture.splitlines()[1:] == english_picture.splitlines()[1:]
    assert german_picture.splitlines()[0] != english_picture.splitlines()[0]
