"""The failover workflow's `cache_warmup` step: the target's Redis holds the hottest products before traffic
moves, so the first requests after the switch do not all miss the cache and land on the target's store.

    plan   rank the target's products (read-only) and show how many will be written, where, in how many batches
    step   failover.cache_warmup: rank again (fresh records), SET `<prefix>product:<id>` = the product's JSON
           with EX ttl, pipelined in batches; journal the counts

"Hottest" is read from the target side only (the source may be gone): on Azure, the SQL `analytics` table's
units sold per product over the last `window_days` (the analytics processor writes it), topped up with the
most recently updated products; on AWS, the DynamoDB products table holds no sales figures, so the most
recently updated products (one bounded Scan). The value is the product service's own cache entry
(`ProductService.get`: `json.dumps(Product.to_dict())`), so a warmed key is indistinguishable from a read.
A warm-up that fails (Redis or the store unreachable) is a warning in the run's summary and the failover goes
on, unless the playbook says `cache_warmup.required: true`. There is nothing to roll back: the keys expire.
"""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.plan import Step
from multicloud_ctl.errors import McctlError, OperationFailed, UsageError
from multicloud_ctl.operations.failover.actions import _register

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.failover import CacheWarmup, FailoverSpec
    from multicloud_ctl.engine.runtime import Runtime

ACTION = "failover.cache_warmup"
SCAN_CAP = 100_000  # AWS: at most this many items are scanned to pick the most recently updated


def redis_url(runtime: Runtime, cfg: CacheWarmup) -> str:
    """The target Redis URL (resolved: it may carry the AUTH token, never print it)."""
    if cfg.redis_url is not None:
        return runtime.secrets.resolve(cfg.redis_url)
    env = runtime.environment
    if env.is_local and env.local is not None:
        return env.local.redis_url
    raise UsageError(
        f"cache_warmup has no redis_url for {env.name}",
        hint="set cache_warmup.redis_url to a secret reference holding the target cache's URL (rediss://:TOKEN@...)",
    )


def _product_json(item: Mapping[str, Any]) -> tuple[str, str] | None:
    from multicloud_ctl.functions.domain.products import Product

    try:
        product = Product.from_dict(item)
    except (KeyError, TypeError, ValueError):
        return None  # a malformed record is not worth failing a failover for
    return product.product_id, json.dumps(product.to_dict())


def _azure_products(runtime: Runtime, cfg: CacheWarmup) -> list[tuple[str, str]]:
    from sqlalchemy import desc, func, select

    from multicloud_ctl.functions.adapters import sql_schema as t
    from multicloud_ctl.functions.adapters.sql_rows import live, row_item
    from multicloud_ctl.operations.backup.sqltables import sql_engine

    since = (runtime.clock() - timedelta(days=cfg.window_days)).date().isoformat()
    a, p = t.analytics, t.products
    units = func.sum(a.c.value).label("units")
    ranked = (
        select(a.c.dimension, units)
        .where(a.c.metric == "units", a.c.day >= since)
        .group_by(a.c.dimension)
        .order_by(desc(units), a.c.dimension)
        .limit(cfg.limit)
    )
    engine = sql_engine(runtime)
    try:
        with engine.connect() as conn:
            order = [str(r.dimension) for r in conn.execute(ranked)]
            by_id: dict[str, dict[str, Any]] = {}
            if order:
                for r in conn.execute(select(p).where(live(p), p.c.product_id.in_(order))).mappings():
                    by_id[str(r["product_id"])] = row_item(r)
            chosen = [by_id[i] for i in order if i in by_id]
            if len(chosen) < cfg.limit:
                rest = select(p).where(live(p)).order_by(desc(p.c.updated_at), p.c.product_id)
                if order:
                    rest = rest.where(p.c.product_id.not_in(order))
                chosen += [row_item(r) for r in conn.execute(rest.limit(cfg.limit - len(chosen))).mappings()]
    finally:
        engine.dispose()
    return [pj for pj in map(_product_json, chosen) if pj is not None]


def _aws_products(runtime: Runtime, cfg: CacheWarmup) -> list[tuple[str, str]]:
    from multicloud_ctl.functions.adapters.sql_rows import plain
    from multicloud_ctl.providers.aws.dynamodb import DynamoDbClient

    ddb = DynamoDbClient(runtime.aws.client("dynamodb"))
    table = runtime.environment.aws.tables.products
    newest: list[tuple[str, str, dict[str, Any]]] = []  # a min-heap of (updated_at, id, item): bounded memory
    for n, raw in enumerate(ddb.scan_segment(table, 0, 1)):
        if n >= SCAN_CAP:
            break
        item = {k: plain(v) for k, v in raw.items()}
        entry = (str(item.get("updated_at") or ""), str(item.get("product_id") or ""), item)
        if len(newest) < cfg.limit:
            heapq.heappush(newest, entry)
        elif entry[:2] > newest[0][:2]:
            heapq.heapreplace(newest, entry)
    chosen = [e[2] for e in sorted(newest, key=lambda e: (e[0], e[1]), reverse=True)]
    return [pj for pj in map(_product_json, chosen) if pj is not None]


def hot_products(runtime: Runtime, to: str, cfg: CacheWarmup) -> list[tuple[str, str]]:
    """(product id, cache value) of the target side's hottest products, hottest first (read-only)."""
    return _azure_products(runtime, cfg) if to == "azure" else _aws_products(runtime, cfg)


def _read_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import SQLAlchemyError

    return (McctlError, SQLAlchemyError)


def warmup_steps(runtime: Runtime, spec: FailoverSpec) -> list[Step]:
    """One step that warms the target's cache; its description carries the counts the plan read now."""
    from multicloud_ctl.providers.redis_cache import _where

    cfg = spec.cache_warmup
    if cfg is None:
        return []
    where = _where(redis_url(runtime, cfg))
    try:
        count: int | None = len(hot_products(runtime, spec.to, cfg))
        counted = f"{count} hottest products"
    except _read_errors() as exc:
        count, counted = None, f"the hottest products (not counted: {str(exc).splitlines()[0][:160]})"
    batches = f", {math.ceil(count / cfg.batch_size)} pipelined batches of {cfg.batch_size}" if count else ""
    fails = "fails the failover" if cfg.required else "is a warning"
    return [
        Step(
            "cache-warmup",
            ACTION,
            f"warm {counted} from {spec.to}'s store into redis {where} (keys {cfg.key_prefix}product:<id>, "
            f"ttl {cfg.ttl_seconds}s{batches}; a failure {fails})",
            provider=spec.to,
            resource=f"redis/{where}",
            params={"to": spec.to, "planned": count, "where": where, **cfg.model_dump(mode="json")},
        )
    ]


@_register(ACTION)
def cache_warmup(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    """Rank, then SET the products in pipelined batches; a failure is a warning unless `required`."""
    from multicloud_ctl.config.specs.failover import CacheWarmup
    from multicloud_ctl.engine import events as ev
    from multicloud_ctl.providers.redis_cache import RedisCache

    cfg = CacheWarmup.model_validate({k: v for k, v in params.items() if k in CacheWarmup.model_fields})
    try:
        products = hot_products(runtime, str(params["to"]), cfg)
        cache = RedisCache(redis_url(runtime, cfg), socket_timeout_s=cfg.socket_timeout_seconds)
        try:
            written = cache.set_many(
                ((f"{cfg.key_prefix}product:{pid}", value) for pid, value in products),
                ttl_s=cfg.ttl_seconds,
                batch_size=cfg.batch_size,
            )
        finally:
            cache.close()
    except _read_errors() as exc:
        why = str(exc).splitlines()[0][:200]
        if cfg.required:
            raise OperationFailed(
                f"cache warm-up failed: {why}", hint="cache_warmup.required is true; set it false to go on without"
            ) from None
        runtime.emit(ev.Notice(f"cache warm-up skipped: {why} (the failover goes on: not required)", level="warning"))
        runtime.emit(ev.Recorded("cache_warmup", {"warmed": 0, "warning": why}))
        return {"warmed": 0, "planned": params.get("planned"), "warning": why, "required": False}
    runtime.emit(ev.Recorded("cache_warmup", {"warmed": written, "where": params.get("where")}))
    return {
        "warmed": written,
        "planned": params.get("planned"),
        "ttl_seconds": cfg.ttl_seconds,
        "batches": math.ceil(len(products) / cfg.batch_size) if products else 0,
        "where": params.get("where"),
    }
