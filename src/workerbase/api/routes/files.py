"""`/v1/files`: uploads into R2, the caller's file list, downloads, signed links."""

from typing import Annotated, Self
from uuid import UUID

from fastapi import Query, Request, Response, status
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import (
    FileServiceDep,
    FileUrlsDep,
    NowDep,
    PageDep,
    PrincipalDep,
    ServicesDep,
    get_principal,
)
from workerbase.api.downloads import (
    INLINE_TYPES,
    StreamResponse,
    content_headers,
    etag_matches,
    requested_range,
    sized,
)
from workerbase.api.file_urls import FileUrls
from workerbase.errors import InvalidArgument
from workerbase.records import FileRecord
from workerbase.services.file_links import MAX_LINK_SECONDS, SignedLink
from workerbase.services.file_names import content_disposition
from workerbase.services.file_types import Claim
from workerbase.services.files import FileTooLarge

router = DeferredRouter(prefix="/files", tags=["files"])


class FileOut(BaseModel):
    id: str
    url: str = Field(
        description="Signed link to the content, for `<img src>`; expires (see FILE_LINK_TTL_SECONDS)."
    )
    download_url: str = Field(description="The same content as an attachment.")
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: str

    @classmethod
    def of(cls, record: FileRecord, urls: FileUrls) -> Self:
        url, _ = urls.content(record.user_id, record.id)
        return cls(
            id=record.id,
            url=url,
            download_url=f"{url}&download=1",
            filename=record.filename,
            content_type=record.content_type,
            size=record.size,
            sha256=record.sha256,
            created_at=record.created_at,
        )


class FilePage(BaseModel):
    items: list[FileOut]
    next_cursor: str | None


class LinkIn(BaseModel):
    expires_in: int = Field(default=3600, ge=1, le=MAX_LINK_SECONDS, description="Seconds, at most 7 days.")


class LinkOut(BaseModel):
    url: str
    download_url: str
    expires_at: int = Field(description="Unix seconds.")


# The route reads the body itself (multipart or raw), so FastAPI cannot see it: documented here.
_UPLOAD_BODY = {
    "required": True,
    "description": "Multipart with the file in the field `file`, or the raw bytes with their `Content-Type` "
    "(and the name in `?filename=`).",
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        "*/*": {"schema": {"type": "string", "format": "binary"}},
    },
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    # Starlette's form parser refuses a multipart body it cannot read (no parts, a part without a name)
    # with a plain 400, which the problem handlers turn into `bad_request`.
    responses={400: {"description": "`bad_request`: the multipart body is malformed"}},
)
async def upload_file(
    request: Request,
    principal: PrincipalDep,
    service: FileServiceDep,
    urls: FileUrlsDep,
    filename: Annotated[str | None, Query(max_length=1024)] = None,
) -> FileOut:
    """Multipart (field `file`) or a raw body with `Content-Type` and `?filename=`. The bytes decide the
    type. Two D1 round trips around one R2 put (see FileService.upload)."""
    content_type = request.headers.get("content-type", "")
    multipart = content_type.lower().startswith("multipart/form-data")
    declared = request.headers.get("content-length", "")
    if not multipart and declared.isdigit() and int(declared) > service.max_file_bytes:
        raise FileTooLarge(service.max_file_bytes)  # refused before reading the body
    # (Any request over MAX_FILE_BYTES + 64 KiB, multipart or not, is a 413 from the body limit first.)
    if multipart:
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidArgument("the multipart form needs a file in the field `file`")
            data = await upload.read()
            claim = Claim(upload.content_type, upload.filename)
    else:
        data = await request.body()
        claim = Claim(content_type or None, filename)
    return FileOut.of(await service.upload(principal.user_id, data, claim), urls)


@router.get("")
async def list_files(
    principal: PrincipalDep, service: FileServiceDep, urls: FileUrlsDep, page: PageDep
) -> FilePage:
    """Newest first. One D1 round trip."""
    items, next_cursor = await service.page(principal.user_id, page.cursor, page.limit)
    return FilePage(items=[FileOut.of(item, urls) for item in items], next_cursor=next_cursor)


@router.get("/{file_id}")
async def get_file(
    file_id: UUID, principal: PrincipalDep, service: FileServiceDep, urls: FileUrlsDep
) -> FileOut:
    """One D1 round trip."""
    return FileOut.of(await service.get(principal.user_id, str(file_id)), urls)


@router.delete("/{file_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_file(file_id: UUID, principal: PrincipalDep, service: FileServiceDep) -> Response:
    """Removes the file and its object: one D1 round trip and one R2 delete."""
    await service.delete(principal.user_id, str(file_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{file_id}/links", status_code=status.HTTP_201_CREATED)
async def create_link(
    file_id: UUID,
    principal: PrincipalDep,
    service: FileServiceDep,
    urls: FileUrlsDep,
    body: LinkIn | None = None,
) -> LinkOut:
    """A signed URL that serves the content without auth until it expires. One D1 round trip."""
    record = await service.get(principal.user_id, str(file_id))
    url, link = urls.content(record.user_id, record.id, (body or LinkIn()).expires_in)
    return LinkOut(url=url, download_url=f"{url}&download=1", expires_at=link.expires)


@router.head("/{file_id}/content", include_in_schema=False)
@router.get("/{file_id}/content", name="file_content", response_class=Response)
async def file_content(
    file_id: UUID,
    request: Request,
    services: ServicesDep,
    now: NowDep,
    expires: Annotated[int | None, Query()] = None,
    signature: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{43}$")] = None,
    download: Annotated[bool, Query()] = False,
) -> Response:
    """The bytes: with a bearer token, or with a signed link's `expires` and `signature` (no auth).
    `Range` (one range) gives 206, `If-None-Match` 304; HEAD answers from D1 alone. One D1 round trip;
    the R2 body is streamed."""
    if signature is not None or expires is not None:
        if signature is None or expires is None:
            raise InvalidArgument("a signed link needs both `expires` and `signature`")
        link = SignedLink(expires, signature)
        record = await services.files.get_by_link(str(file_id), link)
        cache_control = f"private, max-age={max(0, min(expires - int(now.timestamp()), 86_400))}"
    else:
        principal = await get_principal(request)
        record = await services.files.get(principal.user_id, str(file_id))
        cache_control = "private, no-cache"
    etag = f'"{record.sha256}"'
    inline = record.content_type in INLINE_TYPES and not download
    disposition = content_disposition("inline" if inline else "attachment", record.filename)
    headers = content_headers(record.content_type, disposition, etag, cache_control)
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    byte_range = requested_range(
        request.headers.get("range"), request.headers.get("if-range"), etag, record.size
    )
    status_code, headers = sized(headers, byte_range, record.size)
    if request.method == "HEAD":
        return Response(status_code=status_code, headers=headers)
    return StreamResponse(await services.files.open_content(record, byte_range), status_code, headers)
