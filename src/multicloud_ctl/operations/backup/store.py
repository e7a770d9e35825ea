"""The backup store of one environment and playbook: the guarded container, its layout, the S3 client."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from multicloud_ctl.config.specs.backup import BackupSpec
from multicloud_ctl.operations.backup.layout import BackupLayout

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.aws.s3 import S3Client
    from multicloud_ctl.providers.azure.blob import BlobContainer


@dataclass
class BackupStore:
    runtime: Runtime
    spec: BackupSpec
    layout: BackupLayout
    blobs: BlobContainer

    _s3: S3Client | None = None
    # how the daily run read each source bucket (`listing`, or the inventory report it used, or why not)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def s3(self) -> S3Client:
        """One S3 client (and connection pool) per store."""
        from multicloud_ctl.providers.aws.s3 import S3Client

        if self._s3 is None:
            self._s3 = S3Client.of(self.runtime.aws)
        return self._s3

    def now(self) -> datetime:
        return self.runtime.clock()


def container_name(runtime: Runtime, spec: BackupSpec) -> str:
    return spec.container or runtime.environment.azure.storage.backups_container


def open_store(runtime: Runtime, spec: BackupSpec | None = None) -> BackupStore:
    """The store for `spec` (default spec when None) in the runtime's environment; dry-run guarded."""
    from multicloud_ctl.providers.azure.blob import backup_container

    spec = spec or BackupSpec()
    blobs = backup_container(runtime, container_name(runtime, spec))
    return BackupStore(runtime, spec, BackupLayout(spec.layout), blobs)
