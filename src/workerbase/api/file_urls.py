"""Absolute, signed URLs of file contents, for file bodies and for the `file` parts of messages."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request

from workerbase.api.deps import NowDep, PlatformDep
from workerbase.services.file_links import SignedLink
from workerbase.services.files import FileService


async def get_file_service(platform: PlatformDep, now: NowDep) -> FileService:
    return FileService(platform.db, platform.files, platform.crypto, platform.settings, now)


FileServiceDep = Annotated[FileService, Depends(get_file_service)]


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
        return [
            {**part, "url": self.content(owner_id, part["fileId"])[0]}
            if part.get("type") == "file" and _is_uuid(part.get("fileId"))
            else part
            for part in parts
        ]


async def get_file_urls(request: Request, service: FileServiceDep) -> FileUrls:
    return FileUrls(request, service)


FileUrlsDep = Annotated[FileUrls, Depends(get_file_urls)]


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True
