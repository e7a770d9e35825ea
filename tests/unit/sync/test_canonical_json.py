"""The canonical document's two encoders (orjson, and the standard library where orjson is missing or refuses)
write the same text, so a row written by the CLI and one written by a function without orjson hash alike."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from multicloud_ctl.functions.cdc import typemap
from multicloud_ctl.functions.cdc.typemap import canonical_document, canonical_json, content_hash

STDLIB = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
text = st.text(st.characters(codec="utf-8"), max_size=40)  # every code point but lone surrogates
scalars = st.one_of(
    st.builds(lambda s: {"S": s}, text),
    st.builds(lambda n: {"N": n}, st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda ss: {"SS": ss}, st.lists(text, min_size=1, max_size=4, unique=True)),
    st.builds(lambda b: {"B": b}, st.binary(max_size=20)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"L": xs}, st.lists(inner, max_size=4)),
        st.builds(lambda m: {"M": m}, st.dictionaries(text, inner, max_size=4)),
    ),
    max_leaves=12,
)
items = st.dictionaries(text, values, max_size=8)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(items)
def test_orjson_and_the_standard_library_write_the_same_document(item: dict) -> None:
    assert typemap._orjson is not None  # the CLI's own path is the fast one
    fast = canonical_document(item)
    encoded = json.loads(fast)
    assert fast == STDLIB.encode(encoded)


def test_every_ascii_and_edge_character_is_escaped_alike() -> None:
    edge = "".join(chr(c) for c in range(0x80)) + "\u2028\u2029\ufeff\U0001f600é\u00a0"
    doc = {"k" + edge: {"S": edge}, "\x00": {"S": "\x7f"}, "é": {"S": ""}, "e": {"S": "\\"}}
    assert canonical_json(doc) == STDLIB.encode(doc)


def test_a_lone_surrogate_takes_the_standard_library_path() -> None:
    doc = {"k": {"S": "a\ud800b"}}
    assert canonical_json(doc) == STDLIB.encode(doc)


def test_without_orjson_the_hash_is_the_same(monkeypatch) -> None:
    item = {"id": {"S": "ä-1"}, "n": {"N": "1.50"}, "tags": {"SS": ["b", "a"]}, "m": {"M": {"z": {"B": b"\x00"}}}}
    fast = content_hash(canonical_document(item))
    monkeypatch.setattr(typemap, "_orjson", None)  # a function package without orjson (not an SDK)
    assert content_hash(canonical_document(item)) == fast
