"""`Frozen`: the base of the project's immutable values (records, port values, settings), built for less
than `@dataclass(frozen=True, slots=True)` costs at import.

Why: the Worker imports every one of these classes on each cold start (bench/cold_import.py). The
dataclass decorator compiles source for each class's `__init__`, `__repr__`, `__eq__`, `__hash__`,
`__setattr__` and `__delattr__` (an `exec` each on 3.11), and `slots=True` then builds the class a second
time: ~4.4 M instructions for a class of six fields on CPython 3.11. Here a class is built once, with its
`__slots__`; `__eq__`, `__hash__`, `__repr__` and the frozen `__setattr__` are written once, below, and
shared; and an `__init__` is compiled once per shape (the number of fields, which have default factories,
whether there is a `__post_init__`: 14 shapes for our 60 classes), each class getting a copy with its own
field names. Measured on 3.11 (2026-12-07): the cold import went from 1,876 M to 1,665 M instructions
(211 M, ~11% of the app's); a class of six fields now costs ~0.3 M. Instances are built ~2x faster (each
field set through its slot's descriptor); `==` and `repr` are slower than the generated ones (~0.2 and
~1 us more), which nothing does often.

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
# One compiled `__init__` maker per shape: the number of fields, which of them have a default factory,
# and whether the class has a `__post_init__`.
_INIT_MAKERS: dict[tuple[tuple[bool, ...], bool], Callable[..., Callable[..., None]]] = {}


def _init_maker(factories: tuple[bool, ...], post_init: bool) -> Callable[..., Callable[..., None]]:
    """A function that returns an `__init__`, given the setter of each field's slot and the default
    factories. For three fields, the third with a default factory:

        def make(_FACTORY, _set_0, _set_1, _set_2, _factory_2):
            def __init__(self, p0, p1, p2):
                _set_0(self, p0)
                _set_1(self, p1)
                _set_2(self, _factory_2() if p2 is _FACTORY else p2)
            return __init__

    A slot's own setter skips the frozen `__setattr__`, and is faster than `object.__setattr__`, which
    checks it is not bypassing an overridden `__setattr__` of the wrong type (dataclasses use that).
    """
    maker = _INIT_MAKERS.get((factories, post_init))
    if maker is None:
        closure, parameters, body = ["_FACTORY"], ["self"], []
        for index, factory in enumerate(factories):
            closure.append(f"_set_{index}")
            parameters.append(f"p{index}")
            value = f"p{index}"
            if factory:
                closure.append(f"_factory_{index}")
                value = f"_factory_{index}() if p{index} is _FACTORY else p{index}"
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
        exec(source, {}, namespace)  # noqa: S102 (our own source: no name in it comes from a class)
        maker = _INIT_MAKERS[(factories, post_init)] = namespace["make"]
    return maker


def _init_of(cls: type, fields: dict[str, dataclasses.Field[Any]]) -> Any:
    """The class's `__init__`: its shape's, with its fields' defaults (`_FACTORY` for a default factory)
    and its parameters named after the fields (what keyword arguments, the signature and error messages
    use). Renaming them copies the compiled code: compiling each class's own source, as dataclasses do,
    was half of what a class cost."""
    arguments: list[Any] = [_FACTORY]
    defaults, factories = [], []
    for field in fields.values():
        arguments.append(cls.__dict__[field.name].__set__)  # the slot's member descriptor
        factories.append(field.default_factory is not dataclasses.MISSING)
        if field.default is not dataclasses.MISSING:
            defaults.append(field.default)
        elif factories[-1]:
            arguments.append(field.default_factory)
            defaults.append(_FACTORY)
    init = _init_maker(tuple(factories), "__post_init__" in cls.__dict__)(*arguments)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__code__ = init.__code__.replace(co_varnames=("self", *fields), co_qualname=init.__qualname__)
    init.__defaults__ = tuple(defaults) or None
    init.__annotations__ = {field.name: field.type for field in fields.values()} | {"return": None}
    return init


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
        defaulted = False  # a field before this one has a default
        for field_name, annotation in namespace.get("__annotations__", {}).items():
            if _is_class_var(annotation):
                continue
            value = namespace.pop(field_name, dataclasses.MISSING)  # a slot cannot have a class attribute
            field: dataclasses.Field[Any] = (
                value if isinstance(value, dataclasses.Field) else dataclasses.field(default=value)
            )
            if not (field.init and field.repr and field.hash is None and field.compare):
                raise TypeError(f"{name}.{field_name}: only default, default_factory and metadata")
            # As dataclasses refuse them: a list or dict default (shared by every instance), a field
            # without a default after one with a default.
            if field.default is not dataclasses.MISSING and type(field.default).__hash__ is None:
                raise ValueError(f"{name}.{field_name}: mutable default, use default_factory")
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                if defaulted:
                    raise TypeError(
                        f"{name}: field {field_name!r} without a default follows one with a default"
                    )
            else:
                defaulted = True
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
        cls.__init__ = _init_of(cls, fields)  # type: ignore[misc]
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
