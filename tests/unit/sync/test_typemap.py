"""The typed document: exact round trip of every DynamoDB type, canonical bytes, exact numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from multicloud_ctl.functions.cdc.typemap import (
    UnappliableRecord,
    canonical_document,
    content_hash,
    decode_document,
    key_identity,
    pad_seq,
    projected_value,
)

ITEM = {
    "pk": {"S": "ü-1"},
    "n": {"N": "12345678901234567890123456789012345678"},
    "f": {"N": "-0.000000000000000000000000000001"},
    "b": {"B": b"\x00\xffbin"},
    "ss": {"SS": ["b", "a"]},
    "ns": {"NS": ["10", "2.5"]},
    "bs": {"BS": [b"\x02", b"\x01"]},
    "l": {"L": [{"N": "1"}, {"S": "x"}, {"NULL": True}, {"BOOL": False}]},
    "m": {"M": {"z": {"M": {"deep": {"B": b"\x07"}}}, "a": {"L": []}}},
}


def _sets_sorted(item: dict) -> dict:
    out = {}
    for k, v in item.items():
        ((tag, inner),) = v.items()
        if tag in ("SS", "NS", "BS"):
            inner = sorted(inner)
        elif tag == "M":
            inner = _sets_sorted(inner)
        elif tag == "L":
            inner = [next(iter(_sets_sorted({"x": e}).values())) for e in inner]
        out[k] = {tag: inner}
    return out


def test_round_trip_is_exact() -> None:
    doc = canonical_document(ITEM)
    assert decode_document(doc) == _sets_sorted(ITEM)
    assert canonical_document(decode_document(doc)) == doc
    assert '"12345678901234567890123456789012345678"' in doc  # 38 digits, no float, no rounding
    assert '"-0.000000000000000000000000000001"' in doc


def test_canonical_form_ignores_set_order_and_number_spelling() -> None:
    a = {"k": {"S": "1"}, "s": {"SS": ["x", "y"]}, "n": {"N": "1.50"}}
    b = {"n": {"N": "1.5"}, "s": {"SS": ["y", "x"]}, "k": {"S": "1"}}
    assert canonical_document(a) == canonical_document(b)
    assert content_hash(canonical_document(a)) == content_hash(canonical_document(b))
    assert content_hash(canonical_document(a)) != content_hash(canonical_document({**a, "n": {"N": "1.51"}}))


def test_lambda_base64_binary_hashes_like_boto3_bytes() -> None:
    assert canonical_document({"b": {"B": b"\x00\x01"}}) == canonical_document({"b": {"B": "AAE="}})


def test_key_identity_is_the_same_from_both_sides() -> None:
    assert key_identity([("N", "1.50")]) == key_identity([("N", Decimal("1.5"))])
    assert key_identity([("S", "a"), ("B", b"\x01")]) == key_identity([("S", "a"), ("B", "AQ==")])


def test_projected_values_are_exact_and_typed() -> None:
    assert projected_value({"N": "0.1"}, "number") == Decimal("0.1")
    assert projected_value({"BOOL": True}, "boolean") is True
    assert projected_value(None, "string") is None
    assert projected_value({"SS": ["b", "a"]}, "json") == '{"SS":["a","b"]}'
    with pytest.raises(UnappliableRecord, match="expected a number"):
        projected_value({"S": "x"}, "number")


def test_sequence_numbers_sort_as_numbers() -> None:
    assert pad_seq("99") < pad_seq("100")
    with pytest.raises(UnappliableRecord):
        pad_seq("12a")


def test_plain_json_is_untyped_with_exact_numbers() -> None:
    import json

    lines = {
        "L": [
            {
                "M": {
                    "product_id": {"S": "p1"},
                    "quantity": {"N": "2"},
                    "price": {"N": "12345678901234567890.123456789"},
                }
            },
            {"NULL": True},
        ]
    }
    text = projected_value(lines, "plain_json")
    assert text == '[{"price": 12345678901234567890.123456789, "product_id": "p1", "quantity": 2}, null]'
    assert json.loads(text, parse_float=Decimal)[0]["price"] == Decimal("12345678901234567890.123456789")
