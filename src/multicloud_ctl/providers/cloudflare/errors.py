"""Map cloudflare SDK exceptions to mcctl's error tree, keeping the `cf-ray` id as the request id."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from multicloud_ctl import errors


def _ray(exc: Any) -> str | None:
    response = getattr(exc, "response", None)
    return response.headers.get("cf-ray") if response is not None else None


def _message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and body.get("errors"):
        first = body["errors"][0]
        # Cloudflare puts the detail of some errors ("DNS Validation Error") in an `error_chain`.
        chain = "; ".join(str(c.get("message", "")) for c in first.get("error_chain") or [] if isinstance(c, dict))
        return f"{first.get('message', '')}{f': {chain}' if chain else ''} (code {first.get('code')})"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@contextmanager
def cloudflare_errors(operation: str) -> Iterator[None]:
    """Re-raise cloudflare SDK exceptions as mcctl errors carrying the cf-ray id."""
    import cloudflare

    try:
        yield
    except errors.McctlError:
        raise
    except cloudflare.APIStatusError as exc:
        kw: dict[str, Any] = {
            "provider": "cloudflare",
            "operation": operation,
            "request_id": _ray(exc),
            "status": exc.status_code,
        }
        text = f"cloudflare: {operation} failed: {_message(exc)}"
        if isinstance(exc, cloudflare.NotFoundError):
            raise errors.NotFound(text, **kw) from exc
        if isinstance(exc, cloudflare.AuthenticationError | cloudflare.PermissionDeniedError):
            raise errors.AuthError(
                text,
                hint="check the API token the environment's cloudflare.api_token "
                "refers to (it needs Load Balancing and DNS edit rights)",
                **kw,
            ) from exc
        if isinstance(exc, cloudflare.RateLimitError):
            raise errors.Throttled(text, **kw) from exc
        raise errors.ProviderError(text, **kw) from exc
    except cloudflare.APIConnectionError as exc:
        if isinstance(exc.__cause__, errors.McctlError):  # our guard, raised inside the http client
            raise exc.__cause__ from None
        raise errors.EndpointUnreachable(
            f"cloudflare: {operation} failed: cannot reach the API ({exc})",
            hint="on the sandbox run `mcctl local up`",
            provider="cloudflare",
            operation=operation,
        ) from exc
