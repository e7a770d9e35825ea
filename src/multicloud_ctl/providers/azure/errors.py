"""Map azure-core exceptions to mcctl's error tree, keeping Azure's `x-ms-request-id`.

    with azure_errors("create resource group mcctl-local"):
        client.resource_groups.create_or_update(...)

ResourceNotFoundError -> NotFound; ClientAuthenticationError -> AuthError; HttpResponseError 429 ->
Throttled (the SDK's retry policy has already retried it); other HttpResponseError -> ProviderError;
ServiceRequestError (connection refused, DNS, TLS) -> EndpointUnreachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from multicloud_ctl import errors


def request_id_of(exc: Any) -> str | None:
    """Azure's request id from an exception's response headers, if it has one."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    for key in ("x-ms-request-id", "x-ms-correlation-request-id", "x-request-id"):
        value = headers.get(key) if hasattr(headers, "get") else None
        if value:
            return str(value)
    return None


def _short(exc: Any) -> str:
    """The first line of an SDK message (they can run to a page of JSON)."""
    err = getattr(exc, "error", None)
    code = getattr(err, "code", None)
    message = getattr(err, "message", None) or getattr(exc, "message", None) or str(exc)
    text = str(message).strip().splitlines()[0] if str(message).strip() else type(exc).__name__
    return f"{code}: {text}" if code and code not in text else text


def map_azure_error(exc: Exception, operation: str) -> errors.McctlError | None:
    """The mcctl error for an azure-core exception, or None when it is not one of theirs."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ResourceNotFoundError,
        ServiceRequestError,
        ServiceResponseError,
    )

    rid = request_id_of(exc)
    status = getattr(exc, "status_code", None)
    where = f"azure: {operation} failed: " if operation else "azure: "
    kw: dict[str, Any] = {"provider": "azure", "operation": operation, "request_id": rid, "status": status}
    if isinstance(exc, ResourceNotFoundError):
        return errors.NotFound(where + _short(exc), **kw)
    if isinstance(exc, ClientAuthenticationError):
        return errors.AuthError(
            where + _short(exc),
            hint="check the Azure credentials (az login, or "
            "the service principal in the environment's azure.client_id)",
            **kw,
        )
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return errors.EndpointUnreachable(
            where + _short(exc), hint="is the endpoint up? on the sandbox run `mcctl local up`", **kw
        )
    if isinstance(exc, HttpResponseError):
        if status == 429:
            return errors.Throttled(
                where + "throttled (HTTP 429) after retries",
                hint="Azure Resource Manager throttles writes per subscription (a bucket of 200, 10 more per "
                "second): wait a minute and re-run",
                **kw,
            )
        if status in (401, 403):
            return errors.AuthError(where + _short(exc), **kw)
        if status == 404:
            return errors.NotFound(where + _short(exc), **kw)
        return errors.ProviderError(where + _short(exc), **kw)
    return None


@contextmanager
def azure_errors(operation: str = "") -> Iterator[None]:
    """Re-raise azure-core exceptions inside the block as mcctl errors (`raise Ours(...) from exc`)."""
    try:
        yield
    except errors.McctlError:
        raise
    except Exception as exc:
        mapped = map_azure_error(exc, operation)
        if mapped is None:
            raise
        raise mapped from exc
