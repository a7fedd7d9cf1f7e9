"""Settings read from environment variables, declared on dataclass fields.

A field's metadata names the variable that sets it and how the variable's text is parsed (`variable`), or
marks the field as a nested group of settings (`group`); the field's default is the setting's only default.
`read` builds a dataclass from a lookup function; `variable_names` lists what it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import MISSING, fields
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args

from workerbase.errors import ConfigurationError
from workerbase.frozen import Frozen

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

EnvLookup = Callable[[str], "str | None"]
# How a variable's text becomes a setting: given the variable's name (for error messages) and its value
# (stripped, never empty), the setting, or None when the text lists nothing (" , "): as if unset.
# Raises ConfigurationError naming the variable.
Parser = Callable[[str, str], Any]
Group = TypeVar("Group", bound="DataclassInstance")


class Variable(Frozen):
    name: str
    parse: Parser
    # What "NAME is required" goes on to say, for a setting without a default.
    requirement: str = ""


def variable(name: str, parse: Parser, *, requirement: str = "") -> dict[str, Variable]:
    """A field's metadata: the variable that sets it."""
    return {"variable": Variable(name, parse, requirement)}


def group(settings: type[DataclassInstance]) -> dict[str, type[DataclassInstance]]:
    """A field's metadata: a group of settings read from the same variables."""
    return {"group": settings}


def read(settings: type[Group], lookup: EnvLookup) -> Group:
    """Each setting from its variable when set, else its default. Fields are read in order, so the first
    variable at fault is the one named."""
    given: dict[str, Any] = {}
    for setting in fields(settings):
        if "group" in setting.metadata:
            given[setting.name] = read(setting.metadata["group"], lookup)
            continue
        declared: Variable = setting.metadata["variable"]
        raw = _raw(lookup, declared.name)
        value = None if raw is None else declared.parse(declared.name, raw)
        if value is not None:
            given[setting.name] = value
        elif setting.default is MISSING:
            raise ConfigurationError(f"{declared.name} is required{declared.requirement}")
    return settings(**given)


def variable_names(settings: type[DataclassInstance]) -> Iterator[str]:
    """Every variable `read` reads, in order."""
    for setting in fields(settings):
        if "group" in setting.metadata:
            yield from variable_names(setting.metadata["group"])
        else:
            yield setting.metadata["variable"].name


def _raw(lookup: EnvLookup, name: str) -> str | None:
    value = lookup(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{name} must be a string, got {type(value).__name__}")
    return value.strip() or None


# Parsers.


def text(name: str, value: str) -> str:
    return value


def integer(minimum: int, maximum: int) -> Parser:
    def parse(name: str, value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ConfigurationError(f"{name} must be an integer (got {value!r})") from None
        if not minimum <= number <= maximum:
            raise ConfigurationError(f"{name} must be between {minimum} and {maximum} (got {number})")
        return number

    return parse


def choice(options_type: Any) -> Parser:
    """One of the values of the Literal type `options_type`, case-insensitive."""
    options: tuple[str, ...] = get_args(options_type)

    def parse(name: str, value: str) -> str:
        if value.lower() not in options:
            raise ConfigurationError(f"{name} must be one of: {', '.join(options)} (got {value!r})")
        return value.lower()

    return parse


def one_of(options_type: Any) -> str:
    """The requirement of a choice without default."""
    return f" (one of: {', '.join(get_args(options_type))})"


Switch = Literal["on", "off"]
_on_or_off = choice(Switch)


def switch(name: str, value: str) -> bool:
    """`on` or `off`, as True or False."""
    return bool(_on_or_off(name, value) == "on")


def items(value: str) -> list[str]:
    """The comma-separated items of a value, stripped; empty ones skipped."""
    return [item.strip() for item in value.split(",") if item.strip()]


def names(name: str, value: str) -> tuple[str, ...] | None:
    return tuple(items(value)) or None


def http_url(name: str, value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ConfigurationError(f"{name} must be an http(s) URL (got {value!r})")
    return value
