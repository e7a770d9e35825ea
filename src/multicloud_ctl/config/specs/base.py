"""Shared base for spec models, and the names every spec checks the same way."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

_BUCKET = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,61}[a-z0-9])?")


def _check_bucket(value: str) -> str:
    # A non-ASCII name once reached the S3 client and crashed the URL encoding: refuse it at load instead.
    if not _BUCKET.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an S3 bucket name (1-63 characters: a-z, 0-9, '.' and '-', "
            "starting and ending with a letter or digit)"
        )
    return value


BucketName = Annotated[str, AfterValidator(_check_bucket)]

# Blob container names, as the Blob service states them ("Naming and Referencing Containers, Blobs, and
# Metadata", learn.microsoft.com/rest/api/storageservices): 3-63 characters, lowercase letters, digits and
# hyphens, starting and ending with a letter or digit, no two hyphens together. Azurite refuses a name that is too
# short only when the first request reaches it (400 OutOfRangeInput) and takes "a--b", which Azure refuses.
_CONTAINER = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _check_container(value: str) -> str:
    if not (3 <= len(value) <= 63 and _CONTAINER.fullmatch(value)):
        raise ValueError(
            f"{value!r} is not a blob container name (3-63 characters: a-z, 0-9 and single '-' between them)"
        )
    return value


ContainerName = Annotated[str, AfterValidator(_check_container)]


class Spec(BaseModel):
    """Unknown keys are errors; specs are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)
