"""A thin typed S3 client: list, stream, presign, put and delete objects; errors mapped to ours."""

from __future__ import annotations

import builtins
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from multicloud_ctl.errors import AuthError, NotFound, ProviderError
from multicloud_ctl.providers.aws.errors import aws_errors
from multicloud_ctl.providers.aws.rawhttp import request_as_given, unreachable

MAX_SPLIT = 64  # list_all lists at most this many first-level prefixes in parallel, else the bucket flat


@dataclass(frozen=True)
class S3Object:
    """One object from a listing; `etag` without the quotes."""

    key: str
    size: int
    etag: str
    last_modified: datetime | None = None


@dataclass
class S3Client:
    """The S3 calls mcctl uses, over one guarded boto3 client."""

    client: Any
    counter: Any = None  # the runtime's CallCounter: presigned reads bypass the client's before-call hook
    network: Any = None  # the environment's NetworkConfig (timeouts and deadline of the presigned reads)
    wire: Any = None  # a SignedWire (`sigwire.py`): listings signed without botocore, when it can
    factory: Any = None  # makes `client` on first use when it is None (so a listing-only run never loads boto3)

    @classmethod
    def of(cls, aws: Any, region: str | None = None) -> S3Client:
        """The S3 client of an `AwsClients`: its boto3 client made only when a call needs it."""
        return cls(
            None, aws.counter, aws.environment.network, aws.signed("s3", region), lambda: aws.client("s3", region)
        )

    @property
    def boto(self) -> Any:
        if self.client is None:
            self.client = self.factory()
        return self.client

    def bucket_exists(self, bucket: str) -> bool:
        from multicloud_ctl.errors import NotFound

        try:
            with aws_errors("HeadBucket", bucket):
                self.boto.head_bucket(Bucket=bucket)
        except NotFound:
            return False
        return True

    def ensure_bucket(self, bucket: str, region: str) -> bool:
        """Create `bucket` when missing; True when it was created."""
        if self.bucket_exists(bucket):
            return False
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with aws_errors("CreateBucket", bucket):
            self.boto.create_bucket(**kwargs)
        return True

    def list(self, bucket: str, prefix: str = "") -> Iterator[S3Object]:
        """Every object in `bucket` under `prefix`, in key order."""
        for objects, _, _ in self._pages(bucket, prefix):
            yield from objects

    def list_all(self, bucket: str, prefix: str = "", *, workers: int = 8) -> builtins.list[S3Object]:
        """Every object under `prefix` in key order, the first level of "directories" listed in parallel.

        One delimited page finds the objects at this level and the common prefixes below it; each prefix
        is then listed on its own thread (S3 scales per prefix; rclone's checkers walk directories the same
        way). When that level is wide (more than one page, or over `MAX_SPLIT` prefixes) parallel listing
        would cost a request per small prefix, so the bucket is listed flat instead: a flat bucket costs
        one extra request at most.
        """
        from concurrent.futures import ThreadPoolExecutor

        objects, prefixes, more = next(self._pages(bucket, prefix, delimiter="/"))
        if more or len(prefixes) > MAX_SPLIT:
            return builtins.list(self.list(bucket, prefix))
        found = builtins.list(objects)
        if prefixes:
            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(prefixes)))) as pool:
                for listed in pool.map(lambda p: builtins.list(self.list(bucket, p)), prefixes):
                    found += listed
        return sorted(found, key=lambda o: o.key)  # code point order is S3's UTF-8 byte order

    def pages(
        self, bucket: str, prefix: str = "", *, delimiter: str = ""
    ) -> Generator[tuple[builtins.list[S3Object], builtins.list[str], bool], None, None]:
        """ListObjectsV2 pages as (objects, common prefixes, whether another page follows), in key order."""
        return self._pages(bucket, prefix, delimiter)

    def raw_pages(self, bucket: str, prefix: str = "", *, delimiter: str = "") -> Generator[bytes, None, None]:
        """ListObjectsV2 response bodies, unparsed, in key order (`parse_listing` reads one).

        The next page is asked for as soon as this one's continuation token is found, which takes a scan of
        the body (`continuation`), not a parse: run in a prefetch thread, the requests follow one another
        while the consumer parses (a 1,000-key page is ~5 ms of parsing, a gap before every next request
        when parse and request shared one thread). Keys come URL-encoded (`encoding-type=url`, as botocore
        asks for them) so that any key survives XML.
        """
        token = ""
        while True:
            params: dict[str, Any] = {"Bucket": bucket, "MaxKeys": 1000, "EncodingType": "url"}
            params |= {"Prefix": prefix} if prefix else {}
            params |= {"Delimiter": delimiter} if delimiter else {}
            params |= {"ContinuationToken": token} if token else {}
            data = self._signed_list(bucket, params)
            if data is None:
                with aws_errors("ListObjectsV2", bucket):
                    url = self.boto.generate_presigned_url("list_objects_v2", Params=params, ExpiresIn=900)
                data = self._request(url, "ListObjectsV2", bucket).data
            yield data
            token = continuation(data)
            if not token:
                return

    def _pages(
        self, bucket: str, prefix: str, delimiter: str = ""
    ) -> Generator[tuple[builtins.list[S3Object], builtins.list[str], bool], None, None]:
        """ListObjectsV2 pages as (objects, common prefixes, whether another page follows)."""
        for data in self.raw_pages(bucket, prefix, delimiter=delimiter):
            yield parse_listing(data)

    def _signed_list(self, bucket: str, params: dict[str, Any]) -> bytes | None:
        """One ListObjectsV2 page signed by `sigwire` (no botocore); None when that path cannot or did not
        answer 200 (the caller then asks through botocore, whose redirects and error mapping apply)."""
        if self.wire is None:
            return None
        query = {"list-type": "2", "max-keys": str(params["MaxKeys"]), "encoding-type": "url"}
        for name, param in (
            ("prefix", "Prefix"),
            ("delimiter", "Delimiter"),
            ("continuation-token", "ContinuationToken"),
        ):
            if param in params:
                query[name] = str(params[param])
        url = self.wire.s3_url(bucket, query)
        if url is None:
            return None
        response = self.wire.get(url, "ListObjectsV2", bucket, self._bounds()["retries"])
        return bytes(response.data) if response.status == 200 else None

    def _request(
        self, url: str, operation: str, what: str, headers: dict[str, str] | None = None, *, stream: bool = False
    ) -> Any:
        """A presigned GET's response (body read unless `stream`); transport errors and non-200 become ours."""
        import urllib3

        self._count(operation)
        try:
            response = request_as_given("GET", url, headers=headers or {}, preload_content=not stream, **self._bounds())
        except urllib3.exceptions.HTTPError as exc:
            raise unreachable(operation, what, exc) from exc
        if response.status != 200:
            body = response.read() if stream else response.data
            response.release_conn()
            raise _status_error(response.status, what, body, response.headers.get("x-amz-request-id"), operation)
        return response

    def open(self, bucket: str, key: str, *, if_match: str | None = None) -> Any:
        """The object's streaming body (read it in blocks); `if_match` pins the version we listed.

        A presigned GET on a urllib3 pool rather than `get_object`: the bytes and status are the same, and
        botocore's per-call machinery is about half the client CPU of copying a small object.
        """
        what = f"{bucket}/{key}"
        headers = {"If-Match": f'"{if_match}"'} if if_match else {}
        response = self._request(self.presign_get(bucket, key, 900), "GetObject", what, headers, stream=True)
        return _Body(response, what)

    def _count(self, operation: str) -> None:
        """Record a presigned read where the client's calls are counted (reads: never refused)."""
        if self.counter is not None:
            self.counter.add(operation, False, False)

    def _bounds(self) -> dict[str, Any]:
        """Timeouts and a deadline-bound Retry for one presigned request (`providers/deadline.py`)."""
        from multicloud_ctl.config.environment import NetworkConfig
        from multicloud_ctl.providers.deadline import urllib3_retry, urllib3_timeout

        network = self.network or NetworkConfig()
        retry = urllib3_retry(
            network,
            total=4,
            backoff_factor=0.2,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=("GET",),
            raise_on_status=False,
        )
        return {"retries": retry, "timeout": urllib3_timeout(network)}

    def read(self, bucket: str, key: str) -> bytes:
        body = self.open(bucket, key)
        with aws_errors("GetObject", f"{bucket}/{key}"):
            return bytes(body.read())

    def head(self, bucket: str, key: str) -> S3Object:
        """The object as it is now (HeadObject); NotFound when it is gone."""
        with aws_errors("HeadObject", f"{bucket}/{key}"):
            head = self.boto.head_object(Bucket=bucket, Key=key)
        return S3Object(
            key, int(head.get("ContentLength") or 0), str(head.get("ETag", "")).strip('"'), head.get("LastModified")
        )

    def inventory_configuration(self, bucket: str, config_id: str) -> dict[str, Any]:
        """GetBucketInventoryConfiguration: the `InventoryConfiguration` of `bucket` named `config_id`."""
        with aws_errors("GetBucketInventoryConfiguration", f"{bucket} {config_id}"):
            answer = self.boto.get_bucket_inventory_configuration(Bucket=bucket, Id=config_id)
        return dict(answer.get("InventoryConfiguration") or {})

    def sha256_checksum(self, bucket: str, key: str) -> str | None:
        """The object's full-object SHA-256 (hex) when S3 stored one at upload, else None."""
        import base64

        with aws_errors("HeadObject", f"{bucket}/{key}"):
            head = self.boto.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        value = head.get("ChecksumSHA256")
        if not value or "-" in value or head.get("ChecksumType", "FULL_OBJECT") != "FULL_OBJECT":
            return None
        return base64.b64decode(value).hex()

    def presign_get(self, bucket: str, key: str, expires: int = 3600) -> str:
        """A presigned GET URL (a local signature: no request is sent)."""
        return str(
            self.boto.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)
        )

    def put(self, bucket: str, key: str, data: bytes) -> str:
        """Write an object; returns its ETag."""
        with aws_errors("PutObject", f"{bucket}/{key}"):
            return str(self.boto.put_object(Bucket=bucket, Key=key, Body=data)["ETag"]).strip('"')

    def delete(self, bucket: str, keys: builtins.list[str]) -> None:
        """Delete keys in batches of 1,000."""
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            with aws_errors("DeleteObjects", bucket):
                self.boto.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})


class _Body:
    """A streaming object body whose transport errors become ours."""

    def __init__(self, response: Any, what: str) -> None:
        self._response = response
        self._what = what

    def read(self, amount: int | None = None) -> bytes:
        import urllib3

        try:
            return bytes(self._response.read(amount))
        except urllib3.exceptions.HTTPError as exc:
            raise ProviderError(
                f"AWS GetObject {self._what}: read failed: {exc}", provider="aws", operation="GetObject"
            ) from exc

    def close(self) -> None:
        self._response.release_conn()


_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
_TRUNCATED = re.compile(rb"<IsTruncated>\s*(true|false)\s*</IsTruncated>")
_NEXT_TOKEN = re.compile(rb"<NextContinuationToken>([^<]*)</NextContinuationToken>")


def continuation(data: bytes) -> str:
    """The continuation token of the page after this ListObjectsV2 body; "" when it is the last page.

    Found by a scan, not a parse: in a ListBucketResult each of these elements occurs once, in S3's default
    namespace (no prefix), and no key can imitate them (a `<` in a key is `%3C` with encoding-type=url, or
    `&lt;`). A body the scan cannot read that way (no IsTruncated element, or truncated without a token) is
    parsed. https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
    """
    truncated = _TRUNCATED.search(data)
    token = _NEXT_TOKEN.search(data)
    if truncated is None or (truncated[1] == b"true" and token is None):
        root = ET.fromstring(data)
        return _next_token(root, _NS if root.tag.startswith(_NS) else "")
    if truncated[1] != b"true" or token is None:
        return ""
    value = token[1].decode()
    if "&" in value:  # an entity or character reference (S3's tokens are base64: not seen there)
        import html

        value = html.unescape(value)
    return value


def parse_listing(data: bytes) -> tuple[list[S3Object], list[str], bool]:
    """One ListObjectsV2 body as (objects, common prefixes, whether another page follows).

    Parsed with ElementTree: botocore's response parsing costs ~30 ms of CPU per 1,000 keys, ElementTree
    ~3 ms, and on a no-change backup pass that is most of the client's share of the listing.
    """
    from urllib.parse import unquote_plus

    root = ET.fromstring(data)
    ns = _NS if root.tag.startswith(_NS) else ""
    objects = [
        S3Object(
            unquote_plus(c.findtext(f"{ns}Key") or ""),
            int(c.findtext(f"{ns}Size") or 0),
            (c.findtext(f"{ns}ETag") or "").strip('"'),
            _parse_time(c.findtext(f"{ns}LastModified")),
        )
        for c in root.iterfind(f"{ns}Contents")
    ]
    common = [unquote_plus(p.findtext(f"{ns}Prefix") or "") for p in root.iterfind(f"{ns}CommonPrefixes")]
    return objects, common, bool(_next_token(root, ns))


def _next_token(root: ET.Element, ns: str) -> str:
    """A parsed page's continuation token, "" unless the page says it is truncated and gives one."""
    token = root.findtext(f"{ns}NextContinuationToken") or ""
    return token if root.findtext(f"{ns}IsTruncated") == "true" else ""


def _parse_time(text: str | None) -> datetime | None:
    """S3's `2026-11-25T02:30:00.000Z` as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _status_error(
    status: int, what: str, body: bytes, request_id: str | None, operation: str = "GetObject"
) -> ProviderError:
    import re

    code = (re.search(rb"<Code>([^<]+)</Code>", body) or [b"", str(status).encode()])[1].decode()
    message = f"AWS {operation} {what}: {code} (HTTP {status})"
    kwargs: dict[str, Any] = {"provider": "aws", "operation": operation, "request_id": request_id, "status": status}
    if status == 404:
        return NotFound(message, **kwargs)
    if status == 403:
        return AuthError(message, hint="check the AWS credentials and IAM permissions for this call", **kwargs)
    if status == 412:
        return ProviderError(
            f"AWS {operation} {what}: changed since it was listed (ETag no longer matches)",
            hint="the next run copies the new version",
            **kwargs,
        )
    return ProviderError(message, **kwargs)
