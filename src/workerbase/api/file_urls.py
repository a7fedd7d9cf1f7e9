"""Absolute, signed URLs of file contents, for file bodies and for the `file` parts of messages."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from workerbase.ids import canonical_uuid
from workerbase.services.file_links import SignedLink
from workerbase.services.files import FileService


class FileUrls:
    def __init__(self, request: Request, service: FileService) -> None:
        self._request = request
        self._service = service

    def content(self, owner_id: str, file_id: str, expires_in: int | None = None) -> tuple[str, SignedLink]:
        """The inline URL (`&download=1` makes it an attachment) and its link."""
        link = self._service.link(owner_id, file_id, expires_in)
        url = self._request.url_for("file_content", file_id=file_id)
        return f"{url}?{link.query()}", link

    def resolve_parts(self, owner_id: str, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`file` parts that name one of the owner's files by `fileId` get a fresh `url` to it (a link
        signed for the owner: a `fileId` of someone else's file yields a link that does not open)."""
        resolved = []
        for part in parts:
            file_id = canonical_uuid(part.get("fileId")) if part.get("type") == "file" else None
            resolved.append(part if file_id is None else {**part, "url": self.content(owner_id, file_id)[0]})
        return resolved
