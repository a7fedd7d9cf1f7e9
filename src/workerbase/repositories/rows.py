"""Rows to records: how the rows of a SELECT (or RETURNING) become the records of `workerbase.records`.

Each repository declares, once, how its record is read: `CHAT = RecordRows(ChatRecord, metadata=...)`.
Services decode with it (`chats.CHAT.decode(row)`), and the repository's SQL takes its column list from
it (`CHAT.columns()`), so the columns are named in one place: the record's fields.

A field's annotation says how its column's value becomes the field's value:
* `str`: as it comes (TEXT columns read back as `str`; the database port guarantees it), unconverted;
* `int`, `float`, `bool`: converted (SQLite has no booleans: they read back as 0 or 1);
* anything else (JSON text, lists of words...): the converter the repository declares for the field.
A `... | None` field keeps NULL as None and converts any other value.

Decoding runs for every row of every request, so everything is worked out here once per record type
(which fields to convert, with what); `decode` only reads the values and converts those that need it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from workerbase.ports import Row, SqlValue

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")
Converter = Callable[[Any], Any]

_SCALARS: dict[object, Converter | None] = {str: None, int: int, float: float, bool: bool}


class RecordRows(Generic[R]):
    """The rows of one record type: its column list and its decoder."""

    __slots__ = ("_conversions", "_record_type", "_values", "fields")

    def __init__(self, record_type: type[R], **converters: Converter) -> None:
        self._record_type = record_type
        self.fields: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(record_type))
        _check_names(record_type, self.fields, converters)
        conversions = []
        for index, (name, annotation) in enumerate(_annotations(record_type).items()):
            convert = _converter(record_type, name, annotation, converters.get(name))
            if convert is not None:
                conversions.append((index, convert))
        self._conversions = tuple(conversions)
        fields = self.fields
        self._values: Callable[[Row], tuple[SqlValue, ...]] = (
            itemgetter(*fields) if len(fields) > 1 else lambda row: (row[fields[0]],)
        )

    def decode(self, row: Row) -> R:
        """The record a row holds; extra columns are ignored, a missing one is a KeyError."""
        values = list(self._values(row))
        for index, convert in self._conversions:
            values[index] = convert(values[index])
        return self._record_type(*values)

    def decode_all(self, rows: Iterable[Row]) -> list[R]:
        decode = self.decode
        return [decode(row) for row in rows]

    def columns(self, prefix: str = "", **expressions: str) -> str:
        """The SELECT (or RETURNING, or INSERT) column list in field order: each field's column, after
        `prefix` (a table, as `users.`), or the SQL expression given for it, which must name its
        result after the field (`CASE ... END AS role`)."""
        _check_names(self._record_type, self.fields, expressions)
        return ", ".join(expressions.get(name, prefix + name) for name in self.fields)


def _check_names(record_type: type, fields: tuple[str, ...], given: dict[str, Any]) -> None:
    unknown = sorted(set(given) - set(fields))
    if unknown:
        raise TypeError(f"{record_type.__name__} has no field {', '.join(unknown)}")


def _annotations(record_type: type[DataclassInstance]) -> dict[str, Any]:
    """Each field's type. `typing.get_type_hints` costs about 0.1 ms a record at import; it is needed
    only for annotations left as strings (`from __future__ import annotations`, which records.py
    does without for that reason)."""
    fields = dataclasses.fields(record_type)
    if any(isinstance(field.type, str) for field in fields):
        hints = typing.get_type_hints(record_type)
        return {field.name: hints[field.name] for field in fields}
    return {field.name: field.type for field in fields}


def _converter(record_type: type, name: str, annotation: Any, declared: Converter | None) -> Converter | None:
    """How the field's column value becomes the field's value; None when it is used as it comes."""
    args = typing.get_args(annotation)
    optional = typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args
    if optional:
        rest = [arg for arg in args if arg is not type(None)]
        annotation = rest[0] if len(rest) == 1 else annotation
    if declared is not None:
        convert = declared
    elif annotation in _SCALARS:
        scalar = _SCALARS[annotation]
        if scalar is None:
            return None
        convert = scalar
    else:
        raise TypeError(f"declare how to read {record_type.__name__}.{name} ({annotation!r}) from its column")
    if optional:
        return lambda value: None if value is None else convert(value)
    return convert
