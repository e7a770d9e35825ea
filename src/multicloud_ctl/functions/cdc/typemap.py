"""DynamoDB attribute values <-> a typed, canonical JSON document (exact round trip) and SQL column values.

The document is DynamoDB's own typed JSON (`{"N": "1.50"}`, `{"SS": [...]}`) with binary as base64 and sets
sorted, serialized with sorted keys: numbers stay exact decimal strings (never float), and the same item
always gives the same bytes, so its SHA-256 is a stable content hash for `mcctl sync verify`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from decimal import Context, Decimal, InvalidOperation
from typing import Any

_orjson: Any
try:  # the standard library's encoder took 6.1 us of a record's CPU, orjson 1.6; the fallback writes the same text
    import orjson as _orjson
except ImportError:  # pragma: no cover - the CLI depends on orjson; a function package may lack it
    _orjson = None

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]
SEQ_WIDTH = 40
EXACT = Context(prec=60)  # DynamoDB numbers have up to 38 significant digits; never round them


class UnappliableRecord(ValueError):
    """A record that cannot become a SQL row (its reason goes to the dead-letter table)."""


def pad_seq(seq: str) -> str:
    """A stream sequence number, zero-padded so that string order equals numeric order."""
    if not seq.isdigit() or len(seq) > SEQ_WIDTH:
        raise UnappliableRecord(f"sequence number {seq!r} is not a decimal string of <= {SEQ_WIDTH} digits")
    return seq.zfill(SEQ_WIDTH)


def unpad_seq(seq: str | None) -> str | None:
    """The stream's own form of a padded sequence number."""
    if seq is None:
        return None
    return seq.lstrip("0") or "0"


def number_text(value: Any) -> str:
    """A DynamoDB number in one canonical exact form ("1.50" and "1.5" are the same number)."""
    dec = exact_decimal(value)
    return format(dec.normalize(EXACT), "f") if dec else "0"


def key_identity(values: list[tuple[str, Any]]) -> str:
    """A stable text id of an item key from (type, value) pairs, the same from DynamoDB and from SQL."""
    parts = []
    for kind, value in values:
        if kind == "N":
            parts.append(["N", number_text(value)])
        elif kind == "B":
            parts.append(["B", _b64(value)])
        else:
            parts.append(["S", str(value)])
    return json.dumps(parts, separators=(",", ":"), ensure_ascii=False)


def _b64(value: bytes | bytearray | str) -> str:
    if isinstance(value, str):  # Lambda events already carry base64 text
        return value
    return base64.b64encode(bytes(value)).decode("ascii")


def encode_value(value: AttributeValue) -> AttributeValue:
    """One attribute value in canonical typed-JSON form."""
    if len(value) != 1:
        raise UnappliableRecord(f"not a DynamoDB attribute value: {sorted(value)}")
    ((tag, inner),) = value.items()
    if tag == "N":
        return {"N": number_text(inner)}
    if tag in ("S", "BOOL"):
        return {tag: inner}
    if tag == "NULL":
        return {"NULL": True}
    if tag == "B":
        return {"B": _b64(inner)}
    if tag == "SS":
        return {tag: sorted(str(v) for v in inner)}
    if tag == "NS":
        return {tag: sorted(number_text(v) for v in inner)}
    if tag == "BS":
        return {"BS": sorted(_b64(v) for v in inner)}
    if tag == "L":
        return {"L": [encode_value(v) for v in inner]}
    if tag == "M":
        return {"M": {str(k): encode_value(v) for k, v in inner.items()}}
    raise UnappliableRecord(f"unknown DynamoDB type {tag!r}")


def decode_value(value: AttributeValue) -> AttributeValue:
    """Back to the boto3 wire form (binary as bytes)."""
    ((tag, inner),) = value.items()
    if tag == "B":
        return {"B": base64.b64decode(inner)}
    if tag == "BS":
        return {"BS": [base64.b64decode(v) for v in inner]}
    if tag == "L":
        return {"L": [decode_value(v) for v in inner]}
    if tag == "M":
        return {"M": {k: decode_value(v) for k, v in inner.items()}}
    return {tag: inner}


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)  # stateless, reused


def canonical_json(value: Any) -> str:
    """`value` as `_CANONICAL` writes it (sorted keys, no spaces, UTF-8 text unescaped), by orjson where it can.

    The two agree byte for byte on what documents hold (str, bool, lists, dicts with str keys: numbers are
    text here), which `tests/unit/sync/test_canonical_json.py` checks over generated documents: keys sort by
    code point in both, and both escape only the quote, the backslash and the C0 controls. orjson refuses a
    lone surrogate (the standard library writes it): that text takes the standard library's path.
    """
    if _orjson is not None:
        try:
            return str(_orjson.dumps(value, option=_orjson.OPT_SORT_KEYS), "utf-8")
        except TypeError:
            pass
    return _CANONICAL.encode(value)


def canonical_document(item: Item) -> str:
    """The item as canonical typed JSON text (what the `_doc` column stores)."""
    encoded = {}
    for k, v in item.items():
        # a plain string is already canonical: skip the general path for the commonest attribute type
        encoded[str(k)] = v if len(v) == 1 and type(v.get("S")) is str else encode_value(v)
    return canonical_json(encoded)


def decode_document(text: str) -> Item:
    """The item back from `_doc` (exact inverse of `canonical_document`, sets in sorted order)."""
    return {k: decode_value(v) for k, v in json.loads(text).items()}


def content_hash(document: str) -> str:
    """SHA-256 of a canonical document."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def key_value(value: AttributeValue, kind: str) -> Any:
    """A key attribute as the SQL value of its key column (S -> str, N -> Decimal, B -> bytes)."""
    if kind not in value:
        raise UnappliableRecord(f"key attribute has type {next(iter(value))}, the mapping says {kind}")
    inner = value[kind]
    if kind == "N":
        return exact_decimal(inner)
    if kind == "B":
        return base64.b64decode(inner) if isinstance(inner, str) else bytes(inner)
    return str(inner)


def exact_decimal(text: Any) -> Decimal:
    try:
        return Decimal(str(text))
    except InvalidOperation as exc:
        raise UnappliableRecord(f"{text!r} is not a number") from exc


_NUM = "\x00num:"


def _plain(value: AttributeValue) -> Any:
    ((tag, inner),) = value.items()
    if tag == "N":
        return _NUM + number_text(inner)
    if tag == "NS":
        return [_NUM + n for n in sorted(number_text(v) for v in inner)]
    if tag in ("B", "BS"):
        return _b64(inner) if tag == "B" else sorted(_b64(v) for v in inner)
    if tag == "SS":
        return sorted(inner)
    if tag == "NULL":
        return None
    if tag == "L":
        return [_plain(v) for v in inner]
    if tag == "M":
        return {k: _plain(v) for k, v in inner.items()}
    return inner


def plain_json(value: AttributeValue) -> str:
    """Untyped JSON (what the functions' SQL store writes, e.g. `Orders.lines`), numbers still exact text."""
    text = json.dumps(_plain(value), sort_keys=True, ensure_ascii=False)
    return re.sub(r'"\\u0000num:(-?[0-9.]+)"', r"\1", text)


def projected_value(value: AttributeValue | None, kind: str) -> Any:
    """An attribute as the SQL value of a projected column of `kind` (string|number|boolean|json|plain_json)."""
    if value is None or "NULL" in value:
        return None
    if kind == "json":
        return json.dumps(encode_value(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if kind == "plain_json":
        return plain_json(value)
    tag, inner = next(iter(value.items()))
    if kind == "string":
        if tag != "S":
            raise UnappliableRecord(f"expected a string (S), got {tag}")
        return inner
    if kind == "number":
        if tag != "N":
            raise UnappliableRecord(f"expected a number (N), got {tag}")
        return exact_decimal(inner)
    if kind == "boolean":
        if tag != "BOOL":
            raise UnappliableRecord(f"expected a boolean (BOOL), got {tag}")
        return bool(inner)
    raise UnappliableRecord(f"unknown projected column type {kind!r}")
