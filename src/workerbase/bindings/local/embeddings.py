"""The local runtime's embedding model: WordLlama (PyPI `wordllama`), whose 256-dimension weights and
tokenizer ship inside the wheel, so it embeds offline, on CPU, in well under a millisecond per text.
Its vectors are not those of a Workers AI or OpenAI model: an index is for one model (`model` names it),
and moving a deployment's knowledge to another model re-embeds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workerbase.ports import check_texts

MODEL = "wordllama-l2-supercat-256"
DIMENSIONS = 256


class LocalEmbedder:
    def __init__(self) -> None:
        self._model: Any = None  # loaded on first use (about 0.1 s): a run that never embeds never loads it

    @property
    def model(self) -> str:
        return MODEL

    @property
    def dimensions(self) -> int:
        return DIMENSIONS

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        check_texts(texts)
        if not texts:
            return []
        vectors = self._loaded().embed(list(texts), norm=True)
        return [[float(value) for value in vector] for vector in vectors]

    def _loaded(self) -> Any:
        if self._model is None:
            import wordllama

            # The wheel's own files: never a download (wordllama would fetch what it cannot find).
            self._model = wordllama.WordLlama.load(
                cache_dir=Path(wordllama.__file__).parent, disable_download=True, dim=DIMENSIONS
            )
        return self._model
