"""Deadlines on every network call (`network:` in the environment, `providers/deadline.py`).

Each client is pointed at a "frozen" endpoint: a TCP server that accepts every connection, reads what it is
sent and never answers (what a SIGSTOPped emulator or a black-holed load balancer looks like from outside).
Every call must fail with one of our errors within the deadline (plus the last backoff), having retried while a
retry could still end within it and not after. Before, botocore retried read timeouts `max_attempts` times
(`sync status` 182 s against a frozen moto) and the presigned S3 reads had no timeout at all.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.errors import McctlError

pytestmark = pytest.mark.integration

CONNECT, READ, DEADLINE = 1.0, 1.0, 4.0  # a retry fits after the first read timeout, a third attempt does not
SLACK = 2.5  # the last backoff (the SDKs' first steps are 0.1-2 s) and a loaded 2-core machine


class Frozen:
    """Accepts, reads, never answers; counts the connections (each attempt of a client opens or reuses one)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self.requests = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self._held.append(conn)
            threading.Thread(target=self._swallow, args=(conn,), daemon=True).start()

    def _swallow(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        while not self._stop.is_set():
            try:
                data = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            self.requests += data.count(b" HTTP/1.1\r\n")

    def close(self) -> None:
        self._stop.set()
        for conn in self._held:
            conn.close()
        self.sock.close()


@pytest.fixture
def frozen() -> Iterator[Frozen]:
    server = Frozen()
    yield server
    server.close()


@pytest.fixture
def bounded_env(local_env: Any) -> Any:
    network = local_env.network.model_copy(
        update={"connect_timeout_seconds": CONNECT, "read_timeout_seconds": READ, "deadline_seconds": DEADLINE}
    )
    return local_env.model_copy(update={"network": network})


def _fails_in_time(call: Any, frozen: Frozen, max_attempts: int = 3) -> McctlError:
    started = time.monotonic()
    with pytest.raises(McctlError) as caught:
        call()
    took = time.monotonic() - started
    bound = DEADLINE + SLACK
    assert took <= bound, f"{took:.1f}s > {bound:.1f}s: {caught.value}"
    assert frozen.requests >= 2, "retried while a retry could end within the deadline"
    assert frozen.requests <= max_attempts, f"{frozen.requests} attempts: retries went on past the deadline"
    return caught.value


def test_boto3_calls_stop_retrying_at_the_deadline(bounded_env: Any, frozen: Frozen) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.aws.errors import aws_errors

    env = bounded_env.model_copy(
        update={"aws": bounded_env.aws.model_copy(update={"endpoint_url": frozen.url, "max_attempts": 10})}
    )
    client = Runtime(env).aws.client("dynamodb")

    def describe() -> None:
        with aws_errors("DescribeTable", "orders"):
            client.describe_table(TableName="orders")

    error = _fails_in_time(describe, frozen)
    assert "DescribeTable" in str(error)


def test_presigned_s3_reads_have_timeouts_and_a_deadline(bounded_env: Any, frozen: Frozen) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.aws.s3 import S3Client

    env = bounded_env.model_copy(update={"aws": bounded_env.aws.model_copy(update={"endpoint_url": frozen.url})})
    runtime = Runtime(env)
    s3 = S3Client(runtime.aws.client("s3"), runtime.aws.counter, env.network)
    error = _fails_in_time(lambda: next(s3.pages("bucket")), frozen)
    assert "ListObjectsV2" in str(error) and "read timed out" in str(error)
    assert "Signature" not in str(error) and "Credential" not in str(error)  # the presigned URL stays out


def test_blob_listings_on_the_wire_path_have_a_deadline(bounded_env: Any, frozen: Frozen) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.azure.blob import BlobContainer

    env = bounded_env.with_local_ports(azurite_blob=frozen.port)
    blobs = BlobContainer(Runtime(env).azure, "backups")
    error = _fails_in_time(lambda: next(blobs.pages("daily/")), frozen)
    assert "list blobs" in str(error) and "read timed out" in str(error)
    assert "sig=" not in str(error)


def test_blob_sdk_calls_have_a_deadline(bounded_env: Any, frozen: Frozen) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.azure.blob import BlobContainer

    env = bounded_env.with_local_ports(azurite_blob=frozen.port)
    blobs = BlobContainer(Runtime(env).azure, "backups")
    _fails_in_time(blobs.exists, frozen)


def test_cloudflare_sdk_calls_have_a_deadline(bounded_env: Any, frozen: Frozen) -> None:
    from multicloud_ctl.providers.cloudflare.client import CloudflareClient

    env = bounded_env.model_copy(
        update={"cloudflare": bounded_env.cloudflare.model_copy(update={"base_url": f"{frozen.url}/client/v4"})}
    )
    client = CloudflareClient(env, max_retries=10)
    error = _fails_in_time(client.verify_token, frozen)
    assert "cloudflare" in str(error).lower()


def test_azure_management_calls_have_a_deadline(bounded_env: Any, frozen: Frozen) -> None:
    from multicloud_ctl.engine.runtime import Runtime

    env = bounded_env.model_copy(update={"azure": bounded_env.azure.model_copy(update={"arm_endpoint": frozen.url})})
    runtime = Runtime(env)
    # the client is built (its models and operations imported) before the clock starts: the deadline bounds the
    # call, not the SDK's import, which a loaded CI counted in once (7.0 s against the 6.5 s bound)
    groups = runtime.azure.resources.resource_groups

    def read_group() -> None:
        from multicloud_ctl.providers.azure.errors import azure_errors

        with azure_errors("get resource group"):
            groups.get("mcctl-local")

    # azure-core fits its attempts into the deadline by shortening the last ones' timeouts (`RetryPolicy.timeout`)
    _fails_in_time(read_group, frozen, max_attempts=5)


def test_a_verb_against_a_frozen_aws_fails_in_one_line_within_the_deadline(
    cli: Any, bounded_env: Any, frozen: Frozen, tmp_path: Path
) -> None:
    import yaml

    env = bounded_env.model_copy(update={"aws": bounded_env.aws.model_copy(update={"endpoint_url": frozen.url})})
    config = tmp_path / "config"
    config.mkdir()
    (config / "local.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    started = time.monotonic()
    result = cli("--config-dir", str(config), "lock", "status")
    took = time.monotonic() - started
    assert result.exit_code not in (0, 2), result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert any(line.startswith("hint:") for line in result.stderr.splitlines()), result.stderr
    assert took <= DEADLINE + SLACK, f"{took:.1f}s"  # the secondary region is behind the same endpoint: not tried


def test_sql_connections_have_a_connect_timeout(frozen: Frozen) -> None:
    """PostgreSQL (psycopg `connect_timeout`) against a server that accepts and never answers the startup."""
    from sqlalchemy.exc import OperationalError

    from multicloud_ctl.functions.cdc.engine import create_sql_engine

    engine = create_sql_engine(f"postgresql+psycopg://mcctl@127.0.0.1:{frozen.port}/mcctl", connect_timeout=CONNECT)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="timeout"):
        engine.connect()
    assert time.monotonic() - started <= 2 * CONNECT + SLACK  # psycopg tries each address of the host once
