"""`Frozen` classes behave as the frozen slotted dataclasses they replaced: each check runs on a `Frozen`
class and on its `@dataclass(frozen=True, slots=True)` twin and expects the same."""

import copy
import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from workerbase.frozen import Frozen


class Note(Frozen):
    id: str
    title: str = "untitled"
    tags: list[str] = field(default_factory=list, metadata={"column": "tags_json"})
    kind: ClassVar[str] = "note"


@dataclass(frozen=True, slots=True)
class NoteDataclass:
    id: str
    title: str = "untitled"
    tags: list[str] = field(default_factory=list, metadata={"column": "tags_json"})
    kind: ClassVar[str] = "note"


class Checked(Frozen):
    values: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.values:
            object.__setattr__(self, "values", (0,))


BOTH = pytest.mark.parametrize("cls", [Note, NoteDataclass])


@BOTH
def test_init_takes_fields_in_order_by_position_or_keyword_with_their_defaults(cls: Any) -> None:
    assert cls("a") == cls("a", "untitled", []) == cls(id="a")
    assert cls("a", tags=["x"]).tags == ["x"]
    assert cls("a").tags is not cls("a").tags  # a new list from the factory each time
    assert str(inspect.signature(cls)) == (
        "(id: str, title: str = 'untitled', tags: list[str] = <factory>) -> None"
    )
    with pytest.raises(TypeError, match=r"__init__\(\) missing 1 required positional argument: 'id'"):
        cls()
    with pytest.raises(TypeError, match="unexpected keyword argument 'kind'"):
        cls("a", kind="other")


@BOTH
def test_instances_are_frozen_and_slotted(cls: Any) -> None:
    note = cls("a")
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'title'"):
        note.title = "b"
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'title'"):
        del note.title
    assert not hasattr(note, "__dict__")
    assert cls.__slots__ == ("id", "title", "tags")
    assert cls.kind == "note"


@BOTH
def test_equality_hash_and_repr_are_the_fields(cls: Any) -> None:
    assert cls("a", "t", ["x"]) == cls("a", "t", ["x"])
    assert cls("a") != cls("b")
    assert cls("a") != ("a", "untitled", [])
    with pytest.raises(TypeError, match="unhashable type: 'list'"):
        hash(cls("a"))
    assert repr(cls("a", tags=["x"])) == f"{cls.__qualname__}(id='a', title='untitled', tags=['x'])"
    assert cls.__match_args__ == ("id", "title", "tags")


def test_hash_follows_equality() -> None:
    assert hash(Checked((1, 2))) == hash(Checked((1, 2)))
    assert {Checked((1,)): "one"}[Checked((1,))] == "one"


@BOTH
def test_dataclasses_functions_see_the_fields(cls: Any) -> None:
    note = cls("a", tags=["x"])
    assert dataclasses.is_dataclass(cls("a"))
    assert [f.name for f in dataclasses.fields(cls)] == ["id", "title", "tags"]
    assert dataclasses.fields(cls)[2].metadata["column"] == "tags_json"
    assert dataclasses.fields(cls)[1].default == "untitled"
    assert dataclasses.asdict(note) == {"id": "a", "title": "untitled", "tags": ["x"]}
    assert dataclasses.replace(note, title="b") == cls("a", "b", ["x"])


@BOTH
def test_copies_and_pickles_are_equal(cls: Any) -> None:
    note = cls("a", tags=["x"])
    assert copy.copy(note) == note
    assert copy.deepcopy(note) == note
    assert pickle.loads(pickle.dumps(note)) == note


def test_post_init_runs_after_the_fields_are_set() -> None:
    assert Checked().values == (0,)
    assert Checked((3,)).values == (3,)


def test_what_dataclasses_refuse_is_refused() -> None:
    with pytest.raises(ValueError, match="mutable default"):

        class WithListDefault(Frozen):
            tags: list[str] = []  # noqa: RUF012

    with pytest.raises(TypeError, match="without a default follows one with a default"):

        class RequiredAfterDefault(Frozen):
            title: str = ""
            id: str  # type: ignore[misc]
