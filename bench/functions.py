"""Latency and throughput of place-order (POST /orders) through the local AWS functions host.

Starts its own moto and functions host on free loopback ports, creates a product with plenty of stock and a
Cognito user, then places orders: first one at a time (latency), then from several threads (throughput).
Each order is a real request: HTTP -> API Gateway proxy event -> order-service -> JWT check against moto's
JWKS (cached) -> conditional stock write + order + idempotency key in DynamoDB -> OrderPlaced to SQS.
Prints figures; asserts nothing.

    .venv/bin/python bench/functions.py [--orders 300] [--threads 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--orders", type=int, default=300)
    p.add_argument("--threads", type=int, default=4)
    args = p.parse_args()

    import os

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.config.secrets import SecretResolver
    from multicloud_ctl.local.functions.bootstrap import ensure_sandbox
    from multicloud_ctl.local.functions.envfile import host_settings, write_env_file
    from multicloud_ctl.local.functions.shopclient import ShopClient, sign_up
    from multicloud_ctl.local.processes import free_port, start_moto, stop_process, wait_http
    from multicloud_ctl.providers.aws.session import AwsClients

    tmp = Path(tempfile.mkdtemp(prefix="mcctl-bench-"))
    moto = start_moto(free_port(), log=tmp / "moto.log")
    host = None
    try:
        base = load_environment("local", REPO / "config")
        ports = base.local.ports.model_copy(
            update={"moto": moto.port, "functions_aws": free_port(), "functions_azure": free_port()}
        )
        env = base.model_copy(
            update={"state_dir": tmp / "state", "local": base.local.model_copy(update={"ports": ports})}
        )
        aws = AwsClients(env, SecretResolver())
        pool = ensure_sandbox(aws, env)
        env_file = write_env_file(tmp / "aws.env", host_settings(env, "aws", pool, state_dir=tmp))
        import subprocess

        with open(tmp / "host.log", "ab") as log:
            host = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "multicloud_ctl.local.functions",
                    "--cloud",
                    "aws",
                    "--port",
                    str(ports.functions_aws),
                    "--env-file",
                    str(env_file),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_http(f"http://127.0.0.1:{ports.functions_aws}/_admin/health", proc=host, timeout=30)
        shop = ShopClient(f"http://127.0.0.1:{ports.functions_aws}", "sandbox-service-key")
        status, product = shop.call(
            "POST", "/products", {"name": "Bench", "category": "bench", "price_cents": 100}, service=True
        )
        assert status == 201, product
        from multicloud_ctl.functions.domain.inventory import MAX_QTY

        status, stock = shop.call("PUT", f"/inventory/{product['product_id']}", {"available": MAX_QTY}, service=True)
        assert status == 200 and 2 * args.orders + 20 <= MAX_QTY, stock
        token = sign_up(aws.client("cognito-idp"), pool.client_id, "bench@example.com", "Bench-Passw0rd!", pool.pool_id)
        body = {"lines": [{"product_id": product["product_id"], "quantity": 1}], "email": "bench@example.com"}

        def place() -> float:
            started = time.perf_counter()
            code, out = shop.call("POST", "/orders", body, token=token, headers={"idempotency-key": uuid.uuid4().hex})
            if code != 201:
                raise RuntimeError(f"place-order answered {code}: {out}")
            return time.perf_counter() - started

        def timed(method: str, path: str, **kw: object) -> float:
            started = time.perf_counter()
            shop.call(method, path, **kw)  # type: ignore[arg-type]
            return time.perf_counter() - started

        health = [timed("GET", "/health") for _ in range(50)]
        reads = [timed("GET", f"/products/{product['product_id']}") for _ in range(50)]
        for _ in range(20):  # warm up: imports, JWKS fetch, connection pools
            place()
        serial = [place() for _ in range(args.orders)]
        wall = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool_:
            parallel = list(pool_.map(lambda _: place(), range(args.orders)))
        wall = time.perf_counter() - wall
        ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
        print(f"place-order through the local AWS functions host (moto DynamoDB + SQS), {args.orders} orders each:")
        print(
            f"  (GET /health p50 {ms(statistics.median(health))}; "
            f"GET /products/ID p50 {ms(statistics.median(reads))}; both sequential)"
        )
        print(
            f"  sequential : p50 {ms(statistics.median(serial))}  p99 {ms(percentile(serial, 99))}  "
            f"{len(serial) / sum(serial):.1f} req/s"
        )
        print(
            f"  {args.threads} threads  : p50 {ms(statistics.median(parallel))}  p99 {ms(percentile(parallel, 99))}  "
            f"{len(parallel) / wall:.1f} req/s"
        )
    finally:
        if host is not None:
            stop_process(host)
        moto.stop()


if __name__ == "__main__":
    main()
