"""The sandbox's API Gateway: the AWS host routes each request by the REST API definition it reads from moto.

`mcctl provision apply` creates the REST API (`apigateway_rest_api`); the host reads it back (GetRestApis, then
GetResources with `embed=methods` and GetAuthorizers, re-read every `ttl` seconds) and does for each request what
API Gateway does with it:

- match the path against the resources: a literal path part before a `{variable}`, a `{variable}` before a
  greedy `{proxy+}`; no resource, or no such method (nor `ANY`) on it: 403 `{"message": "Missing Authentication
  Token"}`, API Gateway's answer to an unknown route;
- a `COGNITO_USER_POOLS` method: the `Authorization` header must carry a token of one of the authorizer's pools
  (RS256 signature from the pool's JWKS, issuer, expiry); with `authorizationScopes` an *access* token holding
  one of the scopes, without them an *ID* token ("Integrate a REST API with an Amazon Cognito user pool"); else
  401 `{"message": "Unauthorized"}`. The claims go to the function as `requestContext.authorizer.claims`;
- the `AWS_PROXY` integration's URI names the function and its qualifier (`...:function:NAME:live`): that
  function runs, so a route integrated with the wrong function is answered by the wrong service (a 404 from its
  handler), as in AWS. A URI that is not a Lambda invocation is a 500 (`Internal server error`).

The event carries the matched `resource`, `pathParameters`, the stage and the API id. moto does not keep a
deployment's snapshot, so the host serves the current definition of the API's first stage (provision's drift
check is what compares the stage's deployment with the definition). With no REST API (or no stage) in moto, as
on a sandbox that has not been provisioned yet, `ApiRouter.definition()` is None and the host routes by path
prefix as before.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

FUNCTION_ARN = re.compile(
    r"/functions/arn:aws:lambda:[a-z0-9-]+:\d{12}:function:(?P<name>[A-Za-z0-9_-]+)(:(?P<qualifier>[^/]+))?/invocations$"
)
MISSING_TOKEN = (403, {"message": "Missing Authentication Token"})
UNAUTHORIZED = (401, {"message": "Unauthorized"})
INTERNAL = (500, {"message": "Internal server error"})


@dataclass(frozen=True)
class Method:
    """One method of one resource, as the definition says."""

    resource: str
    http_method: str
    integration_type: str
    uri: str
    pool_ids: tuple[str, ...] = ()  # the Cognito authorizer's user pools; () = open
    scopes: tuple[str, ...] = ()

    @property
    def target(self) -> tuple[str, str | None] | None:
        """(function name, qualifier) of a Lambda proxy integration, else None."""
        found = FUNCTION_ARN.search(self.uri) if self.integration_type == "AWS_PROXY" else None
        return (found["name"], found["qualifier"]) if found else None


@dataclass(frozen=True)
class Definition:
    api_id: str
    stage: str
    region: str
    methods: dict[str, dict[str, Method]]  # resource path -> HTTP method -> Method

    def match(self, method: str, path: str) -> tuple[Method, dict[str, str]] | None:
        """The method serving `method path` and the path parameters, or None (API Gateway's 403)."""
        parts = [p for p in path.split("/") if p]
        best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
        for resource in self.methods:
            matched = _match(resource, parts)
            if matched is not None and (best is None or matched[0] > best[0]):
                best = (matched[0], resource, matched[1])
        if best is None:
            return None
        found = self.methods[best[1]].get(method.upper()) or self.methods[best[1]].get("ANY")
        return (found, best[2]) if found else None


def _match(resource: str, parts: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """(specificity, path parameters) when `resource` matches the path parts; literal 2, variable 1, greedy 0."""
    pattern = [p for p in resource.split("/") if p]
    score: list[int] = []
    params: dict[str, str] = {}
    for i, part in enumerate(pattern):
        if part.startswith("{") and part.endswith("+}"):
            if i >= len(parts):
                return None
            params[part[1:-2]] = "/".join(parts[i:])
            return (*score, 0), params
        if i >= len(parts):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = parts[i]
            score.append(1)
        elif part == parts[i]:
            score.append(2)
        else:
            return None
    return ((*score,), params) if len(pattern) == len(parts) else None


def read_definition(apigateway: Any, name: str, region: str) -> Definition | None:
    """The REST API `name` as deployed on its first stage, read from moto (None: no such API or no stage)."""
    api = next((a for a in apigateway.get_rest_apis(limit=500).get("items", []) if a.get("name") == name), None)
    if api is None:
        return None
    stages = sorted(s["stageName"] for s in apigateway.get_stages(restApiId=api["id"]).get("item", []))
    if not stages:
        return None
    pools = {
        a["id"]: tuple(arn.rsplit("/", 1)[-1] for arn in a.get("providerARNs") or [])
        for a in apigateway.get_authorizers(restApiId=api["id"], limit=500).get("items", [])
        if a.get("type") == "COGNITO_USER_POOLS"
    }
    methods: dict[str, dict[str, Method]] = {}
    for item in apigateway.get_resources(restApiId=api["id"], embed=["methods"], limit=500).get("items", []):
        for verb, m in (item.get("resourceMethods") or {}).items():
            integration = m.get("methodIntegration") or {}
            cognito = m.get("authorizationType") == "COGNITO_USER_POOLS"
            methods.setdefault(item["path"], {})[verb] = Method(
                resource=item["path"],
                http_method=verb,
                integration_type=str(integration.get("type") or ""),
                uri=str(integration.get("uri") or ""),
                # a Cognito method whose authorizer is gone lets nobody in (no pool to verify against)
                pool_ids=pools.get(m.get("authorizerId") or "", ("(none)",)) if cognito else (),
                scopes=tuple(m.get("authorizationScopes") or ()) if cognito else (),
            )
    return Definition(str(api["id"]), stages[0], region, methods)


@dataclass
class ApiRouter:
    """The definition (re-read every `ttl` seconds) and the Cognito check of the sandbox's API Gateway."""

    apigateway: Any
    name: str
    region: str
    endpoint: str
    ttl: float = 2.0
    _definition: Definition | None = None
    _read_at: float = -1e9
    _jwks: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def definition(self) -> Definition | None:
        with self._lock:
            now = time.monotonic()
            if now - self._read_at >= self.ttl:
                try:
                    self._definition = read_definition(self.apigateway, self.name, self.region)
                except Exception:  # moto unreachable: keep what we had (API Gateway keeps serving)
                    log.exception("could not read the REST API %s", self.name)
                self._read_at = now
            return self._definition

    def authorize(self, method: Method, headers: Mapping[str, str]) -> dict[str, Any] | None:
        """The token's claims when `method` is open or the token passes its authorizer, else None."""
        if not method.pool_ids:
            return {}
        raw = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = raw[7:].strip() if raw.lower().startswith("bearer ") else raw.strip()
        for pool in method.pool_ids:
            claims = self._verify(pool, token)
            if claims is None:
                continue
            if method.scopes:
                granted = set(str(claims.get("scope") or "").split())
                if claims.get("token_use") == "access" and granted & set(method.scopes):
                    return claims
            elif claims.get("token_use") == "id":
                return claims
        return None

    def _verify(self, pool: str, token: str) -> dict[str, Any] | None:
        import jwt

        from multicloud_ctl.functions.adapters.auth import JwksCache

        if not token or pool == "(none)":
            return None
        region = pool.split("_", 1)[0]
        with self._lock:
            jwks = self._jwks.setdefault(pool, JwksCache(f"{self.endpoint}/{pool}/.well-known/jwks.json"))
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != "RS256":
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                jwks.key(str(header.get("kid"))),
                algorithms=["RS256"],
                issuer=f"https://cognito-idp.{region}.amazonaws.com/{pool}",
                options={"verify_aud": False, "require": ["exp", "iss", "token_use"]},
            )
        except Exception:  # any refusal is API Gateway's plain 401
            return None
        return claims


def gateway_event(event: dict[str, Any], definition: Definition, method: Method, params: dict[str, str],
                  claims: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The proxy event of a request matched to `method`: its resource, path parameters, stage, authorizer."""
    context = dict(event.get("requestContext") or {})
    context.update(
        resourcePath=method.resource,
        stage=definition.stage,
        apiId=definition.api_id,
        path=f"/{definition.stage}{event.get('path') or '/'}",
    )
    if claims:
        context["authorizer"] = {"claims": {k: str(v) for k, v in claims.items()}}
    return {**event, "resource": method.resource, "pathParameters": params or None, "requestContext": context}
