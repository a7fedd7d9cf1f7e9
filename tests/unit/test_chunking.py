"""The recursive splitter: chunks within their size, in order, overlapping, whole paragraphs kept whole."""

from __future__ import annotations

import itertools
import re

import pytest

from workerbase.services.chunking import split

PARAGRAPHS = [
    "Harbors shelter ships from waves. Most have a breakwater and a quay.",
    "Lighthouses mark the way in. Their lights have patterns of their own, so sailors can tell them apart.",
    "Tides raise and lower the water twice a day; a harbor must be deep enough at low tide.",
]


def test_short_paragraphs_are_packed_whole_into_chunks() -> None:
    text = "\n\n".join(PARAGRAPHS)
    assert split(text, 2000, 100) == [text]
    chunks = split(text, 180, 40)
    assert all(len(chunk) <= 180 for chunk in chunks)
    assert chunks[0].startswith(PARAGRAPHS[0])


@pytest.mark.parametrize(("size", "overlap"), [(200, 50), (500, 100), (1000, 0), (80, 30)])
def test_every_word_is_in_a_chunk_in_order_and_chunks_overlap(size: int, overlap: int) -> None:
    words = [f"word{i}" for i in range(2000)]
    text = ". ".join(" ".join(words[i : i + 13]) for i in range(0, len(words), 13))
    chunks = split(text, size, overlap)
    assert all(len(chunk) <= size for chunk in chunks)
    seen = [w for chunk in chunks for w in re.findall(r"word\d+", chunk)]
    assert list(dict.fromkeys(seen)) == words  # every word, in order (overlaps repeat some)
    if overlap:
        for before, after in itertools.pairwise(chunks):
            assert re.findall(r"word\d+", after)[0] in before  # the next one starts inside this one


def test_a_word_longer_than_a_chunk_is_cut_and_whitespace_gives_nothing() -> None:
    assert split("x" * 250, 100, 10) == ["x" * 90, "x" * 100, "x" * 80]  # each after the first overlaps
    assert split(" \n\n \t", 100, 10) == []
    with pytest.raises(ValueError):
        split("text", 100, 60)
