"""`Frozen`: the base of the project's immutable values (records, port values, settings), built for less
than `@dataclass(frozen=True, slots=True)` costs at import.

Why: the Worker imports every one of these classes on each cold start (bench/cold_import.py). The
dataclass decorator compiles source for each class's `__init__`, `__repr__`, `__eq__`, `__hash__`,
`__setattr__` and `__delattr__` (an `exec` each), and `slots=True` then builds the class a second time:
~4.4 M instructions for a class of six fields on CPython 3.11. Here a class is built once, with its
`__slots__`; `__eq__`, `__hash__`, `__repr__` and the frozen `__setattr__` are written once, below, and
shared; and an `__init__` is compiled once per shape (the field names, which have defaults, whether there
is a `__post_init__`) and reused by every class of that shape. For the 54 classes this replaced: 187 M
instructions fewer at import (~10% of the app's), and instances are built ~1.8x faster (no global lookup
of `object.__setattr__` per field).

A subclass behaves as the frozen slotted dataclass it replaced: positional or keyword `__init__` in field
order (defaults, `field(default=..., default_factory=..., metadata=...)`, `__post_init__`), frozen
(assigning or deleting an attribute raises `dataclasses.FrozenInstanceError`), slotted, equal to an
instance of the same class with equal fields, hashable (unhashable if a field's value is, as a dataclass
is), the same `repr`, `__match_args__`, pickling and `copy.replace`. `__dataclass_fields__` holds real
`dataclasses.Field`s, so `dataclasses.fields`, `asdict`, `replace` and `is_dataclass` keep working.
Deliberately not supported (a class needing them stays a dataclass): mutable classes, inheriting fields
from another `Frozen` class, field options other than `default`, `default_factory` and `metadata`.
"""

import dataclasses
import reprlib
from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar, dataclass_transform, get_origin


class _Factory:
    """The default of a field with a `default_factory` in `__init__`'s signature, as dataclasses shows it."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()
# One compiled `__init__` maker per shape: (field names, each one's kind, has `__post_init__`).
_INIT_MAKERS: dict[tuple[tuple[str, ...], tuple[str, ...], bool], Callable[..., Callable[..., None]]] = {}


def _init_maker(names: tuple[str, ...], kinds: tuple[str, ...], post_init: bool) -> Callable[..., Any]:
    """A function that returns a class's `__init__`, given, field by field, the setter of its slot and
    its default or default factory if it has one. For fields `id`, `title="..."`, `tags=field(
    default_factory=list)`:

        def make(_FACTORY, _set_0, _set_1, _default_1, _set_2, _factory_2):
            def __init__(self, id, title=_default_1, tags=_FACTORY):
                _set_0(self, id)
                _set_1(self, title)
                _set_2(self, _factory_2() if tags is _FACTORY else tags)
            return __init__

    A slot's own setter skips the frozen `__setattr__`, and is faster than `object.__setattr__`, which
    checks it is not bypassing an overridden `__setattr__` of the wrong type (dataclasses use that).
    """
    key = (names, kinds, post_init)
    maker = _INIT_MAKERS.get(key)
    if maker is None:
        closure, parameters, body = ["_FACTORY"], ["self"], []
        for index, (name, kind) in enumerate(zip(names, kinds, strict=True)):
            closure.append(f"_set_{index}")
            value = name
            if kind == "default":
                closure.append(f"_default_{index}")
                parameters.append(f"{name}=_default_{index}")
            elif kind == "factory":
                closure.append(f"_factory_{index}")
                parameters.append(f"{name}=_FACTORY")
                value = f"_factory_{index}() if {name} is _FACTORY else {name}"
            else:
                parameters.append(name)
            body.append(f"        _set_{index}(self, {value})\n")
        if post_init:
            body.append("        self.__post_init__()\n")
        source = (
            f"def make({', '.join(closure)}):\n"
            f"    def __init__({', '.join(parameters)}):\n"
            + ("".join(body) or "        pass\n")
            + "    return __init__\n"
        )
        namespace: dict[str, Any] = {}
        exec(source, {}, namespace)  # noqa: S102 (our own source, made of the field names)
        maker = _INIT_MAKERS[key] = namespace["make"]
    return maker


def _is_class_var(annotation: Any) -> bool:
    if isinstance(annotation, str):  # `from __future__ import annotations`
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return annotation is ClassVar or get_origin(annotation) is ClassVar


class _FrozenMeta(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> type:
        if not any(isinstance(base, _FrozenMeta) for base in bases):  # `Frozen` itself
            return super().__new__(mcs, name, bases, namespace, **kwargs)
        if any(getattr(base, "__dataclass_fields__", None) for base in bases):
            raise TypeError(f"{name}: a Frozen class cannot inherit fields")
        if "__slots__" in namespace:
            raise TypeError(f"{name}: a Frozen class's slots are its fields")
        fields: dict[str, dataclasses.Field[Any]] = {}
        kinds: list[str] = []  # required, default or factory
        for field_name, annotation in namespace.get("__annotations__", {}).items():
            if _is_class_var(annotation):
                continue
            value = namespace.pop(field_name, dataclasses.MISSING)  # a slot cannot have a class attribute
            field: dataclasses.Field[Any] = (
                value if isinstance(value, dataclasses.Field) else dataclasses.field(default=value)
            )
            if not (field.init and field.repr and field.hash is None and field.compare):
                raise TypeError(f"{name}.{field_name}: only default, default_factory and metadata")
            if field.default is not dataclasses.MISSING:
                if type(field.default).__hash__ is None:  # as dataclasses refuses a list or dict default
                    raise ValueError(f"{name}.{field_name}: mutable default, use default_factory")
                kinds.append("default")
            elif field.default_factory is not dataclasses.MISSING:
                kinds.append("factory")
            elif kinds and kinds[-1] != "required":
                raise TypeError(f"{name}: field {field_name!r} without a default follows one with a default")
            else:
                kinds.append("required")
            field.name, field.type, field.kw_only = field_name, annotation, False
            field._field_type = dataclasses._FIELD  # type: ignore[attr-defined]  # what `fields()` lists
            fields[field_name] = field
        names = tuple(fields)
        namespace["__slots__"] = names
        namespace["__match_args__"] = names
        namespace["__dataclass_fields__"] = fields
        # The field values as a tuple, for `__eq__`, `__hash__`, `__repr__` and pickling.
        if len(names) > 1:
            namespace["_frozen_values"] = staticmethod(attrgetter(*names))
        elif names:
            namespace["_frozen_values"] = staticmethod(lambda self, _get=attrgetter(*names): (_get(self),))
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        arguments: list[Any] = [_FACTORY]
        for field in fields.values():
            arguments.append(cls.__dict__[field.name].__set__)  # the slot's member descriptor
            if field.default is not dataclasses.MISSING:
                arguments.append(field.default)
            elif field.default_factory is not dataclasses.MISSING:
                arguments.append(field.default_factory)
        init = _init_maker(names, tuple(kinds), "__post_init__" in namespace)(*arguments)
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        init.__annotations__ = {field.name: field.type for field in fields.values()} | {"return": None}
        cls.__init__ = init  # type: ignore[misc]
        return cls


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
class Frozen(metaclass=_FrozenMeta):
    """An immutable record: declare its fields as a dataclass's (see the module's docstring)."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    @staticmethod
    def _frozen_values(record: Any) -> tuple[Any, ...]:
        """The record's field values in order (each class has its own; this one is for no fields)."""
        return ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            values = self._frozen_values
            return values(self) == values(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._frozen_values(self))

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        fields = ", ".join(map("{}={!r}".format, self.__dataclass_fields__, self._frozen_values(self)))
        return f"{type(self).__qualname__}({fields})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    # Pickling and copying: the default `__setstate__` would assign to the slots.
    def __getstate__(self) -> list[Any]:
        return list(self._frozen_values(self))

    def __setstate__(self, state: list[Any]) -> None:
        for name, value in zip(self.__dataclass_fields__, state, strict=True):
            object.__setattr__(self, name, value)

    def __replace__(self, /, **changes: Any) -> Any:  # copy.replace (3.13)
        return dataclasses.replace(self, **changes)
