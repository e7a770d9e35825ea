"""Specs of the Failover and Drill playbook kinds.

A failover's `workflow` (optional) orders its parts as steps in sequence or in parallel, with manual approval
steps and per-step time limits, like the workflows of AWS ARC Region switch plans.

A Failover playbook says what the load balancer should look like when `to` serves: the pool order
(`default_pools`, and every geo steering list with it), the fallback pool, which pools are enabled, origin
weights, whether traffic is pinned to the target or fails back by itself (`failback`), the preflight limits
(RPO, backup age), how verification works, and the optional
"enhanced AWS capacity" (Lambda reserved/provisioned concurrency) for an Azure failure, the SQL failover group,
the Service Bus Geo-DR alias (bus re-pointing) and the target's cache warm-up. A Drill playbook names
the two failover playbooks it exercises, the fault to inject, the background traffic and the objectives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from multicloud_ctl.config.secrets import SecretRef
from multicloud_ctl.config.specs.base import Spec
from multicloud_ctl.config.specs.health import check_conditions

Cloud = Literal["aws", "azure"]


class PoolState(Spec):
    """What one pool should look like after the switch (unset fields are left as they are)."""

    enabled: bool | None = None
    origin_weights: dict[str, float] = Field(
        default={}, description="origin name or address -> weight 0..1 (0 drains the origin)"
    )

    @model_validator(mode="after")
    def _weights(self) -> PoolState:
        bad = [k for k, w in self.origin_weights.items() if not 0 <= w <= 1]
        if bad:
            raise ValueError(f"origin weights must be within 0..1: {', '.join(bad)}")
        return self


class LoadBalancerTarget(Spec):
    """The load balancer after the switch."""

    order: list[str] = Field(min_length=1, description="default_pools, by pool name, first serves")
    fallback: str | None = Field(default=None, description="fallback pool name [default: last of order]")
    pools: dict[str, PoolState] = {}
    failback: Literal["pinned", "auto"] = Field(
        default="pinned",
        description="pinned: the target goes first in every pool list and keeps traffic after the old primary "
        "recovers (fail back with another failover); auto: each list keeps its first pool first with the target "
        "behind it, so traffic returns by itself when that pool is healthy again (only while it is unhealthy)",
    )

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "disable_failback" in data:
            raise ValueError(
                "disable_failback was removed (it set zero_downtime_failover, which only moves affinity sessions "
                "between origins of one pool): use failback: pinned (the old true) or failback: auto"
            )
        return data


class Preflight(Spec):
    """Refuse the switch (exit 4) unless these hold (an unmeasurable check refuses too, unless the operator
    accepts it with --accept-unknown CHECK); --force overrides with a recorded reason. A limit set to null
    skips its check."""

    target_healthy: bool = True
    health_path: str = "/health"
    health_conditions: list[str] = ["[STATUS] == 200", "[BODY].status == ok"]
    # the same Gatus-style conditions as the Health playbook, checked the same way at load (a typo here was
    # accepted and then failed the preflight at 3 a.m.)
    _conditions = field_validator("health_conditions")(check_conditions)
    rpo_seconds: float | None = Field(default=300, ge=0, description="max sync lag at cutover")
    max_backup_age_seconds: float | None = Field(default=26 * 3600, ge=0)
    backup_kind: Literal["daily", "weekly"] = "daily"
    require_known: bool = Field(
        default=True,
        description="kept for old playbooks, no effect: a check that cannot be measured always refuses "
        "unless the operator passes --accept-unknown CHECK",
    )
    timeout_seconds: float = Field(default=5, gt=0, le=60)
    measure_timeout_seconds: float = Field(default=10, gt=0, le=600, description="sync lag / backup age")


class Verify(Spec):
    """Verify through the edge until responses carry the target's origin header."""

    path: str = "/health"
    origin_header: str = "cf-origin"
    deadline_seconds: float = Field(default=30, gt=0, le=900)
    interval_seconds: float = Field(default=0.1, gt=0, le=30)
    consecutive: int = Field(default=3, ge=1, le=100, description="successive target answers needed")
    request_timeout_seconds: float = Field(default=2, gt=0, le=60)


class LambdaCapacity(Spec):
    """Raise one function's concurrency while AWS carries everything."""

    function: str
    reserved_concurrency: int | None = Field(default=None, ge=0)
    provisioned_concurrency: int | None = Field(default=None, ge=0)
    qualifier: str = Field(default="live", description="alias or version for provisioned concurrency")


class EnhancedCapacity(Spec):
    """ "Enhanced AWS capacity" (the seed's Azure failure scenario)."""

    lambda_functions: list[LambdaCapacity] = Field(default=[], alias="lambda")


class SqlFailoverGroupTarget(Spec):
    """Which of the environment's Azure locations holds the read-write SQL primary after the switch (its
    auto-failover group, `azure.sql.geo_replica`): the seed's Azure region failure moves it to the secondary."""

    primary: Literal["primary", "secondary"] = Field(
        description="the Azure location (the environment's primary or secondary) whose server becomes primary"
    )
    allow_data_loss: bool = Field(
        default=False,
        description="forceFailoverAllowDataLoss: switch without waiting for the old primary to catch up (its "
        "last transactions may be lost); for when the old primary's region is gone",
    )


class ServiceBusGeoDr(Spec):
    """The Service Bus Geo-Disaster Recovery alias to re-point: its failover is sent to the namespace that is
    to become primary (the secondary of the pairing), `<namespace>-<location>` in the secondary location as
    provision names it. A failover breaks the pairing: there is no rollback (pair again to fail back)."""

    alias: str = Field(
        pattern=r"^[a-zA-Z][a-zA-Z0-9-]{0,48}[a-zA-Z0-9]$",
        description="the Geo-DR alias (its disasterRecoveryConfigs name; 1-50 characters)",
    )
    primary: Literal["primary", "secondary"] = Field(
        default="secondary",
        description="the Azure location (the environment's primary or secondary) whose namespace the alias "
        "points to after the step",
    )
    safe: bool = Field(
        default=True,
        description="IsSafeFailover: wait for pending replication before switching; --ungraceful sends false "
        "(the old primary is gone and cannot be waited for)",
    )
    wait_seconds: float = Field(default=300, gt=0, le=3600, description="how long to poll for the new role")
    poll_seconds: float = Field(default=2, gt=0, le=60)


class CacheWarmup(Spec):
    """Load the hottest products from the target's own store (Azure: SQL ranked by units sold in the last
    `window_days`; AWS: DynamoDB, most recently updated) into the target's Redis under
    `<key_prefix>product:<id>`, the key the product service reads, before traffic moves."""

    limit: int = Field(default=500, ge=1, le=100_000, description="products to warm")
    ttl_seconds: int = Field(default=300, ge=1, le=7 * 86400)
    batch_size: int = Field(default=100, ge=1, le=10_000, description="SETs per pipelined round trip")
    window_days: int = Field(default=7, ge=1, le=90, description="Azure: the sales window that ranks products")
    redis_url: SecretRef | None = Field(
        default=None,
        description="the target's Redis (a secret reference: the URL carries the AUTH token) [local: local.redis_url]",
    )
    key_prefix: str = Field(
        default="mcctl:", pattern=r"^[A-Za-z0-9:_.-]{0,64}$", description="the functions' cache key prefix"
    )
    required: bool = Field(default=False, description="a failed warm-up fails the failover (default: a warning)")
    socket_timeout_seconds: float = Field(default=2, gt=0, le=60)


WorkflowKind = Literal[
    "load_balancer",
    "capacity",
    "sql_failover_group",
    "servicebus_geo_dr",
    "cache_warmup",
    "record_intended",
    "approval",
]
REQUIRED_PARTS = ("load_balancer", "record_intended")
CONFIGURED_PARTS = ("sql_failover_group", "servicebus_geo_dr", "cache_warmup")  # need their block in the spec


class WorkflowStep(Spec):
    """One step of the failover workflow: a part of the switch, or a manual approval.

    `load_balancer` (the pools, then the load balancer), `capacity` (enhanced Lambda concurrency),
    `sql_failover_group` (the SQL primary to the playbook's `sql_failover_group.primary` location),
    `servicebus_geo_dr` (the Service Bus Geo-DR alias to the playbook's `servicebus_geo_dr.primary` location),
    `cache_warmup` (the hottest products into the target's Redis, per the playbook's `cache_warmup`),
    `record_intended` (the state drift checks against) or `approval` (waits for `mcctl failover approve ID`).
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{0,62}$", description="the step's name (approve it by this name)")
    do: WorkflowKind
    after: list[str] | None = Field(
        default=None, description="workflow steps this one waits for [default: the one before it]; [] starts at once"
    )
    timeout_seconds: float | None = Field(
        default=None, gt=0, le=86400, description="a step still running after this has failed (rolled back)"
    )
    message: str | None = Field(default=None, description="approval: what the approver is asked")

    @model_validator(mode="after")
    def _approval(self) -> WorkflowStep:
        if self.do == "approval" and self.timeout_seconds is None:
            raise ValueError(f"approval {self.id!r} needs timeout_seconds (how long to wait for a decision)")
        if self.do != "approval" and self.message is not None:
            raise ValueError(f"message is for approval steps only (step {self.id!r} is {self.do})")
        return self


def workflow_order(steps: list[WorkflowStep]) -> list[tuple[WorkflowStep, tuple[str, ...]]]:
    """The workflow's steps with their prerequisites, in an order where each comes after what it waits for.

    ValueError names an unknown step, a duplicate or a cycle."""
    from multicloud_ctl.engine.plan import find_cycle

    ids = [w.id for w in steps]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"workflow step ids must be unique: {', '.join(dupes)}")
    graph: dict[str, tuple[str, ...]] = {}
    previous: str | None = None
    for w in steps:
        graph[w.id] = tuple(w.after) if w.after is not None else ((previous,) if previous else ())
        previous = w.id
    unknown = sorted({d for deps in graph.values() for d in deps if d not in graph})
    if unknown:
        raise ValueError(f"workflow steps wait for steps it does not have: {', '.join(unknown)}")
    cycle = find_cycle(graph)
    if cycle:
        raise ValueError(f"workflow steps wait for each other in a cycle: {' -> '.join(cycle)}")
    placed: list[str] = []
    while len(placed) < len(steps):
        for w in steps:
            if w.id not in placed and all(d in placed for d in graph[w.id]):
                placed.append(w.id)
    by_id = {w.id: w for w in steps}
    return [(by_id[i], graph[i]) for i in placed]


class FailoverSpec(Spec):
    """`mcctl failover --to <to>` with this playbook."""

    to: Cloud
    load_balancer: LoadBalancerTarget
    preflight: Preflight = Preflight()
    verify: Verify = Verify()
    enhanced_capacity: EnhancedCapacity = EnhancedCapacity()
    sql_failover_group: SqlFailoverGroupTarget | None = Field(
        default=None, description="switch the Azure SQL auto-failover group's primary as part of the failover"
    )
    servicebus_geo_dr: ServiceBusGeoDr | None = Field(
        default=None, description="fail the Service Bus Geo-DR alias over as part of the failover (a workflow step)"
    )
    cache_warmup: CacheWarmup | None = Field(
        default=None, description="warm the target's Redis with the hottest products (a workflow step)"
    )
    workflow: list[WorkflowStep] | None = Field(
        default=None,
        description="the switch as steps in sequence or in parallel, with approvals and time limits "
        "[default: cache_warmup, load_balancer, capacity, sql_failover_group, servicebus_geo_dr, "
        "record_intended in sequence, each part whose block the playbook has]",
    )
    parallelism: int = Field(default=4, ge=1, le=16, description="workflow steps that may run at once")

    @model_validator(mode="after")
    def _workflow(self) -> FailoverSpec:
        if self.workflow is None:
            return self
        workflow_order(self.workflow)
        kinds: list[str] = [w.do for w in self.workflow]
        for part in CONFIGURED_PARTS:
            if part in kinds and getattr(self, part) is None:
                raise ValueError(f"workflow has a {part} step but the playbook has no {part}")
        for part in (*REQUIRED_PARTS, "capacity", *CONFIGURED_PARTS):
            if kinds.count(part) > 1:
                raise ValueError(f"workflow has {part} {kinds.count(part)} times (at most once)")
        missing = [p for p in REQUIRED_PARTS if p not in kinds]
        if missing:
            raise ValueError(f"workflow has no {', '.join(missing)} step (a failover needs it)")
        return self

    @model_validator(mode="after")
    def _target_first(self) -> FailoverSpec:
        if self.load_balancer.order[0] != self.to:
            raise ValueError(f"load_balancer.order must start with the target pool {self.to!r}")
        if self.enhanced_capacity.lambda_functions and self.to != "aws":
            raise ValueError("enhanced_capacity applies to a failover to aws only")
        return self


class Objectives(Spec):
    """What a drill must achieve to pass."""

    rto_seconds: float = Field(default=30, gt=0)
    rpo_seconds: float | None = Field(default=300, ge=0)
    max_error_rate: float = Field(default=0.05, ge=0, le=1)
    max_orders_lost: int = Field(
        default=0, ge=0, description="acknowledged orders allowed missing from SQL after the fail-back"
    )


class Injection(Spec):
    """How `--inject outage` stops the side we leave: the sandbox supervisor, or an origin's admin URL."""

    method: Literal["supervisor", "http"] = "supervisor"
    component: str | None = Field(default=None, description="supervisor component [default functions_<from>]")
    stop_url: str | None = None
    start_url: str | None = None

    @model_validator(mode="after")
    def _urls(self) -> Injection:
        if self.method == "http" and not (self.stop_url and self.start_url):
            raise ValueError("method http needs stop_url and start_url")
        for url in (self.stop_url, self.start_url):
            if url and not url.startswith("http://127.0.0.1:"):
                raise ValueError("injection URLs must be on http://127.0.0.1 (the sandbox only)")
        return self


class OrdersTraffic(Spec):
    """Orders placed through the edge during a drill (sandbox only), each checked in SQL after the fail-back.

    A shopper signed up in the sandbox's Cognito pool POSTs `path` with an `Idempotency-Key`; every order
    acknowledged (2xx with an order id) must then be found in SQL, where both sides' orders end up (the AWS
    side's through the CDC sync, the Azure side's directly). `sync: run` applies the streams once (`mcctl sync
    run`, under the sync lock); `sync: wait` waits up to `sync_timeout_seconds` for a sync already running
    (`sync run --follow`, the CDC Lambda) to bring them.
    """

    path: str = "/orders"
    rate_per_second: float = Field(default=5, gt=0, le=200)
    workers: int = Field(default=2, ge=1, le=16)
    timeout_seconds: float = Field(default=5, gt=0, le=60)
    retries: int = Field(
        default=1, ge=0, le=5, description="resends of an unanswered order with the same Idempotency-Key"
    )
    product_id: str | None = Field(
        default=None, description="product to order [default: one the drill creates and stocks through the edge]"
    )
    sync: Literal["run", "wait"] = "run"
    sync_timeout_seconds: float = Field(default=60, gt=0, le=3600)


class Traffic(Spec):
    """The background traffic generator through the edge."""

    path: str = "/health"
    rate_per_second: float = Field(default=20, gt=0, le=1000)
    workers: int = Field(default=2, ge=1, le=32)
    timeout_seconds: float = Field(default=2, gt=0, le=30)
    orders: OrdersTraffic | None = Field(default=None, description="an order stream as well (sandbox only)")


class DrillSpec(Spec):
    """`mcctl failover drill --to <to>`: failover, verify, fail back, measured."""

    to: Cloud = "azure"
    failover: dict[str, Path] = Field(
        default={"azure": Path("playbooks/failover-azure.yaml"), "aws": Path("playbooks/failover-aws.yaml")},
        description="direction -> Failover playbook (the fail-back uses the other direction's saved state)",
    )
    inject: Injection = Injection()
    traffic: Traffic = Traffic()
    objectives: Objectives = Objectives()
    steady_state_seconds: float = Field(default=1.0, ge=0, le=600)
    recovery_timeout_seconds: float = Field(default=30, gt=0, le=900)
    failover_mode: Literal["auto", "graceful", "ungraceful"] = Field(
        default="auto",
        description="the failover's mode; auto: ungraceful (skip what reads the source, as an operator would "
        "with it dark) when the fault cuts this machine off from the source cloud (an isolated partition of it "
        "or of it from the edge), graceful otherwise",
    )
