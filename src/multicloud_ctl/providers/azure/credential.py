"""Credentials for the Azure SDKs: a static token for the sandbox, and the loopback-only http exception.

The azure-mgmt SDKs refuse to send a bearer token over plain http, which is right for the cloud and in
the way for the sandbox's fake ARM on 127.0.0.1. `LoopbackAuthenticationPolicy` lifts that refusal
for loopback hosts only (127.0.0.1, localhost, ::1): for every other host https stays enforced even if
a caller asked for `enforce_https=False`.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions
from azure.core.pipeline import PipelineRequest
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ARM_SCOPE = "https://management.azure.com/.default"


def is_loopback(url: str) -> bool:
    """True when `url` points at this machine's loopback interface."""
    host = (urlsplit(url).hostname or "").lower()
    return host in LOOPBACK_HOSTS


class StaticTokenCredential:
    """A `TokenCredential` that always returns the same token (the sandbox; the fake ARM accepts any)."""

    def __init__(self, token: str = "mcctl-sandbox-token", *, lifetime_s: int = 3600) -> None:
        self._token = token
        self._lifetime = lifetime_s

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        # real Unix time on purpose, not the product's clock: azure-core compares `expires_on` with `time.time()`
        # to decide when to refresh, so a pinned MCCTL_NOW must not make a fresh token look expired
        return AccessToken(self._token, int(time.time()) + self._lifetime)

    def get_token_info(self, *scopes: str, options: TokenRequestOptions | None = None) -> AccessTokenInfo:
        return AccessTokenInfo(self._token, int(time.time()) + self._lifetime)

    def close(self) -> None:
        return None

    def __enter__(self) -> StaticTokenCredential:
        return self

    def __exit__(self, *args: Any) -> None:
        return None


class LoopbackAuthenticationPolicy(ARMChallengeAuthenticationPolicy):
    """ARM bearer-token policy that allows plain http to loopback hosts and nowhere else."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        url = request.http_request.url
        # The base policy reads the per-call option first, then the context; we decide, not the caller.
        request.context.options.pop("enforce_https", None)
        request.context["enforce_https"] = not (url.lower().startswith("http://") and is_loopback(url))
        super().on_request(request)


def authentication_policy(credential: Any, scope: str = ARM_SCOPE) -> LoopbackAuthenticationPolicy:
    """The policy to pass as `authentication_policy=` to every azure-mgmt client."""
    return LoopbackAuthenticationPolicy(credential, scope)
