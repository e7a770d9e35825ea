"""Helpers for the functions-host tests: the running hosts, one-line HTTP calls, Cognito sign-up."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from multicloud_ctl.local.processes import stop_process, wait_http

API_KEY = "sandbox-service-key"  # the sandbox's literal-dev service key (not a secret)


@dataclass
class Hosts:
    env: Any
    aws_url: str
    azure_url: str
    outbox: Path
    procs: dict[str, subprocess.Popen[bytes]]
    pool_id: str
    client_id: str
    env_files: dict[str, Path]

    def stop(self, cloud: str) -> None:
        stop_process(self.procs[cloud])


def call(
    url: str,
    method: str = "GET",
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, Any]:
    """(status, JSON body) of one request."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url, data=data, method=method, headers={"content-type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def start_host(cloud: str, port: int, env_file: Path, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    from multicloud_ctl.local.functions.component import host_command

    cmd = host_command(cloud, port, env_file, "--visibility", "1", *extra)
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    wait_http(f"http://127.0.0.1:{port}/_admin/health", proc=proc, timeout=30)
    return proc


def sign_up(boto: Any, hosts: Hosts, email: str, password: str = "Passw0rd!long") -> str:
    """A Cognito user on moto, signed in: returns the access token."""
    idp = boto("cognito-idp")
    idp.admin_create_user(
        UserPoolId=hosts.pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.admin_set_user_password(UserPoolId=hosts.pool_id, Username=email, Password=password, Permanent=True)
    out = idp.initiate_auth(
        ClientId=hosts.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return str(out["AuthenticationResult"]["AccessToken"])
