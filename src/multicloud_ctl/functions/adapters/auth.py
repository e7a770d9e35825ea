"""Caller authentication: Cognito JWTs (PyJWT against the pool's JWKS) and service API keys.

Every rejection raises `Unauthorized("unauthorized")`: the reason is logged at debug level, never returned.
The JWKS is cached; an unknown `kid` triggers one refresh (rate-limited, so forged kids cannot hammer the
JWKS endpoint). Only RS256 is accepted, which rules out `alg: none` and HMAC key-confusion tokens.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from multicloud_ctl.functions.domain.errors import Unauthorized
from multicloud_ctl.functions.domain.users import Identity

log = logging.getLogger(__name__)
ALGORITHMS = ["RS256"]


def fetch_json(url: str, timeout: float = 3.0) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return dict(json.loads(resp.read()))


class JwksCache:
    """The pool's keys by kid; refreshed after `ttl`, or on an unknown kid (at most every `min_gap`).

    `pinned` is a JWKS document shipped with the function (MCCTL_FN_COGNITO_JWKS): its keys are always known,
    so the standby cloud validates tokens while the JWKS endpoint on AWS is unreachable. A failed refresh
    keeps the keys it had (stale-if-error) and waits `min_gap` before trying again.
    """

    def __init__(
        self,
        url: str,
        *,
        fetch: Callable[[str], Mapping[str, Any]] = fetch_json,
        ttl: float = 3600,
        min_gap: float = 30,
        clock: Callable[[], float] = time.monotonic,
        pinned: Mapping[str, Any] | None = None,
    ) -> None:
        self.url, self.fetch, self.ttl, self.min_gap, self.clock = url, fetch, ttl, min_gap, clock
        self._pinned = _parse(pinned or {})
        self._keys: dict[str, Any] = dict(self._pinned)
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def _refresh(self) -> None:
        self.fetches += 1
        try:
            fetched = _parse(self.fetch(self.url)) if self.url else {}
        except Exception as exc:  # unreachable JWKS: keep what we know
            log.warning("JWKS refresh failed (%s); keeping %d key(s)", type(exc).__name__, len(self._keys))
            self._fetched_at = self.clock()
            return
        self._keys, self._fetched_at = {**self._pinned, **fetched}, self.clock()

    def key(self, kid: str) -> Any:
        with self._lock:
            now = self.clock()
            stale = self._fetched_at is None or now - self._fetched_at > self.ttl
            may_refresh = self._fetched_at is None or now - self._fetched_at >= self.min_gap
            if stale or (kid not in self._keys and may_refresh):
                self._refresh()
            if kid not in self._keys:
                raise Unauthorized("unknown kid")
            return self._keys[kid]


def _parse(jwks: Mapping[str, Any]) -> dict[str, Any]:
    """kid -> public key for every usable RSA key of a JWKS document."""
    import jwt

    keys: dict[str, Any] = {}
    for jwk in jwks.get("keys", []):
        try:
            keys[str(jwk["kid"])] = jwt.PyJWK.from_dict(dict(jwk)).key
        except (KeyError, TypeError, jwt.PyJWTError):
            continue
    return keys


class CognitoVerifier:
    """Validates Cognito ID/access tokens: signature, exp, iss, aud|client_id, token_use, cloud claim."""

    def __init__(
        self,
        jwks: JwksCache,
        *,
        issuer: str,
        client_ids: tuple[str, ...],
        token_use: str = "any",
        cloud_claim: str = "",
        cloud: str = "",
        leeway: int = 30,
    ) -> None:
        if not issuer or not client_ids:
            raise ValueError("a Cognito verifier needs an issuer and at least one client id")
        self.jwks, self.issuer, self.client_ids = jwks, issuer, client_ids
        self.token_use, self.cloud_claim, self.cloud, self.leeway = token_use, cloud_claim, cloud, leeway

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or Unauthorized."""
        import jwt

        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in ALGORITHMS or not isinstance(header.get("kid"), str):
                raise Unauthorized("bad header")
            claims: dict[str, Any] = jwt.decode(
                token,
                self.jwks.key(header["kid"]),
                algorithms=ALGORITHMS,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"verify_aud": False, "require": ["exp", "iss", "sub", "token_use"]},
            )
            use = claims.get("token_use")
            if use not in ("id", "access") or self.token_use not in ("any", use):
                raise Unauthorized("token_use")
            audience = claims.get("aud") if use == "id" else claims.get("client_id")
            if audience not in self.client_ids:
                raise Unauthorized("audience")
            if self.cloud_claim:
                clouds = str(claims.get(self.cloud_claim, "")).replace(",", " ").split()
                if self.cloud not in clouds:
                    raise Unauthorized("cloud claim")
            return claims
        except Unauthorized as exc:
            log.debug("token rejected: %s", exc)
            raise Unauthorized("unauthorized") from None
        except (jwt.PyJWTError, ValueError, TypeError, OSError) as exc:
            log.debug("token rejected: %s", type(exc).__name__)
            raise Unauthorized("unauthorized") from None

    def identity(self, authorization: str | None) -> Identity:
        """The caller behind an `Authorization: Bearer ...` header."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise Unauthorized("unauthorized")
        claims = self.verify(authorization[7:].strip())
        username = claims.get("cognito:username") or claims.get("username") or ""
        return Identity(
            sub=str(claims["sub"]),
            username=str(username),
            email=str(claims.get("email") or ""),
            claims=claims,
        )


class ApiKeys:
    """Service-to-service API keys: the current and the previous one are both accepted during rotation."""

    def __init__(self, keys: list[str]) -> None:
        self._keys = [k.encode() for k in keys if k]

    @property
    def outbound(self) -> str:
        """The key we present on our own calls (the current one)."""
        return self._keys[0].decode() if self._keys else ""

    def check(self, presented: str | None) -> None:
        """Unauthorized unless `presented` equals one of the keys (constant-time, every key compared)."""
        candidate = (presented or "").encode()
        ok = False
        for key in self._keys:
            ok |= hmac.compare_digest(candidate, key)
        if not ok or not candidate:
            raise Unauthorized("unauthorized")


class RefreshingApiKeys(ApiKeys):
    """ApiKeys that re-read their source every `ttl` seconds, so a rotation reaches a running instance.

    `load` returns the current key list (it resolves the secret references again). A failed re-read keeps
    the keys we had (a secret store outage must not lock every caller out) and tries again after `ttl`.
    """

    def __init__(self, load: Callable[[], list[str]], ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._load, self._ttl, self._clock = load, ttl, clock
        self._refresh_lock = threading.Lock()
        self._loaded_at = clock()
        super().__init__(load())

    def _fresh(self) -> None:
        if self._ttl <= 0 or self._clock() - self._loaded_at < self._ttl:
            return
        with self._refresh_lock:
            if self._clock() - self._loaded_at < self._ttl:
                return
            self._loaded_at = self._clock()
            try:
                self._keys = [k.encode() for k in self._load() if k]
            except Exception as exc:  # keep the keys we have
                log.warning(
                    "service API key refresh failed (%s); keeping %d key(s)", type(exc).__name__, len(self._keys)
                )

    @property
    def outbound(self) -> str:
        self._fresh()
        return self._keys[0].decode() if self._keys else ""

    def check(self, presented: str | None) -> None:
        self._fresh()
        super().check(presented)
