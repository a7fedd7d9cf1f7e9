"""Files on R2: uploads typed by their bytes, limits and quota, downloads (ranges, ETags, safe headers),
signed links, isolation between users, clean-up, and fault injection on every write step."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.conftest import BASE_URL, Clock, CountingDatabase, bearer, signup, with_platform
from workerbase.bootstrap import run_maintenance
from workerbase.config import FileSettings, Settings
from workerbase.errors import BindingUnavailable
from workerbase.platform import Platform
from workerbase.ports import Statement

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(200)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
MAX_FILE_BYTES = 300_000
QUOTA = 1_000_000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, files=FileSettings(max_file_bytes=MAX_FILE_BYTES, storage_quota_bytes=QUOTA))


async def upload(
    api: httpx.AsyncClient, who: dict[str, str], data: bytes, name: str = "photo.png", kind: str = "image/png"
) -> httpx.Response:
    return await api.post("/v1/files", files={"file": (name, data, kind)}, headers=who)


async def uploaded(
    api: httpx.AsyncClient, who: dict[str, str], data: bytes = PNG, **kw: Any
) -> dict[str, Any]:
    response = await upload(api, who, data, **kw)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def relative(url: str) -> str:
    assert url.startswith(BASE_URL)
    return url.removeprefix(BASE_URL)


async def objects(platform: Platform, prefix: str = "users/") -> list[str]:
    return [info.key for info in (await platform.files.list(prefix=prefix)).objects]


async def rows(platform: Platform, sql: str) -> list[dict[str, Any]]:
    return [dict(row) for row in (await platform.db.query(sql)).rows]


async def test_upload_multipart_and_raw_then_list_read_download(
    api: httpx.AsyncClient, ada: dict[str, str], db: CountingDatabase, platform: Platform, clock: Clock
) -> None:
    db.round_trips = 0
    first = await uploaded(api, ada, PNG, name="../../etc/Ca\u202efé.png")
    assert db.round_trips == 2
    assert (first["content_type"], first["size"], first["sha256"]) == (
        "image/png",
        len(PNG),
        hashlib.sha256(PNG).hexdigest(),
    )
    assert first["filename"] == "Café.png"  # the path and the bidi override are gone
    assert await objects(platform) == [
        f"users/{(await api.get('/v1/me', headers=ada)).json()['id']}/files/{first['id']}"
    ]
    clock.advance(1)
    raw = await api.post(
        "/v1/files",
        content=b"name,count\nada,1\n",
        params={"filename": "table.csv"},
        headers={**ada, "content-type": "text/csv"},
    )
    assert raw.status_code == 201, raw.text
    assert (raw.json()["content_type"], raw.json()["filename"]) == ("text/csv", "table.csv")

    db.round_trips = 0
    listing = (await api.get("/v1/files", params={"limit": 1}, headers=ada)).json()
    assert [item["id"] for item in listing["items"]] == [raw.json()["id"]]
    rest = (await api.get("/v1/files", params={"cursor": listing["next_cursor"]}, headers=ada)).json()
    assert [item["id"] for item in rest["items"]] == [first["id"]]
    assert rest["next_cursor"] is None
    assert (await api.get(f"/v1/files/{first['id']}", headers=ada)).json()["sha256"] == first["sha256"]
    content = await api.get(f"/v1/files/{first['id']}/content", headers=ada)
    assert db.round_trips == 4
    assert content.status_code == 200
    assert content.content == PNG
    assert content.headers["content-type"] == "image/png"
    assert content.headers["content-length"] == str(len(PNG))
    assert (
        content.headers["content-disposition"]
        == "inline; filename=\"Caf_.png\"; filename*=UTF-8''Caf%C3%A9.png"
    )
    assert content.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in content.headers["content-security-policy"]
    assert content.headers["etag"] == f'"{first["sha256"]}"'
    as_attachment = await api.get(f"/v1/files/{first['id']}/content", params={"download": "1"}, headers=ada)
    assert as_attachment.headers["content-disposition"].startswith("attachment;")
    text = await api.get(f"/v1/files/{raw.json()['id']}/content", headers=ada)
    assert text.headers["content-type"] == "text/csv; charset=utf-8"
    assert text.headers["content-disposition"].startswith("attachment;")  # only images and PDFs inline

    # The upload's links serve the bytes without auth, inline and as an attachment.
    assert (await api.get(relative(first["url"]))).content == PNG
    assert (
        (await api.get(relative(first["download_url"])))
        .headers["content-disposition"]
        .startswith("attachment")
    )
    assert (await api.get(f"/v1/files/{first['id']}/content")).status_code == 401


async def test_the_bytes_decide_the_type(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform
) -> None:
    renamed = await upload(api, ada, PNG, name="report.pdf", kind="application/pdf")
    assert renamed.status_code == 415
    assert renamed.headers["content-type"] == "application/problem+json"
    assert renamed.json()["code"] == "file_type_mismatch"
    assert "image/png" in renamed.json()["detail"]
    html = await upload(api, ada, HTML, name="cat.png", kind="image/png")
    assert (html.status_code, html.json()["code"]) == (415, "unsupported_file_type")
    binary = await upload(api, ada, b"\x00\x01\x02 not text", name="notes.txt", kind="text/plain")
    assert (binary.status_code, binary.json()["code"]) == (415, "unsupported_file_type")
    assert await objects(platform) == []

    by_bytes = {
        "a.jpg": (JPEG, "application/octet-stream", "image/jpeg"),
        "doc.pdf": (PDF, "application/pdf", "application/pdf"),
        "data": (b'{"a": [1, 2]}', "application/octet-stream", "application/json"),
        "notes.md": (b"# Title\n\nSome *text*.", "text/markdown", "text/markdown"),
        "plain": (b"just words", "", "text/plain"),
        "anim.gif": (b"GIF89a" + bytes(20), "image/gif", "image/gif"),
        "pic.webp": (b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(8), "image/webp", "image/webp"),
    }
    for name, (data, claimed, expected) in by_bytes.items():
        stored = await upload(api, ada, data, name=name, kind=claimed)
        assert stored.status_code == 201, (name, stored.text)
        assert stored.json()["content_type"] == expected, name


async def test_mismatches_are_stored_as_detected_when_configured(
    platform: Platform, settings: Settings, clock: Clock
) -> None:
    lenient = replace(
        settings, files=replace(settings.files, type_mismatch="detected", allowed_types=("image/png",))
    )
    app = with_platform(platform, settings=lenient)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as api:
        who = bearer((await signup(api, "ada@example.com"))["access_token"])
        renamed = await upload(api, who, PNG, name="report.pdf", kind="application/pdf")
        assert renamed.status_code == 201
        # Stored as what the bytes are, under a name that opens as that.
        assert (renamed.json()["content_type"], renamed.json()["filename"]) == ("image/png", "report.pdf.png")
        refused = await upload(api, who, PDF, name="doc.pdf", kind="application/pdf")
        assert (refused.status_code, refused.json()["code"]) == (415, "unsupported_file_type")


async def test_size_limits_and_quota(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str], db: CountingDatabase, platform: Platform
) -> None:
    empty = await upload(api, ada, b"")
    assert (empty.status_code, empty.json()["code"]) == (422, "empty_file")
    db.round_trips = 0
    too_big = PNG + bytes(MAX_FILE_BYTES)
    raw = await api.post("/v1/files", content=too_big, headers={**ada, "content-type": "image/png"})
    assert (raw.status_code, raw.json()["code"], raw.json()["max_bytes"]) == (
        413,
        "file_too_large",
        MAX_FILE_BYTES,
    )
    assert db.round_trips == 0  # refused from Content-Length, before reading the body
    multipart = await upload(api, ada, too_big)
    assert (multipart.status_code, multipart.json()["code"]) == (413, "file_too_large")

    near_max = PNG + bytes(MAX_FILE_BYTES - len(PNG))
    ids = [(await uploaded(api, ada, near_max))["id"] for _ in range(3)]  # 900,000 of 1,000,000 bytes
    over = await upload(api, ada, near_max)
    assert over.status_code == 413
    assert over.json()["code"] == "storage_quota_exceeded"
    assert (over.json()["remaining_bytes"], over.json()["quota_bytes"]) == (QUOTA - 3 * MAX_FILE_BYTES, QUOTA)
    assert (await uploaded(api, bob, near_max))["size"] == MAX_FILE_BYTES  # quotas are per user
    assert (await api.delete(f"/v1/files/{ids[0]}", headers=ada)).status_code == 204
    assert (await uploaded(api, ada, near_max))["size"] == MAX_FILE_BYTES
    usage = await rows(
        platform, "SELECT stored_bytes, reserved_bytes FROM storage_usage ORDER BY stored_bytes"
    )
    assert usage == [
        {"stored_bytes": MAX_FILE_BYTES, "reserved_bytes": 0},
        {"stored_bytes": 3 * MAX_FILE_BYTES, "reserved_bytes": 0},
    ]


async def test_ranges(api: httpx.AsyncClient, ada: dict[str, str]) -> None:
    file = await uploaded(api, ada, PNG)
    path, size = f"/v1/files/{file['id']}/content", len(PNG)

    async def get(range_header: str, **headers: str) -> httpx.Response:
        return await api.get(path, headers={**ada, "range": range_header, **headers})

    cases = {
        "bytes=0-0": (0, 0),
        f"bytes={size - 1}-{size - 1}": (size - 1, size - 1),
        "bytes=-5": (size - 5, size - 1),
        f"bytes=-{size + 100}": (0, size - 1),  # a suffix longer than the file is the whole file
        f"bytes=10-{size + 1000}": (10, size - 1),  # an end past the end is clipped
        "bytes=100-": (100, size - 1),
    }
    for header, (first, last) in cases.items():
        response = await get(header)
        assert response.status_code == 206, header
        assert response.content == PNG[first : last + 1], header
        assert response.headers["content-range"] == f"bytes {first}-{last}/{size}", header
        assert response.headers["content-length"] == str(last - first + 1), header
    for unsatisfiable in (f"bytes={size}-", f"bytes={size + 5}-{size + 9}", "bytes=-0"):
        refused = await get(unsatisfiable)
        assert refused.status_code == 416, unsatisfiable
        assert refused.headers["content-range"] == f"bytes */{size}"
        assert refused.json()["code"] == "range_not_satisfiable"
    for ignored in ("bytes=0-1,5-6", "bytes=5-1", "items=0-1", "bytes=abc"):
        whole = await get(ignored)
        assert (whole.status_code, whole.content) == (200, PNG), ignored
    assert (await get("bytes=0-0", **{"if-range": '"stale"'})).status_code == 200
    assert (await get("bytes=0-0", **{"if-range": f'"{file["sha256"]}"'})).status_code == 206


async def test_etag_round_trip(api: httpx.AsyncClient, ada: dict[str, str], db: CountingDatabase) -> None:
    file = await uploaded(api, ada, PNG)
    path = f"/v1/files/{file['id']}/content"
    etag = (await api.get(path, headers=ada)).headers["etag"]
    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        not_modified = await api.get(path, headers={**ada, "if-none-match": if_none_match})
        assert (not_modified.status_code, not_modified.content) == (304, b""), if_none_match
        assert not_modified.headers["etag"] == etag
    assert (await api.get(path, headers={**ada, "if-none-match": '"other"'})).status_code == 200


async def test_signed_links(
    api: httpx.AsyncClient, ada: dict[str, str], clock: Clock, db: CountingDatabase
) -> None:
    file = await uploaded(api, ada, PNG)
    other = await uploaded(api, ada, JPEG, name="b.jpg", kind="image/jpeg")
    db.round_trips = 0
    made = await api.post(f"/v1/files/{file['id']}/links", json={"expires_in": 60}, headers=ada)
    assert made.status_code == 201
    assert db.round_trips == 1
    link = made.json()
    assert link["expires_at"] == int(clock.now.timestamp()) + 60
    url = relative(link["url"])
    served = await api.get(url)
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["cache-control"] == "private, max-age=60"

    signature = url.split("signature=")[1]
    tampered = [
        url.replace(signature, ("A" if signature[0] != "A" else "B") + signature[1:]),
        url.replace(file["id"], other["id"]),  # another file of the same owner
        url.replace(f"expires={link['expires_at']}", f"expires={link['expires_at'] + 3600}"),
        url.replace(f"&signature={signature}", ""),
    ]
    for bad in tampered[:3]:
        refused = await api.get(bad)
        assert (refused.status_code, refused.json()["code"]) == (403, "invalid_link"), bad
    assert (await api.get(tampered[3])).status_code == 422  # expires without a signature
    clock.advance(60)
    expired = await api.get(url)
    assert (expired.status_code, expired.json()["code"]) == (403, "invalid_link")
    assert "expired" in expired.json()["detail"]
    too_long = await api.post(
        f"/v1/files/{file['id']}/links", json={"expires_in": 7 * 86400 + 1}, headers=ada
    )
    assert too_long.status_code == 422
    # The default links in file bodies stay equal for a while, so browsers keep their cached copy.
    again = (await api.get(f"/v1/files/{file['id']}", headers=ada)).json()["url"]
    clock.advance(1)
    assert (await api.get(f"/v1/files/{file['id']}", headers=ada)).json()["url"] == again


async def test_another_users_file_is_404_on_every_route(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str], platform: Platform
) -> None:
    file = await uploaded(api, ada, PNG)
    base = f"/v1/files/{file['id']}"
    for method, path, body in (
        ("GET", base, None),
        ("GET", f"{base}/content", None),
        ("POST", f"{base}/links", {"expires_in": 60}),
        ("DELETE", base, None),
    ):
        response = await api.request(method, path, json=body, headers=bob)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), (method, path)
    missing = await api.get("/v1/files/00000000-0000-4000-8000-000000000000/content", headers=ada)
    assert missing.status_code == 404
    assert (await api.get("/v1/files", headers=bob)).json()["items"] == []
    assert (await api.get(f"{base}/content", headers=ada)).content == PNG  # untouched
    assert len(await objects(platform)) == 1


async def test_message_file_parts_get_fresh_urls(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str]
) -> None:
    mine = await uploaded(api, ada, PNG)
    theirs = await uploaded(api, bob, JPEG, name="b.jpg", kind="image/jpeg")
    chat = (await api.post("/v1/chats", json={"visibility": "public"}, headers=ada)).json()
    parts = [
        {"type": "text", "text": "look"},
        {"type": "file", "mediaType": "image/png", "fileId": mine["id"]},
        {"type": "file", "mediaType": "image/jpeg", "fileId": theirs["id"]},
        {"type": "file", "mediaType": "image/png", "url": "https://example.com/x.png"},
    ]
    message = {"id": "m1", "role": "user", "parts": parts}
    posted = await api.post(f"/v1/chats/{chat['id']}/messages", json=message, headers=ada)
    assert posted.status_code == 201
    for listing in (
        await api.get(f"/v1/chats/{chat['id']}/messages", headers=ada),
        await api.get(f"/v1/public/chats/{chat['id']}/messages"),
    ):
        got = listing.json()["items"][0]["parts"]
        assert got[0] == parts[0]
        assert got[3] == parts[3]
        assert (await api.get(relative(got[1]["url"]))).content == PNG
        # A fileId of someone else's file yields a link that does not open.
        assert (await api.get(relative(got[2]["url"]))).status_code == 403


async def test_deleting_a_file_or_the_account_removes_the_objects(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform, db: CountingDatabase, clock: Clock
) -> None:
    file = await uploaded(api, ada, PNG)
    db.round_trips = 0
    assert (await api.delete(f"/v1/files/{file['id']}", headers=ada)).status_code == 204
    assert db.round_trips == 1
    assert await objects(platform) == []
    assert (await api.get(f"/v1/files/{file['id']}", headers=ada)).status_code == 404
    assert (await api.get(relative(file["url"]))).status_code == 403
    for _ in range(3):
        await uploaded(api, ada, PNG)
    assert len(await objects(platform)) == 3
    assert (await api.delete("/v1/me", headers=ada)).status_code == 204
    assert await objects(platform) == []
    assert await rows(platform, "SELECT object_key FROM files") == []
    # Every queued removal of the account's objects is done and forgotten: nothing left for the clean-up.
    assert await rows(platform, "SELECT object_key FROM pending_objects") == []
    assert await run_maintenance(platform, clock.now) == 0


# --- Fault injection ---------------------------------------------------------------------------------------


class Faulty:
    """Delegates to `inner`, except that the `nth` call of `method` fails: before doing anything, or
    after doing its work (`after`: the write happened but the caller hears of a failure)."""

    def __init__(self, inner: Any, method: str, *, nth: int = 1, after: bool = False) -> None:
        self.inner, self.method, self.nth, self.after, self.calls = inner, method, nth, after, 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.inner, name)
        if name != self.method:
            return real

        async def failing(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls != self.nth:
                return await real(*args, **kwargs)
            if self.after:
                await real(*args, **kwargs)
            raise BindingUnavailable("injected", f"{name} failed")

        return failing


class Crash(BaseException):
    """The Worker dies mid-request: no `except Exception` runs."""


class CrashingStore(Faulty):
    def __getattr__(self, name: str) -> Any:
        real = getattr(self.inner, name)
        if name != "put":
            return real

        async def put_then_die(*args: Any, **kwargs: Any) -> Any:
            await real(*args, **kwargs)
            raise Crash

        return put_then_die


@pytest.fixture
async def faulty_client(platform: Platform, clock: Clock) -> AsyncIterator[Any]:
    """Builds a client of an app whose bindings fail as told, sharing the state of `platform`."""
    clients: list[httpx.AsyncClient] = []

    def make(**bindings: Any) -> httpx.AsyncClient:
        app: FastAPI = with_platform(platform, **bindings)

        app.state.clock = lambda: clock.now
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url=BASE_URL
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def assert_nothing_visible_or_reserved(
    api: httpx.AsyncClient, who: dict[str, str], platform: Platform
) -> None:
    assert (await api.get("/v1/files", headers=who)).json()["items"] == []
    assert await rows(platform, "SELECT coalesce(sum(reserved_bytes), 0) AS r FROM storage_usage") in (
        [{"r": 0}],
        [],
    )


@pytest.mark.parametrize(
    ("binding", "method", "nth", "after"),
    [
        ("db", "batch", 1, False),  # the reservation fails
        ("files", "put", 1, False),  # R2 refuses the put
        ("files", "put", 1, True),  # R2 stored it but the call failed
    ],
)
async def test_a_failed_upload_step_leaves_nothing(
    api: httpx.AsyncClient,
    ada: dict[str, str],
    platform: Platform,
    faulty_client: Any,
    binding: str,
    method: str,
    nth: int,
    after: bool,
) -> None:
    broken = faulty_client(**{binding: Faulty(getattr(platform, binding), method, nth=nth, after=after)})
    failed = await upload(broken, ada, PNG)
    assert (failed.status_code, failed.json()["code"]) == (503, "binding_unavailable")
    await assert_nothing_visible_or_reserved(api, ada, platform)
    assert await objects(platform) == []
    assert await rows(platform, "SELECT object_key FROM pending_objects") == []


@pytest.mark.parametrize("after", [False, True])
async def test_a_failed_filing_step_is_cleaned_up_later(
    api: httpx.AsyncClient,
    ada: dict[str, str],
    platform: Platform,
    faulty_client: Any,
    clock: Clock,
    after: bool,
) -> None:
    """The batch that files the object fails (`after`: it committed but the answer was lost). Nothing is
    undone then (it may have committed); the file is either there, or its object is reaped in an hour."""
    broken = faulty_client(db=Faulty(platform.db, "batch", nth=2, after=after))
    assert (await upload(broken, ada, PNG)).status_code == 503
    listed = (await api.get("/v1/files", headers=ada)).json()["items"]
    assert len(listed) == (1 if after else 0)
    assert len(await objects(platform)) == 1
    await run_maintenance(platform, clock.now + timedelta(minutes=59))
    assert len(await objects(platform)) == 1  # a reservation younger than an hour may still be filed
    await run_maintenance(platform, clock.now + timedelta(minutes=61))
    assert len(await objects(platform)) == (1 if after else 0)
    if after:
        assert (await api.get(f"/v1/files/{listed[0]['id']}/content", headers=ada)).content == PNG
    await assert_nothing_visible_or_reserved(api, ada, platform) if not after else None
    assert await rows(platform, "SELECT object_key FROM pending_objects") == []


async def test_a_crash_between_the_put_and_filing_is_cleaned_up_later(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform, faulty_client: Any, clock: Clock
) -> None:
    crashing = faulty_client(files=CrashingStore(platform.files, "put"))
    with pytest.raises(Crash):
        await upload(crashing, ada, PNG)
    assert (await api.get("/v1/files", headers=ada)).json()["items"] == []
    assert len(await objects(platform)) == 1
    await run_maintenance(platform, clock.now + timedelta(minutes=61))
    assert await objects(platform) == []
    await assert_nothing_visible_or_reserved(api, ada, platform)


async def test_an_upload_the_clean_up_gave_up_on_is_not_filed(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform, faulty_client: Any, clock: Clock
) -> None:
    """The clean-up runs while a put is still under way (an hour after its reservation) and turns the
    reservation into a delete; the upload must then fail rather than file an object about to vanish."""

    class SlowStore(Faulty):
        def __getattr__(self, name: str) -> Any:
            real = getattr(self.inner, name)
            if name != "put":
                return real

            async def slow_put(*args: Any, **kwargs: Any) -> Any:
                await run_maintenance(platform, clock.now + timedelta(minutes=61))
                return await real(*args, **kwargs)

            return slow_put

    slow = faulty_client(files=SlowStore(platform.files, "put"))
    late = await upload(slow, ada, PNG)
    assert (late.status_code, late.json()["code"]) == (503, "upload_expired")
    await assert_nothing_visible_or_reserved(api, ada, platform)
    await run_maintenance(platform, clock.now)
    assert await objects(platform) == []
    assert await rows(platform, "SELECT object_key FROM pending_objects") == []


async def test_a_failed_object_delete_is_finished_by_the_clean_up(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform, faulty_client: Any, clock: Clock
) -> None:
    file = await uploaded(api, ada, PNG)
    broken = faulty_client(files=Faulty(platform.files, "delete"))
    assert (await broken.delete(f"/v1/files/{file['id']}", headers=ada)).status_code == 204
    assert (await api.get(f"/v1/files/{file['id']}", headers=ada)).status_code == 404  # gone for the user
    assert len(await objects(platform)) == 1
    assert await run_maintenance(platform, clock.now) == 1
    assert await objects(platform) == []
    assert await rows(platform, "SELECT object_key FROM pending_objects") == []


async def test_triggers_queue_every_deleted_files_object(platform: Platform) -> None:
    """However a file row goes (here a raw DELETE), its object is queued in the same transaction."""
    now = "2026-11-23T12:00:00.000Z"
    await platform.db.batch(
        [
            Statement(
                "INSERT INTO users (id, email, role, password_hash, created_at, updated_at)"
                " VALUES ('u', 'u@x', 'user', 'h', ?1, ?1)",
                [now],
            ),
            Statement(
                "INSERT INTO files (id, user_id, object_key, filename, content_type, size, sha256,"
                " created_at) VALUES ('f', 'u', 'users/u/files/f', 'a.png', 'image/png', 10, 'x', ?1)",
                [now],
            ),
            Statement("DELETE FROM users WHERE id = 'u'"),
        ]
    )
    assert await rows(platform, "SELECT object_key, user_id, reason FROM pending_objects") == [
        {"object_key": "users/u/files/f", "user_id": "u", "reason": "delete"}
    ]


async def test_hostile_and_unusual_requests_get_clear_answers(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform, faulty_client: Any, clock: Clock
) -> None:
    file = await uploaded(api, ada, PNG)
    content = f"/v1/files/{file['id']}/content"
    non_ascii = await api.get(content, params={"expires": "9999999999", "signature": "é" * 43})
    assert non_ascii.status_code == 422
    assert (await api.get(content, headers={**ada, "range": f"bytes={'9' * 5000}-"})).status_code == 200
    assert (await api.get(content, headers={**ada, "range": "Bytes=0-0"})).content == PNG[:1]
    head = await api.head(content, headers=ada)
    assert (head.status_code, head.headers["content-length"], head.content) == (200, str(len(PNG)), b"")
    head_range = await api.head(content, headers={**ada, "range": "bytes=-3"})
    assert head_range.status_code == 206
    assert head_range.headers["content-range"] == f"bytes {len(PNG) - 3}-{len(PNG) - 1}/{len(PNG)}"
    default_link = await api.post(f"/v1/files/{file['id']}/links", headers=ada)
    assert default_link.status_code == 201
    assert default_link.json()["expires_at"] == int(clock.now.timestamp()) + 3600
    # curl --data-binary sends this type unless told otherwise: it says nothing about the file.
    curl = {**ada, "content-type": "application/x-www-form-urlencoded"}
    assert (await api.post("/v1/files", content=PNG, headers=curl)).json()["content_type"] == "image/png"
    too_big = await upload(api, ada, PNG + bytes(MAX_FILE_BYTES + 70_000))
    assert (too_big.status_code, too_big.json()["code"]) == (413, "payload_too_large")

    # Text keeps a name that opens as text; markup anywhere at the start is refused.
    script = await upload(api, ada, b"WScript.Echo('hi')", name="invoice.js", kind="text/plain")
    assert (script.json()["content_type"], script.json()["filename"]) == ("text/plain", "invoice.js.txt")
    for markup in (b"<img src=x onerror=alert(1)>", b"  <!DOCTYPE svg><svg onload=alert(1)>", b"<frameset>"):
        refused = await upload(api, ada, markup, name="notes.txt", kind="text/plain")
        assert (refused.status_code, refused.json()["code"]) == (415, "unsupported_file_type"), markup

    # A fileId spelled in capitals still gets a link that opens.
    chat = (await api.post("/v1/chats", json={}, headers=ada)).json()
    part = {"type": "file", "mediaType": "image/png", "fileId": file["id"].upper()}
    message = {"id": "m1", "role": "user", "parts": [part]}
    posted = (await api.post(f"/v1/chats/{chat['id']}/messages", json=message, headers=ada)).json()
    assert (await api.get(relative(posted[0]["parts"][0]["url"]))).content == PNG

    # The account's deletion stands even when R2 fails right after it; the clean-up removes the objects.
    broken = faulty_client(files=Faulty(platform.files, "delete"))
    assert (await broken.delete("/v1/me", headers=ada)).status_code == 204
    assert (await api.get("/v1/me", headers=ada)).status_code == 401
    assert len(await objects(platform)) == 3
    assert await run_maintenance(platform, clock.now) == 3
    assert await objects(platform) == []
