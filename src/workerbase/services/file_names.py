"""File names: what we keep of the client's name, and how a download names the file again."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from workerbase.media_types import EXTENSIONS

MAX_NAME_CHARS = 200
_PATH_SEPARATORS = re.compile(r"[/\\]")
_DEFAULT_EXTENSION: dict[str, str] = {
    content_type: extension for extension, content_type in reversed(EXTENSIONS.items())
}


def sanitise_filename(name: str | None, content_type: str) -> str:
    """The last path component, NFC, without control or format characters (no bidi overrides that make
    `exe.png` look like `png.exe`), no leading dots, at most 200 characters with the extension kept,
    ending in an extension of its type (`run.bat` stored as text is `run.bat.txt`: a downloaded file must
    not open as something else); `file.<ext>` if nothing is left. Kept only as metadata: keys are the
    server's."""
    base = _PATH_SEPARATORS.split(name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(char for char in base if unicodedata.category(char)[0] != "C").strip().lstrip(".").strip()
    if not base:
        return f"file.{_DEFAULT_EXTENSION[content_type]}"
    if EXTENSIONS.get(base.rpartition(".")[2].lower()) != content_type or "." not in base:
        base = f"{base}.{_DEFAULT_EXTENSION[content_type]}"
    if len(base) > MAX_NAME_CHARS:
        stem, dot, extension = base.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            base = stem[: MAX_NAME_CHARS - len(extension) - 1] + "." + extension
        else:
            base = base[:MAX_NAME_CHARS]
    return base


def content_disposition(disposition: str, filename: str) -> str:
    """RFC 6266: an ASCII `filename` for old clients and the exact name as UTF-8 in `filename*`."""
    fallback = "".join(char if 32 <= ord(char) < 127 and char not in '"\\' else "_" for char in filename)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
