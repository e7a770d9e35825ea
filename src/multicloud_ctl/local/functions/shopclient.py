"""A small HTTP client for the shop API on the local hosts (demo and bench): keep-alive, JSON in and out,
plus Cognito sign-up on moto. Loopback only."""

from __future__ import annotations

import http.client
import json
import threading
from typing import Any
from urllib.parse import urlsplit


class ShopClient:
    """JSON calls to one host; one keep-alive connection per thread."""

    def __init__(self, base_url: str, api_key: str = "", timeout: float = 15.0) -> None:
        parts = urlsplit(base_url)
        if parts.hostname != "127.0.0.1":
            raise ValueError(f"the shop client only talks to 127.0.0.1, not {parts.hostname}")
        self.host, self.port = parts.hostname, int(parts.port or 80)
        self.api_key, self.timeout = api_key, timeout
        self._local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        service: bool = False,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """(status, parsed JSON body); `service` sends the API key, `token` a bearer token."""
        hdrs = {"content-type": "application/json", "accept": "application/json", **(headers or {})}
        if service:
            hdrs["x-api-key"] = self.api_key
        if token:
            hdrs["authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):  # a keep-alive connection the server closed: reconnect once
            conn = self._conn()
            try:
                conn.request(method, path, body=data, headers=hdrs)
                resp = conn.getresponse()
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def sign_up(idp: Any, client_id: str, email: str, password: str, pool_id: str) -> str:
    """Sign a user up through Cognito (sign_up + confirm + password auth); returns the access token."""
    idp.sign_up(
        ClientId=client_id, Username=email, Password=password, UserAttributes=[{"Name": "email", "Value": email}]
    )
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
    out = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": password}
    )
    return str(out["AuthenticationResult"]["AccessToken"])


def sign_up_id_token(idp: Any, client_id: str, email: str, password: str, pool_id: str) -> str:
    """As `sign_up`, returning the ID token: what API Gateway's Cognito authorizer takes on a route without
    OAuth scopes (the shop's signed-in routes), and what the functions accept as well."""
    idp.sign_up(
        ClientId=client_id, Username=email, Password=password, UserAttributes=[{"Name": "email", "Value": email}]
    )
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
    out = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": password}
    )
    return str(out["AuthenticationResult"]["IdToken"])
