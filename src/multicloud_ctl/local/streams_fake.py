"""A wire-level fake of DynamoDB Streams (and the two DynamoDB calls the sync makes on a streamed table).

boto3's `dynamodbstreams` client talks to it over HTTP exactly as to AWS: JSON 1.0 protocol, `X-Amz-Target:
DynamoDBStreams_20120810.<Operation>`, errors as `{"__type": "com.amazonaws.dynamodb.v20120810#<Code>",
"message": ...}` with HTTP 400 (500 for InternalServerError). Requests are checked against the published
service models (botocore's `service-2.json` for `dynamodbstreams` and `dynamodb`): unknown members, missing
required ones, lengths, enums and ranges are refused with a ValidationException and recorded as violations.

It behaves the way the DynamoDB documentation says the real service may, on demand:
- empty pages mid-shard: `gap(shard, pages)` makes the next GetRecords calls at the shard's current end return
  empty pages (each with a NextShardIterator that moves on) before the records written after it;
- iterators expire (`iterator_ttl` seconds, or `expire_iterators()` now): ExpiredIteratorException;
- records trimmed past retention (`trim(shard, keep)`): TrimmedDataAccessException for an iterator or a
  sequence number older than the trim horizon;
- shards split (`split(shard, children)`): the parent closes (EndingSequenceNumber) and its children carry
  ParentShardId, over as many generations as asked;
- throttling (`throttle(calls)` or `throttle(seconds=)`): LimitExceededException on GetRecords (the code the
  API reference lists), ThrottlingException (the common error) on the other operations;
- latency per call (`latency`), for timing idle passes.
A closed shard returns no NextShardIterator once read to its end; an open one always returns one.

Run it in a thread (`start_streams_fake()`) or as a process: `python -m multicloud_ctl.local.streams_fake
--port P --table Bench --shards 64 --records 20000 --latency 0.01`.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import gzip
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from multicloud_ctl.local.jsonhttp import Checked, JsonHandler, JsonServer, Request, Response, ServerHandle
from multicloud_ctl.local.jsonhttp import start_in_thread as _start

ACCOUNT = "123456789012"
REGION = "us-east-1"
ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
SEQ_BASE = 10**20  # 21-digit sequence numbers, as the service model requires (SequenceNumber min length 21)


@cache
def service_model(service: str) -> dict[str, Any]:
    """The published model (botocore's copy of AWS's service definition) of `service`."""
    import botocore

    root = Path(botocore.__file__).parent / "data" / service
    path = sorted(root.glob("*/service-2.json*"))[-1]
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return dict(json.load(fh))


def violations(model: dict[str, Any], shape_name: str, value: Any, where: str = "") -> list[str]:
    """What is wrong with `value` as an instance of `shape_name` (structure, string, integer, list)."""
    shape = model["shapes"][shape_name]
    kind, out = shape["type"], []
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{where or 'body'}: expected an object"]
        members = shape.get("members", {})
        out += [f"{where}{k}: unknown member" for k in value if k not in members]
        out += [f"{where}{k}: required" for k in shape.get("required", []) if k not in value]
        for k, v in value.items():
            if k in members:
                out += violations(model, members[k]["shape"], v, f"{where}{k}.")
    elif kind == "string":
        if not isinstance(value, str):
            return [f"{where[:-1]}: expected a string"]
        if "min" in shape and len(value) < shape["min"]:
            out.append(f"{where[:-1]}: shorter than {shape['min']}")
        if "max" in shape and len(value) > shape["max"]:
            out.append(f"{where[:-1]}: longer than {shape['max']}")
        if "enum" in shape and value not in shape["enum"]:
            out.append(f"{where[:-1]}: not one of {shape['enum']}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"{where[:-1]}: expected an integer"]
        if "min" in shape and value < shape["min"]:
            out.append(f"{where[:-1]}: below {shape['min']}")
    elif kind == "list":
        if not isinstance(value, list):
            return [f"{where[:-1]}: expected a list"]
        for i, v in enumerate(value):
            out += violations(model, shape["member"]["shape"], v, f"{where}{i}.")
    return out


class StreamsError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class Shard:
    shard_id: str
    parent_id: str | None
    start_seq: int
    records: list[dict[str, Any]] = field(default_factory=list)
    end_seq: int | None = None  # set when the shard closes
    trimmed: int = 0  # records[:trimmed] are gone
    gaps: dict[int, int] = field(default_factory=dict)  # record index -> empty pages served before it

    def seq_of(self, index: int) -> int:
        return int(self.records[index]["dynamodb"]["SequenceNumber"])

    def index_after(self, seq: int) -> int:
        """How many records have a sequence number <= `seq`."""
        return bisect.bisect_right(self.records, seq, key=lambda r: int(r["dynamodb"]["SequenceNumber"]))


@dataclass
class Stream:
    table: str
    key: str
    arn: str
    label: str
    shards: dict[str, Shard] = field(default_factory=dict)  # in creation order


@dataclass
class Iterator_:
    arn: str
    shard_id: str
    index: int
    gap_left: int | None  # None: not yet inside the gap at `index`
    issued: float


class StreamsState:
    """The streams, shards, records, iterators and armed faults; every method is thread-safe."""

    def __init__(self, clock: Any = None) -> None:
        from multicloud_ctl.engine.clock import default_clock

        self.clock = clock or default_clock()
        self.lock = threading.RLock()
        self.streams: dict[str, Stream] = {}
        self.iterators: dict[str, Iterator_] = {}
        self.seq = itertools.count(1)
        self.shard_no = itertools.count(1)
        self.latency = 0.0
        self.iterator_ttl = 900.0
        self.throttle_calls = 0
        self.throttle_until = 0.0
        self.throttle_ops: tuple[str, ...] = ()
        self.calls: dict[str, int] = {}
        self.expire_every = 0  # every Nth GetRecords answers ExpiredIteratorException (0: never)
        self.throttled = 0  # requests answered with a throttling error
        self.in_flight = self.max_in_flight = 0  # requests being answered at once (latency included)
        self.served: dict[str, int] = {}  # sequence number -> times delivered by GetRecords
        self.served_order: list[tuple[str, str]] = []  # (shard id, sequence number) in delivery order

    # ---- setup and faults (tests, bench) ----------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.__init__(self.clock)  # type: ignore[misc]

    def create_stream(self, table: str, key: str = "id", shards: int = 1) -> str:
        """A table with a NEW_AND_OLD_IMAGES stream of `shards` open root shards; returns the stream ARN."""
        with self.lock:
            label = self.clock().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
            arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}/stream/{label}"
            stream = Stream(table, key, arn, label)
            self.streams[arn] = stream
            for _ in range(shards):
                self._new_shard(stream, None)
            return arn

    def _new_shard(self, stream: Stream, parent: str | None) -> Shard:
        n = next(self.shard_no)
        shard = Shard(f"shardId-{n:020d}-{secrets.token_hex(4)}", parent, SEQ_BASE + next(self.seq))
        stream.shards[shard.shard_id] = shard
        return shard

    def stream_of(self, table: str) -> Stream:
        with self.lock:
            return next(s for s in self.streams.values() if s.table == table)

    def open_shards(self, table: str) -> list[str]:
        with self.lock:
            return [s.shard_id for s in self.stream_of(table).shards.values() if s.end_seq is None]

    def put(self, table: str, shard_id: str, key: str, image: dict[str, Any] | None, event: str = "") -> str:
        """Append one record (REMOVE when `image` is None) to an open shard; returns its sequence number."""
        with self.lock:
            stream = self.stream_of(table)
            shard = stream.shards[shard_id]
            assert shard.end_seq is None, f"{shard_id} is closed"
            seq = str(SEQ_BASE + next(self.seq))
            keys = {stream.key: {"S": key}}
            body: dict[str, Any] = {
                "ApproximateCreationDateTime": round(self.clock().timestamp(), 3),
                "Keys": keys,
                "SequenceNumber": seq,
                "SizeBytes": 100,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            }
            if image is not None:
                body["NewImage"] = {**image, **keys}
            shard.records.append(
                {
                    "eventID": secrets.token_hex(16),
                    "eventName": event or ("REMOVE" if image is None else "MODIFY"),
                    "eventVersion": "1.1",
                    "eventSource": "aws:dynamodb",
                    "awsRegion": REGION,
                    "dynamodb": body,
                }
            )
            return seq

    def gap(self, table: str, shard_id: str, pages: int) -> None:
        """The next records written to the shard come after `pages` empty GetRecords pages."""
        with self.lock:
            shard = self.stream_of(table).shards[shard_id]
            shard.gaps[len(shard.records)] = pages

    def split(self, table: str, shard_id: str, children: int = 2) -> list[str]:
        """Close an open shard and open `children` shards whose parent it is."""
        with self.lock:
            stream = self.stream_of(table)
            shard = stream.shards[shard_id]
            assert shard.end_seq is None, f"{shard_id} is already closed"
            shard.end_seq = shard.seq_of(-1) if shard.records else shard.start_seq
            return [self._new_shard(stream, shard_id).shard_id for _ in range(children)]

    def trim(self, table: str, shard_id: str, keep: int = 0) -> None:
        """Trim all but the last `keep` records of a shard (past retention)."""
        with self.lock:
            shard = self.stream_of(table).shards[shard_id]
            shard.trimmed = max(shard.trimmed, len(shard.records) - keep)

    def expire_iterators(self) -> None:
        """Every iterator handed out so far expires now."""
        with self.lock:
            for it in self.iterators.values():
                it.issued = -1e12

    def throttle(self, calls: int = 0, seconds: float = 0.0, operations: tuple[str, ...] = ()) -> None:
        """Throttle the next `calls` requests, or every request for `seconds` (of `operations`, default all)."""
        with self.lock:
            self.throttle_ops = operations
            self.throttle_calls = calls
            self.throttle_until = time.monotonic() + seconds if seconds else 0.0

    # ---- the API ---------------------------------------------------------------------------------
    def call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)
            return self._call(operation, body)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1
            armed = self.throttle_calls > 0 or time.monotonic() < self.throttle_until
            if armed and operation in (self.throttle_ops or (operation,)):
                self.throttle_calls = max(0, self.throttle_calls - 1)
                self.throttled += 1
                code = "LimitExceededException" if operation == "GetRecords" else "ThrottlingException"
                raise StreamsError(code, "Rate exceeded for shard" if operation == "GetRecords" else "Rate exceeded")
            handler = getattr(self, f"_op_{operation}", None)
            if handler is None:
                raise StreamsError("UnknownOperationException", f"unknown operation {operation}")
            return dict(handler(body))

    def _stream(self, arn: str) -> Stream:
        stream = self.streams.get(arn)
        if stream is None:
            raise StreamsError("ResourceNotFoundException", f"Requested resource not found: Stream: {arn} not found")
        return stream

    def _op_ListStreams(self, body: dict[str, Any]) -> dict[str, Any]:
        table = body.get("TableName")
        found = [s for s in self.streams.values() if table in (None, s.table)]
        return {"Streams": [{"StreamArn": s.arn, "TableName": s.table, "StreamLabel": s.label} for s in found]}

    def _op_DescribeStream(self, body: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(body["StreamArn"])
        limit = min(int(body.get("Limit", 100)), 100)
        shards = [s for s in stream.shards.values() if not (s.end_seq is not None and s.trimmed >= len(s.records) > 0)]
        start = body.get("ExclusiveStartShardId")
        if start:
            ids = [s.shard_id for s in shards]
            shards = shards[ids.index(start) + 1 :] if start in ids else []
        page = shards[:limit]
        out: list[dict[str, Any]] = []
        for s in page:
            rng = {"StartingSequenceNumber": str(s.start_seq)}
            if s.end_seq is not None:
                rng["EndingSequenceNumber"] = str(s.end_seq)
            entry: dict[str, Any] = {"ShardId": s.shard_id, "SequenceNumberRange": rng}
            if s.parent_id:
                entry["ParentShardId"] = s.parent_id
            out.append(entry)
        desc: dict[str, Any] = {
            "StreamArn": stream.arn,
            "StreamLabel": stream.label,
            "StreamStatus": "ENABLED",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            "CreationRequestDateTime": 0,
            "TableName": stream.table,
            "KeySchema": [{"AttributeName": stream.key, "KeyType": "HASH"}],
            "Shards": out,
        }
        if len(shards) > limit:
            desc["LastEvaluatedShardId"] = page[-1].shard_id
        return {"StreamDescription": desc}

    def _issue(self, arn: str, shard: Shard, index: int, gap_left: int | None = None) -> str:
        token = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/it|{secrets.token_urlsafe(48)}"
        self.iterators[token] = Iterator_(arn, shard.shard_id, index, gap_left, time.monotonic())
        return token

    def _op_GetShardIterator(self, body: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(body["StreamArn"])
        shard = stream.shards.get(body["ShardId"])
        if shard is None:
            raise StreamsError("ResourceNotFoundException", f"Requested resource not found: Shard: {body['ShardId']}")
        kind, seq = body["ShardIteratorType"], body.get("SequenceNumber")
        if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            if seq is None:
                raise StreamsError("ValidationException", f"SequenceNumber is required for {kind}")
            index = max(shard.index_after(int(seq)) - (1 if kind == "AT_SEQUENCE_NUMBER" else 0), 0)
            if index < shard.trimmed:
                raise StreamsError(
                    "TrimmedDataAccessException",
                    f"Attempted to access a sequence number ({seq}) that is beyond the trim horizon of shard "
                    f"{shard.shard_id}",
                )
        elif kind == "TRIM_HORIZON":
            index = shard.trimmed
        elif kind == "LATEST":
            index = len(shard.records)
        else:
            raise StreamsError("ValidationException", f"{kind} is not supported by this fake")
        return {"ShardIterator": self._issue(stream.arn, shard, index)}

    def _op_GetRecords(self, body: dict[str, Any]) -> dict[str, Any]:
        it = self.iterators.get(body["ShardIterator"])
        if it is None:
            raise StreamsError("ValidationException", "Invalid ShardIterator")
        due = self.expire_every and self.calls["GetRecords"] % self.expire_every == 0
        if due or time.monotonic() - it.issued > self.iterator_ttl:
            raise StreamsError("ExpiredIteratorException", "Iterator expired. The iterator was created at time ...")
        limit = min(int(body.get("Limit", 1000)), 1000)
        shard = self.streams[it.arn].shards[it.shard_id]
        if it.index < shard.trimmed:
            raise StreamsError(
                "TrimmedDataAccessException",
                f"Attempted to access a record that is beyond the trim horizon of shard {shard.shard_id}",
            )
        gap_left = shard.gaps.get(it.index, 0) if it.gap_left is None else it.gap_left
        if gap_left > 0:
            return {"Records": [], "NextShardIterator": self._issue(it.arn, shard, it.index, gap_left - 1)}
        end = min(len(shard.records), it.index + limit)
        nxt = next((g for g in sorted(shard.gaps) if it.index < g < end and shard.gaps[g] > 0), None)
        end = nxt if nxt is not None else end
        records = shard.records[it.index : end]
        for r in records:
            seq = r["dynamodb"]["SequenceNumber"]
            self.served[seq] = self.served.get(seq, 0) + 1
            self.served_order.append((shard.shard_id, seq))
        out: dict[str, Any] = {"Records": records}
        if shard.end_seq is None or end < len(shard.records):
            out["NextShardIterator"] = self._issue(it.arn, shard, end)
        return out

    # DynamoDB (not Streams): the table behind each stream, for DescribeTable and an empty Scan.
    def _op_DescribeTable(self, body: dict[str, Any]) -> dict[str, Any]:
        stream = next((s for s in self.streams.values() if s.table == body["TableName"]), None)
        if stream is None:
            raise StreamsError("ResourceNotFoundException", f"Requested resource not found: Table: {body['TableName']}")
        return {
            "Table": {
                "TableName": stream.table,
                "TableStatus": "ACTIVE",
                "KeySchema": [{"AttributeName": stream.key, "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": stream.key, "AttributeType": "S"}],
                "ItemCount": 0,
                "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
                "LatestStreamArn": stream.arn,
                "LatestStreamLabel": stream.label,
            }
        }

    def _op_Scan(self, body: dict[str, Any]) -> dict[str, Any]:
        if not any(s.table == body["TableName"] for s in self.streams.values()):
            raise StreamsError("ResourceNotFoundException", f"Requested resource not found: Table: {body['TableName']}")
        return {"Items": [], "Count": 0, "ScannedCount": 0}


TARGETS = {"DynamoDBStreams_20120810": "dynamodbstreams", "DynamoDB_20120810": "dynamodb"}
SANDBOX_SECRETS = {"testing": "testing"}  # config/local.yaml's `literal-dev:testing` key pair
SIGNATURE_CODES = (
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
    "InvalidSignatureException",
    "UnrecognizedClientException",
)


def signature_problem(request: Request) -> str | None:
    """'<code>: <message>' when AWS would refuse the request's Signature Version 4, else None.

    Both DynamoDB and DynamoDB Streams sign as service `dynamodb`
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html). The signature
    is recomputed over the headers the request says it signed, with the secret of the sandbox's key pair, so a
    client that signs the wrong service, region-less scope, body or header is refused as AWS would refuse it.
    The clock is not compared (the fake's clock is moved by tests).
    """
    import hmac
    import re
    from urllib.parse import urlencode

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    header = request.headers.get("authorization", "")
    if not header:
        return "MissingAuthenticationTokenException: Request is missing Authentication Token"
    m = re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?"
        r"SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})",
        header,
    )
    amz_date = request.headers.get("x-amz-date", "")
    if m is None or not amz_date.startswith(m.group(2)):
        return "IncompleteSignatureException: Authorization header requires Credential, SignedHeaders, Signature"
    key, _day, region, service, signed, signature = m.groups()
    if service != "dynamodb":
        return (
            f"InvalidSignatureException: Credential should be scoped to correct service: 'dynamodb'. (not {service!r})"
        )
    secret = SANDBOX_SECRETS.get(key)
    if secret is None:
        return "UnrecognizedClientException: The security token included in the request is invalid."
    names = signed.split(";")
    if "host" not in names or any(n not in request.headers for n in names):
        return "IncompleteSignatureException: SignedHeaders must include host and name only headers sent"
    query = f"?{urlencode(request.query)}" if request.query else ""
    copy = AWSRequest(
        method=request.method,
        url=f"http://{request.headers['host']}{request.path}{query}",
        data=request.raw_body,
        headers={n: request.headers[n] for n in names},
    )
    copy.context["timestamp"] = amz_date
    auth = SigV4Auth(Credentials(key, secret), service, region)
    expected = auth.signature(auth.string_to_sign(copy, auth.canonical_request(copy)), copy)
    if not hmac.compare_digest(expected, signature):
        return (
            "InvalidSignatureException: The request signature we calculated does not match the signature you "
            "provided. Check your AWS Secret Access Key and signing method."
        )
    return None


DYNAMODB_OPERATIONS = {"DescribeTable", "Scan"}


class StreamsHandler(JsonHandler):
    request_id_header = "x-amzn-RequestId"
    server: StreamsServer

    def error_response(self, status: int, code: str, message: str) -> Response:
        return Response(status, {"__type": ERROR_PREFIX + code, "message": message}, _JSON_HEADERS)

    def new_request_id(self) -> str:
        return secrets.token_hex(26).upper()[:52]

    def check(self, request: Request) -> Checked | None:
        target = request.headers.get("x-amz-target", "")
        prefix, _, operation = target.partition(".")
        service = TARGETS.get(prefix)
        problems: list[str] = []
        if request.method != "POST" or request.path != "/":
            problems.append(f"{request.method} {request.path}: the JSON protocol is POST /")
        if request.headers.get("content-type", "").split(";")[0] != "application/x-amz-json-1.0":
            problems.append("Content-Type must be application/x-amz-json-1.0")
        if service is None:
            return Checked(target or "-", (*problems, f"unknown X-Amz-Target {target!r}"))
        if len(request.raw_body) < int(request.headers.get("content-length") or 0):
            return Checked(target, ())  # the client died mid-request (a SIGKILL test): nothing to judge
        refused = signature_problem(request)
        if refused is not None:
            return Checked(target, (refused,))
        model = service_model(service)
        op = model["operations"].get(operation)
        if op is None or (service == "dynamodb" and operation not in DYNAMODB_OPERATIONS):
            return Checked(target, (*problems, f"{target}: not an operation this fake serves"))
        problems += violations(model, op["input"]["shape"], request.body if request.body is not None else {})
        return Checked(target, tuple(problems))

    def route(self, request: Request) -> Response:
        checked = request.checked
        assert checked is not None
        if checked.violations:
            code, _, message = checked.violations[0].partition(": ")
            if code in SIGNATURE_CODES:  # all HTTP 400 in DynamoDB ("Error handling", DynamoDB Developer Guide)
                return self.error_response(400, code, message)
            return self.error_response(400, "ValidationException", "; ".join(checked.violations))
        if len(request.raw_body) < int(request.headers.get("content-length") or 0):
            return self.error_response(400, "SerializationException", "truncated request body")
        operation = checked.operation.partition(".")[2]
        try:
            return Response(200, self.server.state.call(operation, dict(request.body or {})), _JSON_HEADERS)
        except StreamsError as exc:
            return self.error_response(exc.status, exc.code, exc.message)


_JSON_HEADERS = {"Content-Type": "application/x-amz-json-1.0"}


class StreamsServer(JsonServer):
    def __init__(self, port: int = 0, state: StreamsState | None = None) -> None:
        self.state = state or StreamsState()
        super().__init__(port, StreamsHandler, service="mcctl-streams-fake", reset=self.state.reset)


def start_streams_fake(port: int = 0, state: StreamsState | None = None) -> tuple[ServerHandle, StreamsState]:
    """The fake on a free (or given) loopback port in a background thread, and its state."""
    server = StreamsServer(port, state)
    return _start(server), server.state


def seed(state: StreamsState, table: str, shards: int, records: int, key: str = "id") -> str:
    """A table whose stream has `shards` open shards and `records` MODIFY records spread over them."""
    arn = state.create_stream(table, key, shards)
    ids = state.open_shards(table)
    for i in range(records):
        image = {"status": {"S": ("new", "paid", "shipped")[i % 3]}, "total": {"N": f"{i}.{i % 100:02d}"}}
        image["payload"] = {"S": "x" * 400}
        state.put(table, ids[i % len(ids)], f"item-{i % max(1, records // 2):07d}", image)
    return arn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A wire-level fake of DynamoDB Streams on 127.0.0.1.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--table", default="Bench")
    parser.add_argument("--key", default="id")
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--records", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every call")
    args = parser.parse_args(argv)
    server = StreamsServer(args.port)
    seed(server.state, args.table, args.shards, args.records, args.key)
    server.state.latency = args.latency
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
