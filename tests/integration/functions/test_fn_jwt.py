"""Cognito JWT validation: real moto tokens are accepted; every forged or mis-scoped token is a bare 401."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fn_support import Shop, apigw_event

from multicloud_ctl.functions.adapters.auth import CognitoVerifier, JwksCache
from multicloud_ctl.functions.aws_lambda.router import route
from multicloud_ctl.functions.domain.errors import Unauthorized

pytestmark = pytest.mark.integration
UNAUTHORIZED = {"error": "unauthorized"}


def me(token: str) -> tuple[int, Any]:
    resp = route(apigw_event("GET", "/users/me", headers={"Authorization": f"Bearer {token}"}))
    return resp["statusCode"], json.loads(resp["body"])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_real_cognito_id_and_access_tokens_are_accepted(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    assert me(shop.user("alice")["IdToken"])[0] == 200
    monkeypatch.delenv("MCCTL_FN_CLOUD_CLAIM")  # access tokens carry no custom attributes
    status, body = me(shop.user("alice")["AccessToken"])
    assert status == 200 and body["display_name"] == "alice"
    # the public client flow (initiate_auth) gives tokens the functions accept as well
    auth = shop.idp.initiate_auth(
        ClientId=shop.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!x"},
    )
    assert me(auth["AuthenticationResult"]["AccessToken"])[1]["user_id"] == body["user_id"]


def test_tampered_wrong_audience_wrong_issuer_and_no_token_are_401(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    token = shop.user("alice")["IdToken"]
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "someone-else"
    assert me(f"{head}.{b64(json.dumps(claims).encode())}.{sig}") == (401, UNAUTHORIZED)
    assert me(f"{head}.{payload}.{sig[:-4]}AAAA") == (401, UNAUTHORIZED)
    assert me("not-a-jwt") == (401, UNAUTHORIZED)
    assert route(apigw_event("GET", "/users/me", headers={"Authorization": token}))["statusCode"] == 401
    monkeypatch.setenv("MCCTL_FN_COGNITO_CLIENT_ID", "some-other-client")
    assert me(token) == (401, UNAUTHORIZED)
    monkeypatch.setenv("MCCTL_FN_COGNITO_CLIENT_ID", shop.client_id)
    monkeypatch.setenv("MCCTL_FN_COGNITO_ISSUER", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other")
    assert me(token) == (401, UNAUTHORIZED)
    monkeypatch.setenv("MCCTL_FN_COGNITO_ISSUER", shop.env["MCCTL_FN_COGNITO_ISSUER"])
    monkeypatch.setenv("MCCTL_FN_COGNITO_TOKEN_USE", "access")
    assert me(token) == (401, UNAUTHORIZED)  # an ID token where access tokens are required


def test_a_token_without_the_cross_cloud_claim_for_this_cloud_is_401(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = shop.user("alice")["IdToken"]  # custom:clouds = "aws azure"
    monkeypatch.setenv("MCCTL_FN_CLOUD", "azure")
    monkeypatch.setenv("MCCTL_FN_STORE", "dynamodb")
    assert me(token)[0] == 200
    shop.idp.admin_update_user_attributes(
        UserPoolId=shop.pool_id, Username="alice", UserAttributes=[{"Name": "custom:clouds", "Value": "aws"}]
    )
    shop.tokens.pop("alice")
    fresh = shop.idp.admin_initiate_auth(
        UserPoolId=shop.pool_id,
        ClientId=shop.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!x"},
    )
    assert me(fresh["AuthenticationResult"]["IdToken"]) == (401, UNAUTHORIZED)


@pytest.fixture
def keypair() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk_of(key: Any, kid: str) -> dict[str, Any]:
    data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**data, "kid": kid, "alg": "RS256", "use": "sig"}


ISS = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local"


def claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "sub": "u-1",
        "iss": ISS,
        "aud": "client-1",
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
        "cognito:username": "u1",
        "custom:clouds": "aws",
    }
    return {**base, **over}


def test_crafted_tokens_expired_unknown_kid_and_alg_none(
    jwks_server: Any, keypair: Any, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    jwks_server.jwks = {"keys": [jwk_of(keypair, "k1")]}
    monkeypatch.setenv("MCCTL_FN_COGNITO_JWKS_URL", jwks_server.url)
    monkeypatch.setenv("MCCTL_FN_COGNITO_ISSUER", ISS)
    monkeypatch.setenv("MCCTL_FN_COGNITO_CLIENT_ID", "client-1")
    sign = lambda c, key=keypair, kid="k1": jwt.encode(c, key, algorithm="RS256", headers={"kid": kid})  # noqa: E731
    assert me(sign(claims()))[0] == 200
    assert me(sign(claims(exp=int(time.time()) - 3600))) == (401, UNAUTHORIZED)
    assert me(sign(claims(aud="client-2"))) == (401, UNAUTHORIZED)
    assert me(sign(claims(iss=ISS + "x"))) == (401, UNAUTHORIZED)
    assert me(sign(claims(token_use="refresh"))) == (401, UNAUTHORIZED)
    no_exp = claims()
    del no_exp["exp"]
    assert me(sign(no_exp)) == (401, UNAUTHORIZED)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert me(sign(claims(), other, "k-unknown")) == (401, UNAUTHORIZED)
    assert me(sign(claims(), other, "k1")) == (401, UNAUTHORIZED)  # right kid, wrong key
    none = (
        f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT', 'kid': 'k1'}).encode())}.{b64(json.dumps(claims()).encode())}."
    )
    assert me(none) == (401, UNAUTHORIZED)
    pem = keypair.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    confused = (
        f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': 'k1'}).encode())}.{b64(json.dumps(claims()).encode())}"
    )
    import hashlib
    import hmac

    mac = hmac.new(pem, confused.encode(), hashlib.sha256).digest()
    assert me(f"{confused}.{b64(mac)}") == (401, UNAUTHORIZED)  # HS256 keyed with the public key


def test_jwks_is_cached_and_refreshed_on_an_unknown_kid(jwks_server: Any, keypair: Any) -> None:
    jwks_server.jwks = {"keys": [jwk_of(keypair, "k1")]}
    t = [1000.0]
    cache = JwksCache(jwks_server.url, min_gap=30, clock=lambda: t[0])
    verifier = CognitoVerifier(cache, issuer=ISS, client_ids=("client-1",))
    token = jwt.encode(claims(), keypair, algorithm="RS256", headers={"kid": "k1"})
    for _ in range(5):
        verifier.verify(token)
    assert jwks_server.hits == 1
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks_server.jwks = {"keys": [jwk_of(keypair, "k1"), jwk_of(rotated, "k2")]}
    new = jwt.encode(claims(), rotated, algorithm="RS256", headers={"kid": "k2"})
    t[0] += 31
    assert verifier.verify(new)["sub"] == "u-1"  # the unknown kid triggered one refresh
    assert jwks_server.hits == 2
    forged = jwt.encode(claims(), rotated, algorithm="RS256", headers={"kid": "k-forged"})
    for _ in range(3):
        with pytest.raises(Unauthorized):
            verifier.verify(forged)
    assert jwks_server.hits == 2  # forged kids cannot hammer the JWKS endpoint (min gap)


def test_a_pinned_jwks_keeps_the_standby_validating_while_the_jwks_url_is_down(
    shop: Shop, keypair: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from multicloud_ctl.local.processes import free_port

    monkeypatch.setenv("MCCTL_FN_COGNITO_JWKS_URL", f"http://127.0.0.1:{free_port()}/.well-known/jwks.json")
    monkeypatch.setenv("MCCTL_FN_COGNITO_ISSUER", ISS)
    monkeypatch.setenv("MCCTL_FN_COGNITO_CLIENT_ID", "client-1")
    token = jwt.encode(claims(), keypair, algorithm="RS256", headers={"kid": "k1"})
    assert me(token) == (401, UNAUTHORIZED)  # nothing known, nothing reachable
    monkeypatch.setenv("MCCTL_FN_COGNITO_JWKS", json.dumps({"keys": [jwk_of(keypair, "k1")]}))
    assert me(token)[0] == 200


def test_a_failed_refresh_keeps_the_known_keys(jwks_server: Any, keypair: Any) -> None:
    jwks_server.jwks = {"keys": [jwk_of(keypair, "k1")]}
    t = [0.0]
    verifier = CognitoVerifier(
        JwksCache(jwks_server.url, ttl=60, clock=lambda: t[0]), issuer=ISS, client_ids=("client-1",)
    )
    token = jwt.encode(claims(), keypair, algorithm="RS256", headers={"kid": "k1"})
    verifier.verify(token)
    jwks_server.shutdown()
    jwks_server.server_close()
    t[0] += 3600  # stale: the refresh fails, the cached key still validates
    assert verifier.verify(token)["sub"] == "u-1"
