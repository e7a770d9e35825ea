"""What the Lambda service does around each API invocation in the sandbox: alias routing and metrics.

API Gateway invokes `FUNCTION:ALIAS` (the deploy's `live` alias). When that alias exists on moto's Lambda,
the host does what Lambda does with it:

- weighted routing: the alias's `RoutingConfig.AdditionalVersionWeights` send that share of invocations to
  the extra version (deterministically here: a 0.1 weight is every 10th invocation);
- the executed version runs its own `Handler` setting, resolved like the Python runtime does; an import
  failure or an exception is a function error (`Runtime.ImportModuleError` / unhandled), which API Gateway
  answers with 502;
- metrics: `AWS/Lambda` Invocations, Errors (Count) and Duration (Milliseconds) under the dimension sets
  Lambda adds for an alias invocation, {FunctionName, Resource} and {FunctionName, Resource,
  ExecutedVersion} with Resource = `name:alias` (Lambda developer guide, "Types of metrics for Lambda
  functions": dimensions FunctionName, Resource, ExecutedVersion - "ExecutedVersion ... only applies to alias
  invocations"). The per-function {FunctionName} series is published by `mcctl logs ship` from the hosts'
  spans (`operations/observability/platform_metrics.py`), so it is not published here twice.

Without a deployed alias (a plain `mcctl local up`) the host serves the installed handlers unqualified and
publishes nothing here.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)

NAMESPACE = "AWS/Lambda"
# the API's path prefixes -> the function that serves them (as the API's resources integrate them)
FUNCTIONS = {
    "products": "product-service",
    "inventory": "inventory-service",
    "orders": "order-service",
    "users": "user-service",
}


class FunctionError(Exception):
    """The invoked version failed (unhandled exception or a handler that cannot be loaded)."""


def function_for(path: str) -> str | None:
    """The function an API path is integrated with (None: the host answers it itself, e.g. /health)."""
    return FUNCTIONS.get(str(path or "/").strip("/").split("/", 1)[0])


def alias_dimensions(function: str, alias: str, version: str | None = None) -> list[dict[str, str]]:
    dims = [{"Name": "FunctionName", "Value": function}, {"Name": "Resource", "Value": f"{function}:{alias}"}]
    if version is not None:
        dims.append({"Name": "ExecutedVersion", "Value": version})
    return dims


@dataclass
class _Alias:
    version: str
    weights: dict[str, float]
    read_at: float
    credit: dict[str, float] = field(default_factory=dict)


@dataclass
class LambdaPlatform:
    """Alias routing, per-version handlers and the alias metrics, over moto's Lambda and CloudWatch."""

    lam: Any
    cloudwatch: Any
    clock: Callable[[], datetime]
    alias: str = "live"
    ttl: float = 1.0  # seconds an alias read is reused (a shift becomes visible within this)
    _aliases: dict[str, _Alias | None] = field(default_factory=dict)
    _read_at: dict[str, float] = field(default_factory=dict)
    _handlers: dict[tuple[str, str], str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _alias(self, function: str) -> _Alias | None:
        now = time.monotonic()
        if function in self._read_at and now - self._read_at[function] < self.ttl:
            return self._aliases[function]
        try:
            out = self.lam.get_alias(FunctionName=function, Name=self.alias)
        except self.lam.exceptions.ResourceNotFoundException:
            found = None
        else:
            weights = {k: float(v) for k, v in out.get("RoutingConfig", {}).get("AdditionalVersionWeights", {}).items()}
            old = self._aliases.get(function)
            found = _Alias(str(out["FunctionVersion"]), weights, now, old.credit if old else {})
        self._aliases[function], self._read_at[function] = found, now
        return found

    def pick_version(self, function: str) -> str | None:
        """The version this invocation of `function:alias` runs (None: no such alias, run unqualified)."""
        with self._lock:
            alias = self._alias(function)
            if alias is None:
                return None
            for version, weight in sorted(alias.weights.items()):
                alias.credit[version] = alias.credit.get(version, 0.0) + weight
                if alias.credit[version] >= 1.0 - 1e-9:
                    alias.credit[version] -= 1.0
                    return version
            return alias.version

    def _handler_name(self, function: str, version: str) -> str:
        key = (function, version)
        if key not in self._handlers:  # a published version is immutable: read its configuration once
            conf = self.lam.get_function_configuration(FunctionName=function, Qualifier=version)
            self._handlers[key] = str(conf["Handler"])
        return self._handlers[key]

    def invoke(self, function: str, event: Mapping[str, Any], unqualified: Callable[[Mapping[str, Any]], Any]) -> Any:
        """Run one invocation of `function:alias` (or `unqualified(event)` when there is no alias)."""
        version = self.pick_version(function)
        if version is None:
            return unqualified(event)
        started = time.perf_counter()
        failed = False
        try:
            handler = load_handler(self._handler_name(function, version))
            return handler(event, None)
        except Exception as exc:
            failed = True
            raise FunctionError(f"{function}:{self.alias} (version {version}): {type(exc).__name__}: {exc}") from exc
        finally:
            self.publish(function, version, failed, (time.perf_counter() - started) * 1000)

    def publish(self, function: str, version: str, failed: bool, duration_ms: float) -> None:
        """One invocation's Invocations / Errors / Duration under the alias dimension sets."""
        when = self.clock()
        data = []
        for dims in (alias_dimensions(function, self.alias), alias_dimensions(function, self.alias, version)):
            data += [
                {"MetricName": "Invocations", "Dimensions": dims, "Timestamp": when, "Value": 1.0, "Unit": "Count"},
                {
                    "MetricName": "Errors",
                    "Dimensions": dims,
                    "Timestamp": when,
                    "Value": 1.0 if failed else 0.0,
                    "Unit": "Count",
                },
                {
                    "MetricName": "Duration",
                    "Dimensions": dims,
                    "Timestamp": when,
                    "Value": duration_ms,
                    "Unit": "Milliseconds",
                },
            ]
        try:
            self.cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)
        except Exception:  # metrics must never fail the invocation itself
            log.exception("could not publish Lambda metrics for %s", function)


_loaded: dict[str, Callable[..., Any]] = {}


def load_handler(name: str) -> Callable[..., Any]:
    """`module.attr` -> the callable, as the Python runtime resolves a function's Handler setting."""
    if name not in _loaded:
        module, _, attr = name.rpartition(".")
        if not module:
            raise ImportError(f"Runtime.MalformedHandlerName: {name!r}")
        try:
            _loaded[name] = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ImportError(f"Runtime.ImportModuleError: unable to import {name!r}: {exc}") from exc
    return _loaded[name]
