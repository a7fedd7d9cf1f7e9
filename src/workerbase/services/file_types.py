"""What type an uploaded file is, decided by its bytes.

Binary formats have magic numbers. The text formats (plain, Markdown, CSV, JSON) do not: the bytes decide
that a file is text (UTF-8, no control characters, not starting like HTML, XML or SVG), and the
client's word (Content-Type, then the file name's extension) picks among the text types the bytes can be;
JSON only if it parses. A claim the bytes contradict is a mismatch.
"""

from __future__ import annotations

import json
import re

from workerbase.errors import WorkerbaseError
from workerbase.frozen import Frozen
from workerbase.media_types import EXTENSIONS

_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
# Text the client may call plain, Markdown or CSV: the bytes cannot tell these apart.
PROSE_TYPES = ("text/plain", "text/markdown", "text/csv")
# Names clients use for the same types.
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "text/x-markdown": "text/markdown"}
# Claims that say nothing about the type.
_NO_CLAIM = {
    "",
    "application/octet-stream",
    "binary/octet-stream",
    "application/unknown",
    "application/x-www-form-urlencoded",  # what curl sends with --data-binary unless told otherwise
}
# Text that begins like markup (a tag, `<!...`, `<?...`) is HTML, XML or SVG to a browser or an OS,
# whatever else follows: never stored as text.
_MARKUP_START = re.compile(r"<[A-Za-z!?/]")
# Control characters no text file has (tab, newlines and form feed are fine).
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class UnsupportedFileType(WorkerbaseError):
    status = 415
    code = "unsupported_file_type"
    title = "This type of file is not accepted"
    public_detail = True


class FileTypeMismatch(WorkerbaseError):
    status = 415
    code = "file_type_mismatch"
    title = "The file's content is not of the type it was sent as"
    public_detail = True


class Claim(Frozen):
    """What the client said the file is."""

    content_type: str | None
    filename: str | None

    def types(self) -> list[str]:
        claimed = []
        if self.content_type is not None:
            media_type = self.content_type.split(";", 1)[0].strip().lower()
            media_type = _ALIASES.get(media_type, media_type)
            if media_type not in _NO_CLAIM:
                claimed.append(media_type)
        if self.filename and "." in self.filename:
            by_extension = EXTENSIONS.get(self.filename.rsplit(".", 1)[1].lower())
            if by_extension is not None:
                claimed.append(by_extension)
        return claimed


def decide_type(data: bytes, claim: Claim, *, allowed: tuple[str, ...], on_mismatch: str) -> str:
    """The type to store `data` as; raises UnsupportedFileType or FileTypeMismatch (415)."""
    claimed = claim.types()
    possible = _possible_types(data, claimed)
    if not possible:
        raise UnsupportedFileType(f"the content is none of the accepted types ({', '.join(allowed)})")
    agreeing = [content_type for content_type in claimed if content_type in possible]
    contradicting = [content_type for content_type in claimed if content_type not in possible]
    chosen = agreeing[0] if agreeing else possible[0]
    if contradicting and on_mismatch == "refuse":
        raise FileTypeMismatch(f"the content is {chosen}, but it was sent as {contradicting[0]}")
    if chosen not in allowed:
        raise UnsupportedFileType(f"{chosen} is not accepted (accepted: {', '.join(allowed)})")
    return chosen


def _possible_types(data: bytes, claimed: list[str]) -> list[str]:
    """The types the bytes can be, the most likely first; empty if none we know."""
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return [content_type]
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ["image/webp"]
    text = _as_text(data)
    if text is None:
        return []
    # Parsing is the only proof of JSON; it is tried only when JSON is claimed or nothing is.
    if ("application/json" in claimed or not claimed) and _is_json(text):
        return ["application/json", *PROSE_TYPES]
    return list(PROSE_TYPES)


def _as_text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if _BINARY_CONTROLS.search(text):
        return None
    if _MARKUP_START.match(text.lstrip()):
        return None
    return text


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
