"""The types a stored file can be, and the file-name extensions that name them.

One table below both `config` (which types uploads may be: FILE_TYPES) and `services.file_types` (what
type the bytes are, what the name claims) and `services.file_names` (the extension a stored name ends in).
"""

from __future__ import annotations

from typing import Literal

FileType = Literal[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/markdown",
    "text/csv",
    "application/json",
]
# Each extension and the type it names. A type's first extension is the one stored names get. A type is
# recognised (and can be allowed in FILE_TYPES) when it is here and `services.file_types` detects it.
EXTENSIONS: dict[str, FileType] = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "text": "text/plain",
    "md": "text/markdown",
    "markdown": "text/markdown",
    "csv": "text/csv",
    "json": "application/json",
}
# The types uploads can be, in the table's order: the values FILE_TYPES may list, and its default.
FILE_TYPES: tuple[FileType, ...] = tuple(dict.fromkeys(EXTENSIONS.values()))


_TEXT_TYPES = ("application/json", "application/xml", "application/x-ndjson", "application/yaml")


def is_text(media_type: str) -> bool:
    """Whether content of this type is text to read (for the model, for retrieval), not bytes."""
    base = media_type.split(";")[0].strip().lower()
    return base.startswith("text/") or base in _TEXT_TYPES or base.endswith(("+json", "+xml"))
