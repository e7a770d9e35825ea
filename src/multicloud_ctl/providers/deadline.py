"""Deadlines for every network call (`network:` in the environment, `config.environment.NetworkConfig`).

Each client keeps its own retry policy (botocore's adaptive mode, azure-core's, the Cloudflare SDK's, urllib3's
Retry for the presigned S3 reads and the Blob wire path); what they lacked was a bound on the whole call. Alone,
botocore retried a read timeout `max_attempts` times (5 x 30 s, plus backoff: `sync status` took 182 s to fail
against a frozen moto) and the S3 urllib3 path had no timeout at all. Here each of them gets the same rule: a
connect and a read timeout per attempt, and no retry starts that could not end within `deadline_seconds` of the
call's start (elapsed + connect + read timeouts): an endpoint that accepts connections and never answers fails
after one read timeout when two do not fit, one that refuses connections or answers 5xx is retried until the
budget is spent. Nothing here imports an SDK at module level (`mcctl --help` stays light).
"""

from __future__ import annotations

import time
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import NetworkConfig

STARTED = "mcctl_call_started"  # key in botocore's per-call request context


def bound_boto_client(client: Any, network: NetworkConfig) -> Any:
    """Stop botocore's retries once another attempt could not end within the deadline (`last_retry_start`).

    botocore asks every handler of `needs-retry.<service>` and retries after the first answer that is not None
    (`endpoint._needs_retry`: a handler answering False means "no retry"). Ours is registered first on the same
    event as the retry handler (`retries/standard.py` registers `needs-retry.<service-id>`), so it is asked
    before it; the call's start is stamped on `before-call`, whose context is the request's context.
    """
    deadline = last_retry_start(network)
    service = client.meta.service_model.service_id.hyphenize()

    def stamp(context: dict[str, Any] | None = None, **_: Any) -> None:
        if context is not None:
            context.setdefault(STARTED, time.monotonic())

    def within_deadline(request_dict: dict[str, Any] | None = None, **_: Any) -> bool | None:
        started = ((request_dict or {}).get("context") or {}).get(STARTED)
        if started is not None and time.monotonic() - started >= deadline:
            return False
        return None

    client.meta.events.register(f"before-call.{service}", stamp, unique_id=f"mcctl-deadline-stamp-{service}")
    client.meta.events.register_first(f"needs-retry.{service}", within_deadline, unique_id=f"mcctl-deadline-{service}")
    return client


def boto_config_kwargs(network: NetworkConfig) -> dict[str, Any]:
    """botocore `Config` keywords for the per-attempt timeouts."""
    return {"connect_timeout": network.connect_timeout_seconds, "read_timeout": network.read_timeout_seconds}


def urllib3_timeout(network: NetworkConfig) -> Any:
    import urllib3

    return urllib3.Timeout(connect=network.connect_timeout_seconds, read=network.read_timeout_seconds)


def urllib3_retry(network: NetworkConfig, **kwargs: Any) -> Any:
    """A urllib3 Retry for one request: `kwargs` as urllib3 takes them, exhausted at `last_retry_start`.

    Build one per request (the deadline counts from here); urllib3 copies it on every retry (`Retry.new`), so
    the copy carries the same deadline, and `increment` raises MaxRetryError (or, for a retried status with
    `raise_on_status=False`, hands back the last response) once `is_exhausted` says so.
    """
    retry = _deadline_retry_class()(**kwargs)
    retry.deadline_at = time.monotonic() + last_retry_start(network)
    return retry


def last_retry_start(network: NetworkConfig) -> float:
    """Seconds after a call's start past which no retry starts: one more attempt would end past the deadline."""
    return network.deadline_seconds - network.connect_timeout_seconds - network.read_timeout_seconds


@cache
def _deadline_retry_class() -> Any:
    import urllib3

    class DeadlineRetry(urllib3.Retry):
        deadline_at: float | None = None

        def new(self, **kw: Any) -> DeadlineRetry:
            fresh = super().new(**kw)
            fresh.deadline_at = self.deadline_at
            return fresh

        def is_exhausted(self) -> bool:
            late = self.deadline_at is not None and time.monotonic() >= self.deadline_at
            return late or bool(super().is_exhausted())

    return DeadlineRetry


def transport_reason(exc: Exception) -> str:
    """What a urllib3 transport failure was, without the request URL (a SAS or presigned URL signs it)."""
    import urllib3

    reason = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None else exc
    text = str(reason)
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
        text = "no answer (read timed out)"
    elif isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        text = "no connection (connect timed out)"
    elif isinstance(reason, urllib3.exceptions.NewConnectionError):
        text = "connection refused or unreachable"
    after = " after retries" if isinstance(exc, urllib3.exceptions.MaxRetryError) else ""
    return f"{text}{after}"
