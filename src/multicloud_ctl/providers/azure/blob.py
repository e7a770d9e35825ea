"""A thin typed client over one Azure Blob container: the calls the backup verbs use, errors mapped.

`backup_container(runtime, name)` wraps the runtime's `BlobServiceClient` (`providers/azure/clients.py`:
Azurite's published development account on `local`, the connection reference or credential in the cloud),
whose pipeline carries the dry-run guard: under --dry-run any PUT/DELETE is refused before it leaves the
process, and `guard.mutating`/`guard.blocked` let tests prove that a dry run made zero mutating calls.

Block ids are given in clear (`b00000001`); the SDK base64-encodes them on the wire.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from multicloud_ctl.providers.azure.blobnames import check_writable
from multicloud_ctl.providers.azure.errors import azure_errors
from multicloud_ctl.providers.dryrun import MutationGuard

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.azure.blobwire import BlobWire
    from multicloud_ctl.providers.azure.sharedkey import SharedKey


_MONTHS = {
    m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)
}


PARSE_CHUNK = 64 * 1024


def parse_in_chunks(data: bytes) -> ET.Element:
    """`ET.fromstring(data)`, fed to the parser 64 KiB at a time.

    One `fromstring` holds the GIL for the whole document: a 5,000-blob List Blobs page with metadata is
    ~4.8 MB and 60-90 ms of parsing, during which no other thread of the process runs (the S3 listing's
    next request waited behind it). Fed in chunks, the other threads get their turn between chunks; the
    parse costs the same.
    """
    parser = ET.XMLParser()
    for start in range(0, len(data), PARSE_CHUNK):
        parser.feed(data[start : start + PARSE_CHUNK])
    return parser.close()


@lru_cache(maxsize=4096)
def http_date(text: str) -> datetime:
    """An RFC 1123 date as the Blob service writes `Last-Modified` (`Fri, 04 Dec 2026 13:24:42 GMT`), aware.

    Split by hand (a third of `email.utils.parsedate_to_datetime`'s CPU, which was 0.1-0.2 s per 8,000 blobs
    listed) and cached, since a listing repeats the same second many times (8,000 lookups: 3 ms); anything
    else is parsed by email.utils.
    """
    try:
        _, day, month, year, clock, zone = text.split()
        hour, minute, second = clock.split(":")
        if zone != "GMT":
            raise ValueError(zone)
        return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    except (ValueError, KeyError):
        from email.utils import parsedate_to_datetime

        return parsedate_to_datetime(text)


@dataclass(frozen=True)
class BlobInfo:
    """One blob (or blob snapshot) from a listing."""

    name: str
    size: int
    metadata: dict[str, str]
    last_modified: datetime | None = None
    snapshot: str | None = None
    etag: str = ""


@dataclass
class BlobContainer:
    """The calls mcctl makes on one container, returning our dataclasses and raising our errors.

    `clients` is the runtime's `AzureClients` (or anything with `.blob` and `.guard`), read on first use:
    the Azure SDK import then happens in whichever thread first needs it (the listing thread of a plan,
    overlapping the S3 listing) instead of up front.
    """

    clients: Any
    name: str
    _container: Any = field(default=None, repr=False)
    _service: Any = field(default=None, repr=False)
    _wire: BlobWire | None = field(default=None, repr=False)

    @property
    def service(self) -> Any:
        if self._service is None:
            self._service = self.clients.blob
        return self._service

    @property
    def guard(self) -> MutationGuard:
        return self.clients.guard  # type: ignore[no-any-return]

    @property
    def container(self) -> Any:
        if self._container is None:
            self._container = self.service.get_container_client(self.name)
        return self._container

    def blob(self, name: str, snapshot: str | None = None) -> Any:
        return self.service.get_blob_client(self.name, name, snapshot=snapshot)

    @property
    def key(self) -> SharedKey | None:
        """The account's Shared Key signer when the clients have one (`AzureClients.blob_key`): then the wire
        calls (listing, container properties and create, Put Blob, Put Block, Put Block List) need no SDK."""
        return getattr(self.clients, "blob_key", None)

    def url(self) -> str:
        if self.key is not None:
            base, _, sas = str(self.clients.blob_url).partition("?")
            return f"{base}/{self.name}" + (f"?{sas}" if sas else "")
        return str(self.container.url)

    def exists(self) -> bool:
        if self.key is not None:  # Get Container Properties: 200, or 404 when there is no such container
            query = {"restype": "container"}
            found = self.wire.send(
                "GET", self._url("", query), f"get container {self.name}", ok=(200,), missing_ok=True
            )
            return found is not None
        with azure_errors(f"get container {self.name}"):
            return bool(self.container.exists())

    def ensure(self) -> bool:
        """Create the container when it is missing; True when it was created."""
        if self.exists():
            return False
        if self.key is not None:  # Create Container: 201, or 409 ContainerAlreadyExists (another run won)
            from multicloud_ctl.providers.azure.blobwire import status_error

            operation = f"create container {self.name}"
            answer = self.wire.send("PUT", self._url("", {"restype": "container"}), operation, ok=(201, 409))
            if answer.status == 409 and answer.headers.get("x-ms-error-code") != "ContainerAlreadyExists":
                raise status_error(operation, answer.status, answer.headers, answer.data)  # e.g. being deleted
            return bool(answer.status == 201)
        from azure.core.exceptions import ResourceExistsError

        with azure_errors(f"create container {self.name}"):
            try:
                self.container.create_container()
            except ResourceExistsError:
                return False
        return True

    def list(self, prefix: str = "", *, snapshots: bool = False, metadata: bool = True) -> Iterator[BlobInfo]:
        """Every blob under `prefix` (with snapshots when asked), with metadata; none if no container.

        Sent on the wire path (`blobwire.py`) and parsed with ElementTree: the SDK's per-blob model
        deserialization costs ~10x more CPU, which is most of a no-change pass.
        """
        for blobs, _ in self.pages(prefix, snapshots=snapshots, metadata=metadata):
            yield from blobs

    def pages(
        self,
        prefix: str = "",
        *,
        delimiter: str = "",
        snapshots: bool = False,
        metadata: bool = True,
        page_size: int = 5000,
    ) -> Iterator[tuple[builtins.list[BlobInfo], builtins.list[str]]]:
        """List Blobs pages as (blobs, blob prefixes), in name order; with `delimiter`, one level only.

        A delimited listing returns `BlobPrefix` elements for the "directories" below `prefix` (List Blobs,
        `delimiter` parameter), which is how the daily backup fans the mirror listing out by prefix. A page's
        parsed XML is ~3 KB per blob with metadata: it is dropped before the page is handed on, and callers
        that list many prefixes at once ask for smaller pages (`page_size`, List Blobs `maxresults`).
        """
        include = ",".join((["metadata"] if metadata else []) + (["snapshots"] if snapshots else []))
        marker = ""
        while True:
            query = {"restype": "container", "comp": "list", "maxresults": str(page_size)}
            query |= {"prefix": prefix} if prefix else {}
            query |= {"delimiter": delimiter} if delimiter else {}
            query |= {"include": include} if include else {}
            query |= {"marker": marker} if marker else {}
            response = self.wire.send(
                "GET", self._url("", query), f"list blobs {self.name}/{prefix}", ok=(200,), missing_ok=True
            )
            if response is None:
                return
            root = parse_in_chunks(response.data)
            found = []
            for b in root.iterfind("./Blobs/Blob"):
                props = b.find("Properties")
                size = int(props.findtext("Content-Length") or 0) if props is not None else 0
                modified = props.findtext("Last-Modified") if props is not None else None
                meta_el = b.find("Metadata")
                meta = {m.tag: m.text or "" for m in meta_el} if meta_el is not None else {}
                found.append(
                    BlobInfo(
                        b.findtext("Name") or "",
                        size,
                        meta,
                        http_date(modified) if modified else None,
                        b.findtext("Snapshot") or None,
                        ((props.findtext("Etag") if props is not None else "") or "").strip('"'),
                    )
                )
            prefixes = [p.findtext("Name") or "" for p in root.iterfind("./Blobs/BlobPrefix")]
            marker = root.findtext("NextMarker") or ""
            del root, response  # the tree and the raw page: several times the size of `found`
            yield found, prefixes
            if not marker:
                return

    def upload(self, name: str, data: bytes, metadata: dict[str, str]) -> None:
        """Write a whole blob and its metadata in one Put Blob (atomic: both or neither), on the wire path."""
        check_writable(name, "put blob")
        headers = {
            "x-ms-blob-type": "BlockBlob",
            "Content-Length": str(len(data)),
            "Content-Type": "application/octet-stream",
            **{f"x-ms-meta-{k}": v for k, v in metadata.items()},
        }
        self.wire.send("PUT", self._url(name), f"put blob {name}", ok=(201,), headers=headers, body=data)

    @property
    def wire(self) -> BlobWire:
        """The urllib3 path: signed with the account key when there is one (no SDK import), else by this
        container client's credential policy, with the SDK's api-version either way (`BLOB_API_VERSION`)."""
        if self._wire is None:
            from urllib.parse import urlsplit

            from multicloud_ctl.providers.azure.blobwire import BlobWire
            from multicloud_ctl.providers.azure.sharedkey import BLOB_API_VERSION

            key = self.key
            container = self.container if key is None else None
            local = urlsplit(self.url()).hostname in ("127.0.0.1", "localhost", "::1")
            environment = getattr(self.clients, "environment", None)
            self._wire = BlobWire(
                container._credential_policy if container is not None else None,
                self.guard,
                local=local,
                api_version=container.api_version if container is not None else BLOB_API_VERSION,
                network=getattr(environment, "network", None),
                key=key,
            )
        return self._wire

    def _url(self, blob: str, query: dict[str, str] | None = None) -> str:
        """The container (or a blob in it) URL with `query`, keeping a SAS the client URL carries."""
        from urllib.parse import quote, urlencode

        base, _, sas = self.url().partition("?")
        path = f"{base}/{quote(blob, safe='/')}" if blob else base
        params = "&".join(p for p in (urlencode(query or {}), sas) if p)
        return f"{path}?{params}" if params else path

    def stage_block(self, name: str, block_id: str, data: bytes) -> None:
        """Put Block; the id is sent base64-encoded (UTF-8), as the SDK encodes it."""
        check_writable(name, "put block")
        if self.key is not None:
            query = {"comp": "block", "blockid": _block_id64(block_id)}
            headers = {"Content-Length": str(len(data)), "Content-Type": "application/octet-stream"}
            self.wire.send("PUT", self._url(name, query), f"put block {name}", ok=(201,), headers=headers, body=data)
            return
        with azure_errors(f"put block {name}"):
            self.blob(name).stage_block(block_id, data, length=len(data))

    def stage_block_from_url(
        self, name: str, block_id: str, source_url: str, offset: int, length: int, *, source_md5: str = ""
    ) -> None:
        """Put Block From URL: the service reads the range from `source_url` (bytes never pass through us).

        `source_md5` (hex) is sent as `x-ms-source-content-md5`: the service hashes the range it fetched
        and refuses the block (400 Md5Mismatch) when it differs (REST reference, Put Block From URL).
        """
        check_writable(name, "put block from url")
        kwargs: dict[str, Any] = {"source_content_md5": bytes.fromhex(source_md5)} if source_md5 else {}
        with azure_errors(f"put block from url {name}"):
            self.blob(name).stage_block_from_url(
                block_id, source_url, source_offset=offset, source_length=length, **kwargs
            )

    def commit_blocks(self, name: str, block_ids: builtins.list[str], metadata: dict[str, str]) -> None:
        """Commit the block list with the metadata in one request (atomic: the blob appears complete)."""
        check_writable(name, "put block list")
        if self.key is not None:  # Put Block List: <BlockList><Latest>base64 id</Latest>...</BlockList>
            body = (
                '<?xml version="1.0" encoding="utf-8"?><BlockList>'
                + "".join(f"<Latest>{_block_id64(b)}</Latest>" for b in block_ids)
                + "</BlockList>"
            ).encode()
            headers = {
                "Content-Length": str(len(body)),
                "Content-Type": "application/xml",
                **{f"x-ms-meta-{k}": v for k, v in metadata.items()},
            }
            url = self._url(name, {"comp": "blocklist"})
            self.wire.send("PUT", url, f"put block list {name}", ok=(201,), headers=headers, body=body)
            return
        from azure.storage.blob import BlobBlock

        with azure_errors(f"put block list {name}"):
            self.blob(name).commit_block_list([BlobBlock(block_id=b) for b in block_ids], metadata=metadata)

    def read_chunks(self, name: str, snapshot: str | None = None, chunk: int = 4 * 1024 * 1024) -> Iterator[bytes]:
        """The blob's content in chunks (bounded memory)."""
        with azure_errors(f"get blob {name}"):
            downloader = self.blob(name, snapshot).download_blob(max_concurrency=1)
            yield from downloader.chunks()

    def read_range(self, name: str, offset: int, length: int) -> tuple[bytes, int, dict[str, str]]:
        """`length` bytes from `offset` (fewer at the end) with the blob's total size and metadata: one GET."""
        with azure_errors(f"get blob {name}"):
            downloader = self.blob(name).download_blob(offset=offset, length=length, max_concurrency=1)
            data = bytes(downloader.readall())
        props = downloader.properties
        total = str(props.content_range or "").rpartition("/")[2]
        return data, int(total) if total.isdigit() else offset + len(data), dict(props.metadata or {})

    def read(self, name: str, snapshot: str | None = None) -> bytes:
        with azure_errors(f"get blob {name}"):
            return bytes(self.blob(name, snapshot).download_blob().readall())

    def properties(self, name: str) -> BlobInfo:
        with azure_errors(f"get blob properties {name}"):
            p = self.blob(name).get_blob_properties()
        return BlobInfo(name, int(p.size), dict(p.metadata or {}), p.last_modified, None, str(p.etag).strip('"'))

    def set_metadata(self, name: str, metadata: dict[str, str]) -> None:
        with azure_errors(f"set blob metadata {name}"):
            self.blob(name).set_blob_metadata(metadata)

    def snapshot(self, name: str) -> str:
        """Freeze the current content of `name` as a blob snapshot; returns the snapshot id."""
        with azure_errors(f"snapshot blob {name}"):
            return str(self.blob(name).create_snapshot()["snapshot"])

    def delete(self, name: str, *, snapshot: str | None = None, with_snapshots: bool = False) -> None:
        """Delete a blob (and its snapshots when asked) or one snapshot; a missing blob is not an error."""
        from azure.core.exceptions import ResourceNotFoundError

        kwargs: dict[str, Any] = {"delete_snapshots": "include"} if with_snapshots and not snapshot else {}
        with azure_errors(f"delete blob {name}"):
            try:
                self.blob(name, snapshot).delete_blob(**kwargs)
            except ResourceNotFoundError:
                return

    def delete_batch(self, targets: builtins.list[tuple[str, str | None]]) -> builtins.list[tuple[int, str]]:
        """Delete up to 256 blobs or snapshots in one Blob Batch request; (status, error code) per target.

        `(name, None)` deletes a blob (which must have no snapshots), `(name, snapshot)` one snapshot. The
        container-scoped batch (`POST ?restype=container&comp=batch`, multipart/mixed, one Delete Blob per
        part, answers in request order) takes at most 256 subrequests and a subrequest's failure does not
        fail the others: https://learn.microsoft.com/rest/api/storageservices/blob-batch. A refusal of the
        whole batch (400 ExceedsMaxBatchRequestCount, 403, ...) comes back from the SDK as one response,
        which is raised as our error.
        """
        if not 0 < len(targets) <= BATCH_LIMIT:
            raise ValueError(f"a blob batch holds 1 to {BATCH_LIMIT} subrequests, not {len(targets)}")
        items = [{"name": n, "snapshot": s} if s else n for n, s in targets]
        from azure.core.exceptions import HttpResponseError

        from multicloud_ctl.providers.azure.blobwire import status_error

        operation = f"blob batch delete {self.name}"
        with azure_errors(operation):
            try:
                responses = builtins.list(self.container.delete_blobs(*items, raise_on_any_failure=False))
            except TypeError as exc:
                # azure-storage-blob 12.31 fails inside its own error handling (process_storage_error adds to
                # a None message) when the batch POST itself gets an error status; the real error is the context
                failed = exc.__context__
                if not isinstance(failed, HttpResponseError) or failed.response is None:
                    raise
                answer: Any = failed.response
                raise status_error(operation, failed.status_code or 0, answer.headers, answer.body() or b"") from failed
        if len(responses) != len(targets):
            first = responses[0]
            raise status_error(operation, first.status_code, first.headers, first.body() or b"")
        return [(r.status_code, r.headers.get("x-ms-error-code") or "") for r in responses]


BATCH_LIMIT = 256  # subrequests per Blob Batch request (the service refuses more)


def _block_id64(block_id: str) -> str:
    """A block id as sent on the wire: base64 of its UTF-8 bytes (what the SDK's stage_block sends)."""
    import base64

    return base64.b64encode(block_id.encode()).decode()


def backup_container(runtime: Runtime, name: str) -> BlobContainer:
    """The container `name` of the environment's storage account, on the runtime's guarded blob client."""
    return BlobContainer(_LazyAzure(runtime), name)


class _LazyAzure:
    """`runtime.azure` (and its blob client) built once, on first use, whichever thread asks first."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._lock = threading.Lock()

    def __getattr__(self, attr: str) -> Any:
        with self._lock:  # one AzureClients (one guard, one count) even when two threads race here
            return getattr(self._runtime.azure, attr)
