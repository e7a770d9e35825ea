"""The environment lease as a majority of three stores (`engine/lock.py` CloudLease, `engine/lease_stores.py`):
DynamoDB on moto, a blob on Azurite, a D1 table on the sandbox edge's Cloudflare API, all over HTTP with the
real SDKs. Two contenders never both hold it, in every interleaving of their per-store requests; any one store
dark still grants it; a run that lost it stops before its next mutation."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from multicloud_ctl.errors import EndpointUnreachable, LeaseLost, LockHeld
from wait_support import wait_for

TTL = timedelta(minutes=15)


@pytest.fixture(scope="module")
def edge() -> Iterator[Any]:
    from multicloud_ctl.local.edge.server import run_edge_api

    handle = run_edge_api(0, token="sandbox-token")  # config/local.yaml: literal-dev:sandbox-token
    yield handle
    handle.stop()


@pytest.fixture
def quorum_env(local_env: Any, azurite: Any, edge: Any) -> Any:
    edge.server.store.reset()
    edge.server.d1.reset()
    lease = local_env.lease.model_copy(update={"stores": ["aws", "azure", "cloudflare"], "store_timeout_seconds": 15})
    cf = local_env.cloudflare.model_copy(update={"base_url": f"{edge.url}/client/v4"})
    return local_env.model_copy(update={"lease": lease, "cloudflare": cf})


_LEASES: dict[int, Any] = {}


def lease(env: Any) -> Any:
    """A CloudLease on `env` (one per environment object: its clients and store lookups are reused)."""
    from multicloud_ctl.engine.lock import CloudLease
    from multicloud_ctl.engine.runtime import Runtime

    if id(env) not in _LEASES:
        if len(_LEASES) > 16:
            _LEASES.clear()
        _LEASES[id(env)] = (env, CloudLease(Runtime(env)))
    return _LEASES[id(env)][1]


def dark(env: Any, cloud: str) -> Any:
    """`env` with one cloud's endpoint pointing at a closed port (connection refused)."""
    from multicloud_ctl.local.processes import free_port

    closed = f"http://127.0.0.1:{free_port()}"
    if cloud == "aws":
        return env.model_copy(update={"aws": env.aws.model_copy(update={"endpoint_url": closed, "max_attempts": 1})})
    if cloud == "cloudflare":
        return env.model_copy(update={"cloudflare": env.cloudflare.model_copy(update={"base_url": closed})})
    ports = env.local.model_copy(update={"ports": env.local.ports.model_copy(update={"azurite_blob": free_port()})})
    return env.model_copy(update={"local": ports})


def test_two_contenders_never_both_hold_it_in_any_interleaving(quorum_env: Any) -> None:
    """A and B each ask the three stores one at a time; all 20 orders of their six requests are forced. In each,
    exactly one collects a majority, the other is refused (LockHeld) and gives back what it got, and the winner's
    fencing token is higher than any token handed out before."""
    kinds = ["aws", "azure", "cloudflare"]
    from multicloud_ctl.engine.lock import CloudLease
    from multicloud_ctl.engine.runtime import Runtime

    contenders = CloudLease(Runtime(quorum_env)), CloudLease(Runtime(quorum_env))
    orders = sorted(set(itertools.permutations("AAABBB")))
    assert len(orders) == 20
    last_token = 0
    for n, order in enumerate(orders):
        name = f"failover-{n}"
        a, b = contenders
        stores = {"A": {s.kind: s for s in a._stores()}, "B": {s.kind: s for s in b._stores()}}
        asked = {"A": 0, "B": 0}
        answers: dict[str, dict[str, Any]] = {"A": {}, "B": {}}
        for who in order:
            kind = kinds[asked[who]] if who == "A" else kinds[::-1][asked[who]]  # opposite orders: worst case
            asked[who] += 1
            contender = a if who == "A" else b
            answers[who][kind] = contender.try_store(stores[who][kind], name, f"owner-{who}", TTL)
        won = []
        for who, contender in (("A", a), ("B", b)):
            with contextlib.suppress(LockHeld):
                won.append((who, contender.settle(name, f"owner-{who}", answers[who])))
        assert len(won) == 1, f"{''.join(order)}: {answers}"
        who, fence = won[0]
        assert fence.token >= 1 and len(fence.grants) >= 2
        held = lease(quorum_env).status(name)
        assert held["owner"] == f"owner-{who}" and held["expired"] is False
        loser = "B" if who == "A" else "A"
        assert f"owner-{loser}" not in held["stores"].values()  # the loser released its partial grant
        lease(quorum_env).release(name, f"owner-{who}")
        after = lease(quorum_env).status(name)
        assert after is None or after["expired"] is True  # released at a majority: no longer held
        # a third store's release may still be on its way when release returns (it does not wait for it): it lands
        wait_for(lambda name=name: lease(quorum_env).status(name) is None, timeout=15)
        last_token = max(last_token, fence.token)


def test_one_store_dark_still_grants_and_two_dark_refuse_with_one_line(quorum_env: Any) -> None:
    for cloud in ("aws", "azure", "cloudflare"):
        env = dark(quorum_env, cloud)
        fence = lease(env).acquire(f"failover-{cloud}", "alice", TTL)
        assert cloud not in fence.grants and len(fence.grants) == 2
        with pytest.raises(LockHeld, match="held by alice"):
            lease(quorum_env).acquire(f"failover-{cloud}", "bob", TTL)  # all three up: two still say alice
        lease(env).release(f"failover-{cloud}", "alice")
    both = dark(dark(quorum_env, "aws"), "cloudflare")
    with pytest.raises(EndpointUnreachable, match="needs 2 of 3 store") as refused:
        lease(both).acquire("failover", "alice", TTL)
    assert "aws:" in str(refused.value) and "cloudflare:" in str(refused.value)
    assert lease(quorum_env).status("failover") is None  # the one grant it got was given back


def test_a_run_that_lost_its_lease_stops_before_its_next_mutation(quorum_env: Any) -> None:
    """The fence: renewals need owner and token on a majority. After `lock break` and a new holder, the old
    holder's confirmation fails with LeaseLost; the new holder's token is higher."""
    first = lease(quorum_env).acquire("provision", "alice", TTL)
    lease(quorum_env).renew(first, TTL)
    assert lease(quorum_env).break_lease("provision")
    second = lease(quorum_env).acquire("provision", "bob", TTL)
    assert second.token > first.token
    with pytest.raises(LeaseLost, match="no longer this run's"):
        lease(quorum_env).renew(first, TTL)
    lease(quorum_env).renew(second, TTL)


def test_the_engine_confirms_the_lease_before_mutating_steps(quorum_env: Any) -> None:
    """A run whose lease is broken mid-run fails its next mutating step without calling it."""
    from multicloud_ctl.engine.plan import Plan, Step
    from multicloud_ctl.engine.run import LockSpec, Operation, run
    from multicloud_ctl.engine.runtime import Runtime

    calls: list[str] = []

    def first(ctx: Any) -> str:
        calls.append("first")
        assert lease(quorum_env).break_lease("demo")  # an operator breaks it; bob takes it
        lease(quorum_env).acquire("demo", "bob", TTL)
        import time

        time.sleep(2.1)  # past CONFIRM_EVERY: the next mutating step confirms
        return "ok"

    def second(ctx: Any) -> str:
        calls.append("second")
        return "ok"

    op = Operation(
        "demo",
        lambda runtime: Plan("demo", (Step.bulk("one", "first", first), Step.bulk("two", "second", second))),
        lock=LockSpec("demo"),
    )
    outcome = run(Runtime(quorum_env), op)
    assert calls == ["first"] and not outcome.ok
    assert "no longer this run's" in str(outcome.error)


def test_a_long_step_keeps_its_lease_alive(quorum_env: Any) -> None:
    """TTL 30 s and a step of 11 s: the heartbeat renews the lease every 10 s, so its expiry moves on during the
    step (without it a second machine could take the lease of a run still working once the TTL passed)."""
    import time
    from datetime import datetime

    from multicloud_ctl.engine.plan import Plan, Step
    from multicloud_ctl.engine.run import LockSpec, Operation, run
    from multicloud_ctl.engine.runtime import Runtime

    env = quorum_env.model_copy(update={"lease": quorum_env.lease.model_copy(update={"ttl_seconds": 30})})
    seen: list[str] = []

    def long_step(ctx: Any) -> str:
        seen.append(lease(env).status("long")["expires"])
        time.sleep(11)
        seen.append(lease(env).status("long")["expires"])
        with pytest.raises(LockHeld):  # and nobody else can take it meanwhile
            lease(env).acquire("long", "bob", TTL)
        return "ok"

    op = Operation("long", lambda rt: Plan("long", (Step.bulk("one", "long", long_step),)), lock=LockSpec("long"))
    outcome = run(Runtime(env), op)
    assert outcome.ok, outcome.error
    first, later = (datetime.fromisoformat(x) for x in seen)
    assert (later - first).total_seconds() >= 8  # renewed about 10 s after it was taken


@pytest.mark.parametrize("cloud", ["aws", "azure", "cloudflare"])
def test_a_dark_store_costs_the_run_no_waiting_once_it_is_known_dark(quorum_env: Any, cloud: str) -> None:
    """One store refusing connections: the first call may spend its retries on it, but once the majority has
    answered the lease does not wait for it, and later calls in the run (renewals, the release) skip it until
    it is due to be tried again, instead of spending up to `store_timeout_seconds` on it each time."""
    import time

    env = dark(quorum_env, cloud)
    cloud_lease = lease(env)
    started = time.monotonic()
    fence = cloud_lease.acquire(f"backup-{cloud}", "alice", TTL)
    for _ in range(3):
        cloud_lease.renew(fence, TTL)
    cloud_lease.release(f"backup-{cloud}", "alice")
    took = time.monotonic() - started
    assert cloud not in fence.grants and len(fence.grants) == 2
    assert lease(quorum_env).status(f"backup-{cloud}") is None
    print(f"{cloud} dark: acquire + 3 renewals + release {took:.2f}s")
    assert took < 5.0, f"{took:.1f}s with {cloud} dark (store timeout 15 s)"


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A loopback port that accepts connections and never answers (a partition as the client sees it: the
    request goes out, nothing comes back until the client's own timeout)."""
    import socket

    from multicloud_ctl.local.processes import free_port

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", free_port()))
    sock.listen(64)
    yield int(sock.getsockname()[1])
    sock.close()


@pytest.mark.parametrize("cloud", ["aws", "azure", "cloudflare"])
def test_a_store_that_never_answers_does_not_hold_up_the_majority(quorum_env: Any, blackhole: int, cloud: str) -> None:
    """A partitioned store (connections accepted, nothing answered) costs the lease nothing once the other two
    granted: acquire, a renewal and the release finish in half the 15 s store timeout (they waited for it)."""
    import time

    url = f"http://127.0.0.1:{blackhole}"
    if cloud == "aws":
        env = quorum_env.model_copy(update={"aws": quorum_env.aws.model_copy(update={"endpoint_url": url})})
    elif cloud == "cloudflare":
        env = quorum_env.model_copy(update={"cloudflare": quorum_env.cloudflare.model_copy(update={"base_url": url})})
    else:
        ports = quorum_env.local.ports.model_copy(update={"azurite_blob": blackhole})
        env = quorum_env.model_copy(update={"local": quorum_env.local.model_copy(update={"ports": ports})})
    lease(quorum_env).status()  # the SDKs imported and their clients built: not what this test measures
    cloud_lease = lease(env)
    started = time.monotonic()
    fence = cloud_lease.acquire(f"failover-hang-{cloud}", "alice", TTL)
    acquired = time.monotonic() - started
    cloud_lease.renew(fence, TTL)
    cloud_lease.release(f"failover-hang-{cloud}", "alice")
    took = time.monotonic() - started
    assert sorted(fence.grants) == sorted({"aws", "azure", "cloudflare"} - {cloud})
    assert lease(quorum_env).status(f"failover-hang-{cloud}") is None
    print(f"{cloud} hanging: acquire {acquired:.2f}s, + renew + release {took:.2f}s")
    assert took < 7.5, f"acquire {acquired:.1f}s, all {took:.1f}s with {cloud} hanging (store timeout 15 s)"


@pytest.fixture
def slow_edge(edge: Any) -> Iterator[str]:
    """The edge's Cloudflare API behind a loopback proxy that holds each chunk of a request 0.25 s before passing
    it on: a store that answers, only later than the other two."""
    import socket
    import threading
    import time
    from urllib.parse import urlsplit

    upstream = urlsplit(edge.url)
    server = socket.create_server(("127.0.0.1", 0))

    def pipe(src: socket.socket, dst: socket.socket, delay: float) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                time.sleep(delay)
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = server.accept()
                target = socket.create_connection((upstream.hostname, upstream.port))
                threading.Thread(target=pipe, args=(client, target, 0.25), daemon=True).start()
                threading.Thread(target=pipe, args=(target, client, 0.0), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_the_release_waits_a_little_for_a_slower_store(quorum_env: Any, slow_edge: str) -> None:
    """A majority has released when AWS and Azure have; Cloudflare, answering ~0.5 s later, is waited for (up to
    `RELEASE_LINGER`): the process exits without waiting for the request's thread, which cut the release off
    mid-request and left the D1 record held until its TTL."""
    import time

    from multicloud_ctl.engine.lease_stores import D1Store
    from multicloud_ctl.engine.lock import RELEASE_LINGER
    from multicloud_ctl.engine.runtime import Runtime

    cf = quorum_env.cloudflare.model_copy(update={"base_url": f"{slow_edge}/client/v4"})
    env = quorum_env.model_copy(update={"cloudflare": cf})
    cloud_lease = lease(env)
    fence = cloud_lease.acquire("backup-slow-cf", "alice", TTL)
    wait_for(lambda: "cloudflare" in fence.grants, timeout=10)  # its late grant joins the fence
    started = time.monotonic()
    cloud_lease.release("backup-slow-cf", "alice")
    took = time.monotonic() - started
    (record,) = [r for r in D1Store(Runtime(quorum_env)).leases() if r.name == "backup-slow-cf"]
    assert record.expires == 0, record  # released on all three stores, not only on the majority
    assert took < RELEASE_LINGER + 1.0, took
