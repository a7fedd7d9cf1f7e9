"""R2's decisions the filesystem store must make exactly as R2 does, as pure functions: `onlyIf`
conditions, and list pagination (prefix, delimiter, limit, where the next page starts) over any source
that can scan keys in order.

A list page resumes from a position (a key, and whether that key itself is included): after an object,
the next key; after a delimited prefix, the first key past every key in that prefix, so a page never
scans the objects inside a "folder" it only reports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from workerbase.bindings import r2_limits
from workerbase.ports import Conditions, ObjectInfo

Row = tuple[Any, ...]  # row[0] is the key
Position = tuple[str, bool]  # (key, inclusive)
# (start, inclusive, prefix, count) -> up to `count` rows with that prefix, in key order, from `start`.
Scan = Callable[[str, bool, str, int], Sequence[Row]]


def conditions_hold(conditions: Conditions, current: ObjectInfo | None) -> bool:
    """R2's `onlyIf` as workerd's R2 decides it: etags compare exactly (`*` matches any object), dates at
    whole milliseconds, and a passing etag condition overrides its date counterpart (RFC 9110 13.2.2)."""
    if current is None:
        return conditions.etag_matches is None and conditions.uploaded_after is None
    etag_matched = conditions.etag_matches is None or conditions.etag_matches in ("*", current.etag)
    etag_unmatched = conditions.etag_does_not_match is None or (
        conditions.etag_does_not_match not in ("*", current.etag)
    )
    uploaded = r2_limits.epoch_ms(current.uploaded)
    before, after = conditions.uploaded_before, conditions.uploaded_after
    before_holds = (
        before is None
        or uploaded < r2_limits.epoch_ms(before)
        or (conditions.etag_matches is not None and etag_matched)
    )
    after_holds = (
        after is None
        or uploaded > r2_limits.epoch_ms(after)
        or (conditions.etag_does_not_match is not None and etag_unmatched)
    )
    return etag_matched and etag_unmatched and before_holds and after_holds


@dataclass
class Listing:
    objects: list[Row] = field(default_factory=list)
    delimited_prefixes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.objects) + len(self.delimited_prefixes)


def list_page(
    scan: Scan, prefix: str, delimiter: str | None, start: Position, limit: int
) -> tuple[Listing, Position | None]:
    """One page of at most `limit` entries, and the position of the next page (None: this is the last)."""
    listing = Listing()
    position = start
    while True:
        wanted = limit - len(listing) + 1  # one more than fits tells whether another page exists
        rows = scan(*position, prefix, wanted)
        for row in rows:
            if len(listing) == limit:
                return listing, position
            key: str = row[0]
            group = _delimited_prefix(key, prefix, delimiter)
            if group is None:
                listing.objects.append(row)
                position = (key, False)
                continue
            listing.delimited_prefixes.append(group)
            after_group = first_key_after_prefix(group)
            if after_group is None:
                return listing, None  # every later key is inside this group
            position = (after_group, True)
            break  # scan again from past the group
        else:
            return listing, None  # the scan ran out before the page filled


def first_key_after_prefix(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix`, in code point order (which is
    UTF-8 byte order); None if there is none. Skips surrogates, which no key can contain."""
    characters = list(prefix)
    while characters:
        code = ord(characters.pop()) + 1
        if code <= 0x10FFFF:
            return "".join(characters) + chr(0xE000 if 0xD800 <= code <= 0xDFFF else code)
    return None


def _delimited_prefix(key: str, prefix: str, delimiter: str | None) -> str | None:
    if not delimiter:
        return None
    end = key.find(delimiter, len(prefix))
    return None if end < 0 else key[: end + len(delimiter)]
