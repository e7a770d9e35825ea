"""A thin typed client over one Azure Blob container: the calls the backup verbs use, errors mapped.

`backup_container(runtime, name)` wraps the runtime's `BlobServiceClient` (`providers/azure/clients.py`:
Azurite's published development account on `local`, the connection reference or credential in the cloud),
whose pipeline carries the dry-run guard: under --dry-run any PUT/DELETE is refused before it leaves the
process, and `guard.mutating`/`guard.blocked` let tests prove that a dry run made zero mutating calls.

Block ids are given in clear (`b00000001`); the SDK base64-encodes them on the wire.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from multicloud_ctl.providers.azure.dryrun import MutationGuard
from multicloud_ctl.providers.azure.errors import azure_errors

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime


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
    """The calls mcctl makes on one container, returning our dataclasses and raising our errors."""

    service: Any
    name: str
    guard: MutationGuard = field(default_factory=lambda: MutationGuard("azure"))
    _container: Any = field(default=None, repr=False)

    @property
    def container(self) -> Any:
        if self._container is None:
            self._container = self.service.get_container_client(self.name)
        return self._container

    def blob(self, name: str, snapshot: str | None = None) -> Any:
        return self.service.get_blob_client(self.name, name, snapshot=snapshot)

    def url(self) -> str:
        return str(self.container.url)

    def exists(self) -> bool:
        with azure_errors(f"get container {self.name}"):
            return bool(self.container.exists())

    def ensure(self) -> bool:
        """Create the container when it is missing; True when it was created."""
        from azure.core.exceptions import ResourceExistsError

        if self.exists():
            return False
        with azure_errors(f"create container {self.name}"):
            try:
                self.container.create_container()
            except ResourceExistsError:
                return False
        return True

    def list(self, prefix: str = "", *, snapshots: bool = False, metadata: bool = True) -> Iterator[BlobInfo]:
        """Every blob under `prefix` (with snapshots when asked), with metadata; none if no container."""
        from azure.core.exceptions import ResourceNotFoundError

        include = (["metadata"] if metadata else []) + (["snapshots"] if snapshots else [])
        with azure_errors(f"list blobs {self.name}/{prefix}"):
            try:
                for b in self.container.list_blobs(
                    name_starts_with=prefix or None, include=include or None, results_per_page=5000
                ):
                    yield BlobInfo(
                        b.name,
                        int(b.size or 0),
                        dict(b.metadata or {}),
                        b.last_modified,
                        b.snapshot,
                        str(b.etag or "").strip('"'),
                    )
            except ResourceNotFoundError:
                return

    def upload(self, name: str, data: bytes, metadata: dict[str, str]) -> None:
        """Write a whole blob and its metadata in one request (atomic: both or neither)."""
        with azure_errors(f"put blob {name}"):
            self.blob(name).upload_blob(data, overwrite=True, metadata=metadata, length=len(data))

    def stage_block(self, name: str, block_id: str, data: bytes) -> None:
        with azure_errors(f"put block {name}"):
            self.blob(name).stage_block(block_id, data, length=len(data))

    def stage_block_from_url(
        self, name: str, block_id: str, source_url: str, offset: int, length: int
    ) -> None:
        """Put Block From URL: the service reads the range from `source_url` (bytes never pass through us)."""
        with azure_errors(f"put block from url {name}"):
            self.blob(name).stage_block_from_url(
                block_id, source_url, source_offset=offset, source_length=length
            )

    def commit_blocks(self, name: str, block_ids: list[str], metadata: dict[str, str]) -> None:
        """Commit the block list with the metadata in one request (atomic: the blob appears complete)."""
        from azure.storage.blob import BlobBlock

        with azure_errors(f"put block list {name}"):
            self.blob(name).commit_block_list([BlobBlock(block_id=b) for b in block_ids], metadata=metadata)

    def read_chunks(
        self, name: str, snapshot: str | None = None, chunk: int = 4 * 1024 * 1024
    ) -> Iterator[bytes]:
        """The blob's content in chunks (bounded memory)."""
        with azure_errors(f"get blob {name}"):
            downloader = self.blob(name, snapshot).download_blob(max_concurrency=1)
            yield from downloader.chunks()

    def read(self, name: str, snapshot: str | None = None) -> bytes:
        with azure_errors(f"get blob {name}"):
            return bytes(self.blob(name, snapshot).download_blob().readall())

    def properties(self, name: str) -> BlobInfo:
        with azure_errors(f"get blob properties {name}"):
            p = self.blob(name).get_blob_properties()
        return BlobInfo(
            name, int(p.size), dict(p.metadata or {}), p.last_modified, None, str(p.etag).strip('"')
        )

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


def backup_container(runtime: Runtime, name: str) -> BlobContainer:
    """The container `name` of the environment's storage account, on the runtime's guarded blob client."""
    azure = runtime.azure
    return BlobContainer(azure.blob, name, azure.guard)
