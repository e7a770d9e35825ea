"""The hot Blob REST calls (List Blobs, Put Blob, Put Block, Put Block List, container properties), on urllib3.

A backup of many small objects is one Put Blob per object and a no-change pass is mostly List Blobs:
through the SDK's requests-based pipeline each costs ~0.75 ms of client CPU on this machine, sent here on
urllib3 ~0.33 ms (`bench/backup.py`; the processes share two cores with the emulators, so client CPU is
wall time). With an account key (Azurite's published one on `local`, or a connection string's) requests
are signed by `sharedkey.SharedKey` and no `azure.*` module is imported at all (~0.3 s of start-up a
run); with a SAS or a token credential they are signed by the SDK container client's credential policy.
Everything else (snapshots, downloads, deletes, copies from a URL) stays on the SDK.

What the pipeline gave is kept: the dry-run guard sees every request before it leaves the process,
connection errors, 408/429/5xx are retried with backoff (honouring Retry-After) since every call here is
idempotent, proxies and a CA bundle come from the environment as `requests` takes them, and failures
become our errors with Azure's request id and error code.
"""

from __future__ import annotations

import os
import threading
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from multicloud_ctl import errors
from multicloud_ctl.providers.dryrun import MutationGuard

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.sharedkey import SharedKey


class BlobWire:
    """Signs with `key` (Shared Key) or else `credential_policy` (an SDK client's), checks `guard`, sends."""

    def __init__(
        self,
        credential_policy: Any,
        guard: MutationGuard,
        *,
        local: bool,
        api_version: str,
        network: Any = None,
        key: SharedKey | None = None,
    ) -> None:
        from multicloud_ctl.config.environment import NetworkConfig

        self._network = network or NetworkConfig()
        self._policy = credential_policy
        self._key = key
        self._guard = guard
        self._local = local
        self._api_version = api_version
        self._pools: dict[str, Any] = {}
        self._proxies: dict[tuple[str, str], str | None] = {}
        self._lock = threading.Lock()

    def _pool(self, url: str) -> Any:
        import urllib.request

        import urllib3

        parts = urlsplit(url)
        where = (parts.scheme, parts.hostname or "")
        proxy = self._proxies.get(where, "?")
        if proxy == "?":  # looked up once per scheme and host: the lookup reads the environment each time
            bypass = urllib.request.proxy_bypass(where[1])
            proxy = self._proxies[where] = None if bypass else urllib.request.getproxies().get(where[0])
        with self._lock:
            pool = self._pools.get(proxy or "")
            if pool is None:
                # the CA bundle the SDK's requests transport would have used, when one is set
                ca = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None
                kwargs: dict[str, Any] = {"maxsize": 32, "ca_certs": ca}
                pool = urllib3.ProxyManager(proxy, **kwargs) if proxy else urllib3.PoolManager(**kwargs)
                self._pools[proxy or ""] = pool
            return pool

    def _bounds(self) -> dict[str, Any]:
        """Timeouts and a deadline-bound Retry for one request (`providers/deadline.py`): connection errors and
        408/429/5xx retried with backoff, Retry-After honoured, none started past `network.deadline_seconds`."""
        from multicloud_ctl.providers.deadline import urllib3_retry, urllib3_timeout

        retry = urllib3_retry(
            self._network,
            total=4,
            connect=4,
            read=2,
            backoff_factor=0.1 if self._local else 0.8,
            backoff_max=2 if self._local else 60,
            status_forcelist=(408, 429, 500, 502, 503, 504),
            allowed_methods=("GET", "HEAD", "PUT"),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        return {"retries": retry, "timeout": urllib3_timeout(self._network)}

    def send(
        self,
        method: str,
        url: str,
        operation: str,
        *,
        ok: tuple[int, ...],
        missing_ok: bool = False,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Any:
        """One request; returns the urllib3 response (body read), None for a tolerated 404, else raises ours."""
        import urllib3

        from multicloud_ctl.providers.deadline import transport_reason

        self._guard.check(method, url)
        sent = {"x-ms-version": self._api_version, "x-ms-date": formatdate(usegmt=True), **(headers or {})}
        if self._key is not None:
            sent = self._key.sign(method, url, sent)
        elif self._policy is not None:
            from azure.core.pipeline import PipelineContext, PipelineRequest
            from azure.core.rest import HttpRequest

            request = HttpRequest(method, url, headers=sent)
            self._policy.on_request(PipelineRequest(request, PipelineContext(None)))
            url, sent = request.url, dict(request.headers)
        try:
            response = self._pool(url).request(method, url, headers=sent, body=body, **self._bounds())
        except urllib3.exceptions.HTTPError as exc:
            raise errors.EndpointUnreachable(
                f"azure: {operation} failed: {transport_reason(exc)}",
                provider="azure",
                operation=operation,
                hint="is the endpoint up? on the sandbox run `mcctl local up`",
            ) from exc
        if response.status in ok:
            return response
        if response.status == 404 and missing_ok:
            return None
        raise status_error(operation, response.status, response.headers, response.data)


def status_error(operation: str, status: int, headers: Any, body: bytes) -> errors.McctlError:
    """Our error for a Blob REST failure, with Azure's error code and request id."""
    import re

    code = headers.get("x-ms-error-code") or ""
    if not code:
        found = re.search(rb"<Code>([^<]+)</Code>", body or b"")
        code = found.group(1).decode() if found else ""
    kw: dict[str, Any] = {
        "provider": "azure",
        "operation": operation,
        "request_id": headers.get("x-ms-request-id"),
        "status": status,
    }
    message = f"azure: {operation} failed: HTTP {status} {code}".rstrip()
    if status == 404:
        return errors.NotFound(message, **kw)
    if status in (401, 403):
        return errors.AuthError(message, hint="check the storage account key, SAS or role assignment", **kw)
    if status == 429:
        return errors.Throttled(f"azure: {operation} failed: throttled (HTTP 429) after retries", **kw)
    return errors.ProviderError(message, **kw)
