"""The urllib3 path that the S3 presigned reads and the signed JSON reads share: one pool, one transport error.

Both skip botocore's per-call machinery where it was most of the client's CPU (`s3.py`, `jsonwire.py`); what
they send still comes from botocore (presigned URLs, SigV4 headers). One process-wide pool: urllib3's
PoolManager is thread-safe and keeps a connection pool per host.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from multicloud_ctl.errors import EndpointUnreachable

_lock = threading.Lock()


@cache
def _make_pool() -> Any:
    import os

    import urllib3

    return urllib3.PoolManager(maxsize=32, ca_certs=os.environ.get("AWS_CA_BUNDLE") or None)


def pool() -> Any:
    """The process's urllib3 PoolManager for AWS endpoints (AWS_CA_BUNDLE honoured, as botocore does)."""
    with _lock:
        return _make_pool()


def request_as_given(method: str, url: str, **kwargs: Any) -> Any:
    """`method url` with the URL's path sent byte for byte.

    `PoolManager.request` parses the URL first, and urllib3's parser removes dot segments (RFC 3986 5.2.4):
    a presigned GET of the S3 key `a/../b` went out as `/bucket/b`, and of `..` as `/`. S3 keys may hold such
    segments and S3 does not normalize them (SigV4 for S3 signs the path as it is), so the request goes to the
    host's connection pool with its path and query as they were presigned.
    """
    scheme_end = url.index("://") + 3
    path_start = url.find("/", scheme_end)
    if path_start < 0:
        return pool().request(method, url, **kwargs)
    return pool().connection_from_url(url[:path_start]).urlopen(method, url[path_start:], **kwargs)


def unreachable(operation: str, what: str, exc: Exception) -> EndpointUnreachable:
    """A urllib3 transport failure (refused, reset, timed out past the deadline) as one line with a hint."""
    from multicloud_ctl.providers.deadline import transport_reason

    return EndpointUnreachable(
        f"AWS {operation}{f' {what}' if what else ''}: {transport_reason(exc)}",
        provider="aws",
        operation=operation,
        hint="is the endpoint up? for the sandbox run `mcctl local up`",
    )
