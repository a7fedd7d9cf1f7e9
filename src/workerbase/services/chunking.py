"""Splitting a source's text into chunks for retrieval: a recursive splitter. The text is cut at the
largest boundary that makes pieces small enough (paragraphs, then lines, then sentences, then words, then
anywhere), and the pieces are packed into chunks of at most `max_chars`, each starting with the last
`overlap_chars` (or fewer, at a word boundary) of the one before, so a passage cut in two is whole in one
of them. Characters, not tokens: a token is about 4 characters of English (README: Knowledge).
"""

from __future__ import annotations

import re

SEPARATORS = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ")


def split(text: str, max_chars: int, overlap_chars: int) -> list[str]:
    """The chunks of `text`, in order; none for a text that is only whitespace."""
    if not 0 <= overlap_chars < max_chars // 2:
        raise ValueError("the overlap must be less than half a chunk")
    text = re.sub(r"\n{3,}", "\n\n", text.replace("\r\n", "\n")).strip()
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, max_chars - overlap_chars, SEPARATORS):
        if current and len(current) + len(piece) > max_chars:
            chunks.append(current.strip())
            current = _tail(current, overlap_chars)
        current += piece
    if current.strip():
        chunks.append(current.strip())
    return [chunk for chunk in chunks if chunk]


def _pieces(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    """`text` cut into pieces of at most `limit` characters, each keeping the separator that ended it."""
    if len(text) <= limit:
        return [text] if text else []
    for index, separator in enumerate(separators):
        if separator in text:
            parts = [part + separator for part in text.split(separator)]
            parts[-1] = parts[-1][: -len(separator)]
            pieces: list[str] = []
            for part in parts:
                pieces += [part] if len(part) <= limit else _pieces(part, limit, separators[index + 1 :])
            return pieces
    return [text[start : start + limit] for start in range(0, len(text), limit)]


def _tail(chunk: str, overlap_chars: int) -> str:
    """The end of a chunk that the next one starts with: whole words, at most `overlap_chars`."""
    if overlap_chars == 0:
        return ""
    tail = chunk[-overlap_chars:]
    space = tail.find(" ")
    return tail[space + 1 :] if 0 <= space < len(tail) - 1 else tail
