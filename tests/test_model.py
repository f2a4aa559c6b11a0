"""The model's records: slots, and pickles by field name (read before and after records had slots)."""

from __future__ import annotations

import copy
import dataclasses
import io
import pickle
from datetime import date
from typing import Any

import pytest

from storyline import model
from storyline.model import AnnotatedArticle, Article, DateMention, Entity, Quote, Sentence

RECORDS = [getattr(model, name) for name in dir(model)
           if isinstance(getattr(model, name), type) and dataclasses.is_dataclass(getattr(model, name))]


def _annotated() -> AnnotatedArticle:
    article = Article(id="a1", source="t", title="Fishermen rescued", text="Two fishermen were rescued.",
                      url="http://x.com/2014/03/02/a", published=date(2014, 3, 3), published_by="meta")
    return AnnotatedArticle(article=article, sentences=(Sentence(0, "Two fishermen were rescued.", 0, 27),),
                            entities=(Entity("Two", "CARDINAL", "Two", 0, 3),),
                            dates=(DateMention("March 2", date(2014, 3, 2), 0, 7),),
                            quotes=(Quote("rescued", 1, 8, speaker="he"),), event_date=date(2014, 3, 2))


def test_every_record_keeps_its_fields_in_slots() -> None:
    for cls in RECORDS:
        assert cls.__slots__ == tuple(f.name for f in dataclasses.fields(cls)), cls
        assert cls.__dictoffset__ == 0, cls  # no instance dict
    with pytest.raises(dataclasses.FrozenInstanceError):
        _annotated().event_date = None  # type: ignore[misc]


def test_a_record_pickles_and_copies_as_itself() -> None:
    annotated = _annotated()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(annotated, protocol)) == annotated
    assert copy.copy(annotated) == annotated and copy.deepcopy(annotated) == annotated
    assert annotated.__getstate__() == {f.name: getattr(annotated, f.name) for f in dataclasses.fields(annotated)}


def _pickled_before_slots(cls: type, state: dict[str, Any]) -> bytes:
    """A pickle of a record as records without slots pickled: the class made anew (no
    __init__), then its instance dict set (protocol 2: GLOBAL, NEWOBJ, the dict, BUILD)."""
    return (b"\x80\x02" + f"c{cls.__module__}\n{cls.__qualname__}\n".encode() + b")\x81"
            + pickle.dumps(state, 2)[2:-1] + b"b.")


def test_a_pickle_of_a_record_without_slots_loads_field_by_field() -> None:
    # dataclasses' own state for slots is a list in field order: a dict state read by it
    # would set each field to a field's name
    annotated = _annotated()
    old = {f.name: getattr(annotated.article, f.name) for f in dataclasses.fields(Article)}
    article = pickle.loads(_pickled_before_slots(Article, old))
    assert article == annotated.article
    # a field the old pickle lacks (one added since) gets its default
    del old["language"], old["removed"]
    article = pickle.loads(_pickled_before_slots(Article, old))
    assert article.language == "en" and article.removed == () and article.title == annotated.article.title
    # dataclasses' list state reads in field order
    fresh = object.__new__(Entity)
    fresh.__setstate__(["x", "ORG", "Acme", 1, 2])
    assert fresh == Entity("x", "ORG", "Acme", 1, 2)


def test_a_record_pickled_now_loads_as_a_record_class_without_slots() -> None:
    # bench/ab_cluster.py reads this tree's pickles as an earlier commit's classes
    plain = {cls.__name__: dataclasses.make_dataclass(cls.__name__, [(f.name, Any) for f in dataclasses.fields(cls)],
                                                      frozen=True) for cls in RECORDS}

    class Unpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            return plain[name] if module == "storyline.model" else super().find_class(module, name)

    annotated = _annotated()
    loaded = Unpickler(io.BytesIO(pickle.dumps(annotated))).load()
    assert type(loaded) is plain["AnnotatedArticle"] and type(loaded.article) is plain["Article"]
    assert loaded.article.title == annotated.article.title and loaded.event_date == annotated.event_date
    assert [(e.label, e.canonical) for e in loaded.entities] == [("CARDINAL", "Two")]


def test_a_subclass_with_a_dict_pickles_its_own_attributes() -> None:
    class Tagged(Article):
        pass

    tagged = Tagged(id="a", source="s", title="t", text="x")
    object.__setattr__(tagged, "note", 3)
    copied = copy.deepcopy(tagged)
    assert type(copied) is Tagged and copied == tagged and copied.note == 3  # type: ignore[attr-defined]
