"""Text from files and input made safe to print: the one escaping function every printer uses.

Anything a file can carry (rule titles and ids, advice texts, the welcome text, file names,
values in answers files and saved documents) may hold control characters. An escape sequence
would take over the terminal; a newline would turn one message into several lines. `one_line`
writes every character that is not printable (C0 and C1 controls, DEL, line and paragraph
separators, format characters such as bidirectional overrides) as a visible Python escape
(`\\x1b`, `\\n`, `\\u202e`) and cuts long values, so what is printed is always one line of
visible characters.
"""

from __future__ import annotations

CUT = "..."


def one_line(value: object, limit: int | None = None) -> str:
    """`value` as one line of printable characters, at most `limit` characters long (with
    "..." at the end when it was cut)."""
    text = str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit + 1]  # enough to know it was cut; escaping only makes it longer
    if not text.isprintable():
        text = "".join(c if c.isprintable() else _escaped(c) for c in text)
    if limit is not None and len(text) > limit:
        return text[: max(limit - len(CUT), 0)] + CUT
    return text


def prose(value: object, limit: int | None = None) -> str:
    """Running text (a YAML paragraph may span several lines) as one line of words: each run
    of white space becomes one space, and anything else that is not printable is escaped."""
    return one_line(" ".join(str(value).split()), limit)


def _escaped(character: str) -> str:
    return repr(character)[1:-1]  # '\x1b' -> \x1b, '\n' -> \n, '\u202e' -> \u202e


def json_visible(text: str) -> str:
    """JSON text with every character that is not printable (other than the line breaks
    between its lines) written as a JSON escape (`\\u009b`). JSON escapes C0 controls itself,
    but not C1 controls, DEL, line separators or bidirectional overrides; such characters can
    only stand inside JSON strings, where the escape means the very same character, so the data
    read back is unchanged and the terminal that shows it sees only visible characters."""
    if text.isprintable() or all(c.isprintable() or c == "\n" for c in text):
        return text
    return "".join(c if c.isprintable() or c == "\n" else f"\\u{ord(c):04x}" for c in text)
