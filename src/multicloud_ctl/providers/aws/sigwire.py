"""Requests signed by `sigv4.py` (no botocore), for the calls a no-change backup pass makes to AWS.

A no-change `backup daily` makes a handful of AWS calls (ListObjectsV2 pages, the lease's UpdateItem), yet
importing boto3, making a session and loading the S3 and DynamoDB models cost about 0.5 s of CPU before the
first of them (measured on the sandbox, 2 cores): a quarter of the whole pass's CPU, spent serially before
the listing starts. With static credentials those calls are signed here instead and botocore is never
loaded. Anything else goes through boto3 exactly as before:

- credentials: only static ones, found where botocore would look first: the environment's configured key
  pair (`aws.access_key_id`/`aws.secret_access_key`, resolved through the secret store), else
  `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`). A configured `aws.profile` makes
  botocore drop the environment variables from its chain, so a profile always goes to botocore (SSO, roles,
  process credentials, instance metadata: all botocore's);
- endpoints: the environment's AWS endpoint when one is set (the sandbox's moto; S3 path-style, as the
  boto3 clients are configured), else the public `aws` / `aws-us-gov` partition's regional endpoints, and
  only when nothing could point botocore elsewhere: no `AWS_ENDPOINT_URL*`, `AWS_USE_FIPS_ENDPOINT` or
  `AWS_USE_DUALSTACK_ENDPOINT` in the environment and no `endpoint_url`/`use_fips_endpoint`/
  `use_dualstack_endpoint`/`services` in the active profile of the shared config file;
- answers: a 200 is parsed here; a DynamoDB `ConditionalCheckFailedException` is an answer too (the lease's
  "held by someone else"); any other status is handed back and the caller repeats the call through boto3,
  whose error mapping, redirects (an S3 bucket in another region) and adaptive retries then apply. Both
  calls are safe to repeat: a listing is a read, and the lease's UpdateItems are conditional on who holds it.

`MCCTL_AWS_SIGNER=botocore` turns this path off (every call through boto3), for an operator who suspects it.

Every call is counted where the boto3 clients' calls are, and a mutating one is refused under `--dry-run`
before it is signed (`AwsClients.record`), so the central guard holds on this path too.
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from multicloud_ctl.providers.aws.rawhttp import pool, unreachable
from multicloud_ctl.providers.aws.sigv4 import StaticCredentials, sign

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients

ENDPOINT_ENV = ("AWS_ENDPOINT_URL", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT")
ENDPOINT_KEYS = ("endpoint_url", "use_fips_endpoint", "use_dualstack_endpoint", "services")
PARTITIONS = {"aws": "amazonaws.com", "aws-us-gov": "amazonaws.com"}


def static_credentials(clients: AwsClients) -> StaticCredentials | None:
    """The static credentials botocore would use for this environment, or None when it would look further."""
    aws = clients.environment.aws
    if aws.profile:
        return None
    if aws.access_key_id and aws.secret_access_key:
        return StaticCredentials(
            clients.secrets.resolve(aws.access_key_id), clients.secrets.resolve(aws.secret_access_key)
        )
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID", ""), os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not key or not secret:
        return None
    return StaticCredentials(
        key, secret, os.environ.get("AWS_SESSION_TOKEN") or os.environ.get("AWS_SECURITY_TOKEN", "")
    )


def _endpoint_settings_elsewhere() -> bool:
    """True when the environment or the shared config file could send botocore to another endpoint."""
    if any(k.startswith(ENDPOINT_ENV) for k in os.environ):
        return True
    path = Path(os.environ.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config").expanduser()
    if not path.is_file():
        return False
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path)
    except configparser.Error:
        return True  # botocore would read it its own way: let it
    profile = os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or "default"
    section = "default" if profile == "default" else f"profile {profile}"
    return parser.has_section(section) and any(parser.has_option(section, k) for k in ENDPOINT_KEYS)


def partition_suffix(region: str) -> str | None:
    """The DNS suffix of `region`'s partition, for the partitions this path serves (else None)."""
    if region.startswith("us-gov-"):
        return PARTITIONS["aws-us-gov"]
    if region.startswith(("cn-", "us-iso", "eu-isoe-")):
        return None
    return PARTITIONS["aws"]


class SignedWire:
    """Signed requests to one service in one region (`AwsClients.signed` makes them, or says no)."""

    def __init__(
        self, clients: AwsClients, service: str, region: str, endpoint: str | None, credentials: StaticCredentials
    ) -> None:
        self.clients, self.service, self.region = clients, service, region
        self.endpoint = endpoint.rstrip("/") if endpoint else None  # None: the partition's regional endpoint
        self.credentials = credentials

    @classmethod
    def make(cls, clients: AwsClients, service: str, region: str) -> SignedWire | None:
        if os.environ.get("MCCTL_AWS_SIGNER", "").lower() == "botocore":
            return None
        credentials = static_credentials(clients)
        if credentials is None:
            return None
        endpoint = clients.environment.endpoints().aws
        if endpoint is None and (partition_suffix(region) is None or _endpoint_settings_elsewhere()):
            return None
        return cls(clients, service, region, endpoint, credentials)

    # ---- S3 -------------------------------------------------------------------------------------------------
    def s3_url(self, bucket: str, params: dict[str, str]) -> str | None:
        """The URL of a bucket-level GET with `params`; None when the bucket needs botocore's addressing rules."""
        query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params.items())
        if self.endpoint is not None:  # explicit endpoint: path-style, as the boto3 clients are configured
            return f"{self.endpoint}/{quote(bucket, safe='')}?{query}"
        suffix = partition_suffix(self.region)
        dns_safe = bucket.replace("-", "").isalnum() and bucket.islower() and 3 <= len(bucket) <= 63
        if suffix is None or not dns_safe or bucket.startswith("-") or bucket.endswith("-"):
            return None  # dotted names (TLS) and the rest: botocore knows the rules
        return f"https://{bucket}.s3.{self.region}.{suffix}/?{query}"

    def get(self, url: str, operation: str, what: str, retry: Any) -> Any:
        """A signed GET (a read); the response with its body read. Transport failures raise ours."""
        import urllib3

        from multicloud_ctl.engine.clock import Clock
        from multicloud_ctl.providers.deadline import urllib3_timeout

        self.clients.record(operation)
        # the signature carries the wall clock (AWS refuses one 15 minutes off), not an operation's pinned clock
        headers = sign("GET", url, {}, self.credentials, service=self.service, region=self.region,
                       when=Clock.system().now())  # fmt: skip
        try:
            return pool().request(
                "GET", url, headers=headers, retries=retry, timeout=urllib3_timeout(self.clients.environment.network)
            )
        except urllib3.exceptions.HTTPError as exc:
            raise unreachable(operation, what, exc) from exc

    # ---- JSON protocol (DynamoDB) ---------------------------------------------------------------------------
    def json_call(self, target: str, operation: str, params: dict[str, Any], what: str = "") -> tuple[int, Any]:
        """POST one AWS JSON 1.0 call; (status, parsed body). A mutating call is counted and refused under
        dry run first. Only connection failures are retried here (nothing was sent); the rest is the caller's.
        """
        self.clients.record(operation)
        # a write drops this service's listings in this region (provision's plan reads), before and after, as
        # the boto3 clients' hooks do
        event = f"before-call.{self.service}.{operation}"
        self.clients._drop_listings(self.region, event)
        try:
            return self._post(target, operation, params, what)
        finally:
            self.clients._drop_listings(self.region, event)

    def _post(self, target: str, operation: str, params: dict[str, Any], what: str) -> tuple[int, Any]:
        import orjson
        import urllib3

        from multicloud_ctl.engine.clock import Clock
        from multicloud_ctl.providers.deadline import urllib3_retry, urllib3_timeout

        url = self.endpoint or f"https://{self.service}.{self.region}.{partition_suffix(self.region)}"
        url = url if url.count("/") > 2 else url + "/"
        body = orjson.dumps(params)
        import hashlib

        headers = sign(
            "POST",
            url,
            {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"{target}.{operation}"},
            self.credentials,
            service=self.service,
            region=self.region,
            when=Clock.system().now(),
            payload_hash=hashlib.sha256(body).hexdigest(),
        )
        network = self.clients.environment.network
        retry = urllib3_retry(network, total=2, connect=2, read=0, status=0, other=0, backoff_factor=0.2,
                              allowed_methods=None, raise_on_status=False)  # fmt: skip
        try:
            response = pool().request(
                "POST", url, body=body, headers=headers, retries=retry, timeout=urllib3_timeout(network)
            )
        except urllib3.exceptions.HTTPError as exc:
            reason = getattr(exc, "reason", None) or exc
            if isinstance(reason, urllib3.exceptions.ReadTimeoutError | urllib3.exceptions.ProtocolError):
                from multicloud_ctl.errors import OutcomeUnknown

                # sent, and no answer: as botocore's read timeout is mapped (`aws_errors`), the caller (the
                # lease) must treat it as possibly applied
                raise OutcomeUnknown(
                    f"AWS {operation}{f' {what}' if what else ''}: endpoint unreachable: {reason} "
                    "(sent; it may have been applied)",
                    provider="aws",
                    operation=operation,
                    hint="is the endpoint up? for the sandbox run `mcctl local up`",
                ) from exc
            raise unreachable(operation, what, exc) from exc
        try:
            parsed = orjson.loads(response.data) if response.data else None
        except orjson.JSONDecodeError:
            parsed = None
        return response.status, parsed


def error_type(body: Any) -> str:
    """The short error code of an AWS JSON error body (`com.amazonaws.dynamodb.v20120810#X` -> `X`)."""
    raw = str((body or {}).get("__type", "")) if isinstance(body, dict) else ""
    return raw.rsplit("#", 1)[-1]
