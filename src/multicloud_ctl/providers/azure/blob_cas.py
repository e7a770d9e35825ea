"""Compare-and-swap on one small blob: read it with its ETag, write it only if it is unchanged (or absent).

Blob Storage is strongly consistent and checks conditional headers on the service side ("Specifying
conditional headers for Blob service operations"): Put Blob with `If-None-Match: *` creates the blob only if
none exists (409 BlobAlreadyExists otherwise), with `If-Match: <etag>` replaces it only if nobody wrote it since
that read (412 ConditionNotMet). The environment lease's Azure store (`engine/lease_stores.py`) is built on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from multicloud_ctl.providers.azure.errors import azure_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.blob import BlobContainer


def read(container: BlobContainer, name: str) -> tuple[bytes, str] | None:
    """(content, etag) of blob `name`, or None when it does not exist."""
    from azure.core.exceptions import ResourceNotFoundError

    with azure_errors(f"get blob {name}"):
        try:
            download = container.blob(name).download_blob()
        except ResourceNotFoundError:
            return None
        return bytes(download.readall()), str(download.properties.etag)


def write(container: BlobContainer, name: str, data: bytes, etag: str | None) -> bool:
    """Write blob `name` if it is still at `etag` (absent when None); False when someone else wrote first."""
    from azure.core import MatchConditions
    from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError

    with azure_errors(f"put blob {name}"):
        try:
            if etag is None:
                container.blob(name).upload_blob(data, overwrite=False)
            else:
                container.blob(name).upload_blob(
                    data, overwrite=True, etag=etag, match_condition=MatchConditions.IfNotModified
                )
        except (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError):
            return False
    return True
