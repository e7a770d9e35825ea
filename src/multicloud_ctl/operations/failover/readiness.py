"""Failover readiness: what a failover to each side would need right now, measured with read-only calls only.

`mcctl failover readiness [--to aws|azure]` runs the checks in `CHECKS` for each direction (both by default)
and reports every one with pass / fail / unknown / skipped and its measured value. Nothing is changed: the
runtime is dry-run guarded (a mutating call would be refused before it leaves the process), and the tests
assert zero mutating calls on every provider.

- `lb-pools`: the load balancer, every pool the playbook orders (and its fallback) exist; the pools' origins
  are enabled; each pool has a monitor attached and that monitor exists; a disabled target pool is a finding
  unless the playbook enables it.
- `target-capacity`: the target pool's origins answer the playbook's health conditions (the preflight
  probe), and every Lambda function of `enhanced_capacity` exists with its reserved/provisioned concurrency
  readable.
- `sync-lag`, `backup-age`: the preflight checks with the playbook's limits (`skipped` when it sets none).
- `secrets`: every secret reference in the target's function settings (`deploy/fnenv.py`) and the
  Cloudflare token the switch uses resolve (values never shown).
- `dns`: the load balancer's hostname lies in the zone; origins named by a hostname in the zone have a record.
- `certificates`: the environment names no certificate today, so this is `skipped` and says so.
- `permissions-aws`, `permissions-azure`, `permissions-cloudflare`: for every call of the failover plan (built
  from the live state, as `mcctl failover` builds it; the cache warm-up's reads included), whether the caller
  may make it. AWS asks `iam:SimulatePrincipalPolicy` for the caller. Azure lists the caller's effective
  permissions on each resource a step acts on (`Permissions - List For Resource`,
  providers/azure/permissions_list.py) and matches the step's RBAC actions, taken from the permissions catalog,
  against them; a finding names the missing action and the step. Cloudflare can only verify that the token is
  active (its API does not tell a token its own permissions), so a plan with Cloudflare calls reads `unknown`.
  The Azure warm-up's SQL read is a database grant, not an RBAC action: the plan step's count shows whether it
  reads (it says "not counted" with the error otherwise).

A check that cannot be measured is `unknown` and counts as a finding (exit 3) unless the operator accepts it
by name (`--accept-unknown CHECK`), as preflight does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection
from concurrent.futures import wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import McctlError, NotFound
from multicloud_ctl.operations.failover.preflight import PreflightCheck, skipped
from multicloud_ctl.operations.health.daemonpool import DaemonPool

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.failover import FailoverSpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.lbstate import LbSnapshot

CHECKS = (
    "lb-pools",
    "target-capacity",
    "sync-lag",
    "backup-age",
    "secrets",
    "dns",
    "certificates",
    "permissions-aws",
    "permissions-azure",
    "permissions-cloudflare",
)

# The calls each plan action makes, by provider (IAM action names on AWS; method + API path on Cloudflare).
ACTION_CALLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cloudflare.set_pool": ("cloudflare", ("PATCH accounts/{account}/load_balancers/pools/{id}",)),
    "cloudflare.set_load_balancer": ("cloudflare", ("PATCH zones/{zone}/load_balancers/{id}",)),
    "lambda.set_concurrency": (
        "aws",
        (
            "lambda:PutFunctionConcurrency",
            "lambda:DeleteFunctionConcurrency",
            "lambda:PutProvisionedConcurrencyConfig",
            "lambda:DeleteProvisionedConcurrencyConfig",
        ),
    ),
    # the AWS warm-up ranks the products with one bounded Scan of the products table (warmup.py)
    "failover.cache_warmup": ("aws", ("dynamodb:Scan",)),
}
# The Azure plan actions: the catalog operations (permissions/catalog.py AZURE) each step calls, and the ARM
# resource the step acts on (`resource` of the Permissions - List For Resource call): the SQL server that is to
# become primary, the Service Bus namespace the alias fails over to.
AZURE_ACTION_CALLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "azure.sql_failover": (
        "Microsoft.Sql/servers/{server}",
        ("sql.failover_groups.begin_failover", "sql.failover_groups.get"),
    ),
    "azure.servicebus_geo_dr_failover": (
        "Microsoft.ServiceBus/namespaces/{namespace}",
        ("servicebus.disaster_recovery_configs.fail_over", "servicebus.disaster_recovery_configs.get"),
    ),
}
FORCED_SQL_FAILOVER = "sql.failover_groups.begin_force_failover_allow_data_loss"


@dataclass(frozen=True)
class AzureNeed:
    """One RBAC action a plan step needs on one ARM resource."""

    step: str
    action: str
    scope: str


def _calls_of(action: str, provider: str | None) -> tuple[str, tuple[str, ...]] | None:
    """(provider, IAM actions / Cloudflare calls) of a plan action; the warm-up's only on the AWS side."""
    if action not in ACTION_CALLS:
        return None
    named, names = ACTION_CALLS[action]
    if action == "failover.cache_warmup" and provider != named:
        return None
    if named == "aws":  # one list: IAM actions as the catalog gives them for each API operation
        from multicloud_ctl.permissions.catalog import AWS

        names = tuple(dict.fromkeys(a for n in names for a in AWS.get(n, (n,))))
    return named, names


def azure_needs(runtime: Runtime, step: Any) -> list[AzureNeed]:
    """The RBAC actions (from the permissions catalog) an Azure plan step needs, on the resource it acts on."""
    from multicloud_ctl.permissions.catalog import AZURE

    if step.action not in AZURE_ACTION_CALLS:
        return []
    resource, ops = AZURE_ACTION_CALLS[step.action]
    params = dict(step.params)
    if step.action == "azure.sql_failover" and params.get("allow_data_loss"):
        ops = (FORCED_SQL_FAILOVER, *ops[1:])
    sub = runtime.environment.azure.subscription_id
    scope = f"/subscriptions/{sub}/resourceGroups/{params['group']}/providers/{resource.format(**params)}"
    return [AzureNeed(step.id, a, scope) for op in ops for a in AZURE[op].actions]


@dataclass
class Readiness:
    """The checks per direction (`to` -> checks) and which unknowns the operator accepted."""

    sides: dict[str, list[PreflightCheck]] = field(default_factory=dict)

    @property
    def findings(self) -> list[tuple[str, PreflightCheck]]:
        """Failed checks and unknown ones not accepted: each makes the verdict degraded."""
        return [
            (to, c)
            for to, checks in self.sides.items()
            for c in checks
            if c.result == "fail" or (c.result == "unknown" and not c.accepted)
        ]

    @property
    def ready(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "findings": [f"{to} {c.name} {c.result}: {c.detail}" for to, c in self.findings],
            "checks": [{"to": to, **c.to_dict()} for to, checks in self.sides.items() for c in checks],
        }


def _check(name: str, ok: bool | None, detail: str, measured: str = "", value: float | None = None) -> PreflightCheck:
    return PreflightCheck(name, ok, detail, value, measured)


@dataclass
class LiveState:
    """The Cloudflare objects every direction reads, read once (or the error that stopped the read)."""

    lb: Any = None
    pools: dict[str, Any] = field(default_factory=dict)  # by name
    monitors: set[str] = field(default_factory=set)
    snapshot: LbSnapshot | None = None
    error: str | None = None


def read_live(runtime: Runtime) -> LiveState:
    """The load balancer, its pools and monitors and the failover snapshot (read-only calls)."""
    from multicloud_ctl.operations.failover.lbstate import read_state

    cf = runtime.cloudflare
    live = LiveState()
    try:
        live.lb = cf.find_load_balancer(runtime.environment.cloudflare.load_balancer)
        live.pools = {p.name: p for p in cf.list_pools()}
        live.monitors = {m.id for m in cf.list_monitors()}
        if live.lb is not None:
            live.snapshot = read_state(runtime, with_health=False)
    except McctlError as exc:
        live.error = exc.message
    return live


def check_lb_pools(runtime: Runtime, live: LiveState, spec: FailoverSpec) -> PreflightCheck:
    if live.error is not None:
        return _check("lb-pools", None, f"cannot read the load balancer: {live.error}")
    name = runtime.environment.cloudflare.load_balancer
    if live.lb is None:
        return _check("lb-pools", False, f"load balancer {name!r} not found", "no load balancer")
    wanted = list(dict.fromkeys([*spec.load_balancer.order, spec.load_balancer.fallback or ""]))
    problems = [f"pool {p!r} missing" for p in wanted if p and p not in live.pools]
    origins = enabled = 0
    for pname in (p for p in wanted if p in live.pools):
        pool = live.pools[pname]
        will_enable = (spec.load_balancer.pools.get(pname) or None) is not None and bool(
            spec.load_balancer.pools[pname].enabled
        )
        if not pool.enabled and pname == spec.to and not will_enable:
            problems.append(f"pool {pname!r} disabled (the playbook does not enable it)")
        if not pool.origins:
            problems.append(f"pool {pname!r} has no origin")
        for o in pool.origins:
            origins += 1
            enabled += int(o.enabled)
            if not o.enabled:
                problems.append(f"pool {pname!r} origin {o.name!r} ({o.address}) disabled")
        if not pool.monitor:
            problems.append(f"pool {pname!r} has no monitor attached")
        elif pool.monitor not in live.monitors:
            problems.append(f"pool {pname!r} monitor {pool.monitor} does not exist")
    measured = f"{len(wanted) - sum('missing' in p for p in problems)}/{len(wanted)} pools, {enabled}/{origins} origins"
    if problems:
        return _check("lb-pools", False, "; ".join(problems), measured)
    return _check(
        "lb-pools",
        True,
        f"{live.lb.name}: pools {', '.join(wanted)} exist, origins enabled, monitors attached",
        measured,
    )


def check_capacity(runtime: Runtime, live: LiveState, spec: FailoverSpec) -> PreflightCheck:
    from multicloud_ctl.operations.failover.preflight import check_target

    health = check_target(runtime, live.snapshot, spec.to, spec.preflight)
    ok, parts, measured = health.ok, [health.detail], [health.measured]
    if spec.enhanced_capacity.lambda_functions:
        from multicloud_ctl.providers.aws.lambda_concurrency import LambdaConcurrency

        lc = LambdaConcurrency(runtime.aws)
        for fn in spec.enhanced_capacity.lambda_functions:
            try:
                reserved = lc.reserved(fn.function)
                prov = lc.provisioned(fn.function, fn.qualifier) if fn.provisioned_concurrency else None
            except NotFound as exc:
                ok = False
                parts.append(f"lambda {fn.function} not found: {exc.message}")
                continue
            except McctlError as exc:
                ok = None if ok is not False else ok
                parts.append(f"lambda {fn.function} unreadable: {exc.message}")
                continue
            now = f"reserved {reserved if reserved is not None else 'unset'}"
            if fn.provisioned_concurrency:
                now += f", provisioned {prov.requested if prov else 0}"
            measured.append(f"{fn.function} {now}")
            parts.append(f"lambda {fn.function}: {now} (the failover raises it)")
    return _check("target-capacity", ok, "; ".join(parts), "; ".join(m for m in measured if m), health.value)


def standby_secret_refs(runtime: Runtime, to: str) -> dict[str, str]:
    """Setting or config field -> secret reference, for what the failover to `to` needs (never values)."""
    from multicloud_ctl.config.secrets import is_reference
    from multicloud_ctl.operations.deploy.fnenv import function_env

    env = runtime.environment
    refs = {k: v for k, v in function_env(env, to, None).items() if is_reference(v)}
    refs["cloudflare.api_token"] = env.cloudflare.api_token
    return refs


def check_secrets(runtime: Runtime, to: str) -> PreflightCheck:
    refs = standby_secret_refs(runtime, to)
    bad = []
    for key, ref in refs.items():
        try:
            runtime.secrets.resolve(ref)
        except McctlError as exc:
            bad.append(f"{key} ({ref}) does not resolve: {exc.message}")
    measured = f"{len(refs) - len(bad)}/{len(refs)} resolve"
    if bad:
        return _check("secrets", False, "; ".join(bad), measured, float(len(refs) - len(bad)))
    return _check("secrets", True, "references: " + ", ".join(sorted(refs)), measured, float(len(refs)))


def _host(address: str) -> str:
    host = address.rsplit(":", 1)[0] if address.count(":") == 1 else address
    return host.strip("[]")


def check_dns(runtime: Runtime, live: LiveState) -> PreflightCheck:
    zone = runtime.environment.cloudflare.zone_name
    if live.error is not None:
        return _check("dns", None, f"cannot read the zone: {live.error}")
    if live.lb is None:
        return _check("dns", False, "no load balancer hostname in the zone", "none")
    hostname = str(live.lb.name)
    problems = [] if hostname == zone or hostname.endswith(f".{zone}") else [f"{hostname} is not in zone {zone}"]
    named = []
    for pool in live.pools.values():
        for o in pool.origins:
            host = _host(o.address)
            try:
                ipaddress.ip_address(host)
                continue
            except ValueError:
                pass
            if host == zone or host.endswith(f".{zone}"):
                named.append(host)
    try:
        for host in dict.fromkeys(named):
            if not runtime.cloudflare.list_dns_records(name=host):
                problems.append(f"origin {host}: no DNS record in {zone}")
    except McctlError as exc:
        return _check("dns", None, f"cannot list DNS records: {exc.message}")
    measured = f"{hostname}, {len(set(named))} origin name(s)"
    if problems:
        return _check("dns", False, "; ".join(problems), measured)
    return _check("dns", True, f"{hostname} served by the load balancer in zone {zone}", measured)


def plan_calls(runtime: Runtime, live: LiveState, spec: FailoverSpec) -> dict[str, list[Any]]:
    """Provider -> the calls the failover plan would make now (built as `mcctl failover` builds it): IAM
    actions (aws), `AzureNeed`s (azure), method + path (cloudflare)."""
    from multicloud_ctl.operations.failover.switch import build_plan

    if live.snapshot is None:
        raise McctlError(live.error or "no load balancer to plan against")
    plan = build_plan(runtime, spec, live.snapshot, "readiness")
    calls: dict[str, list[Any]] = {"aws": [], "azure": [], "cloudflare": []}
    for step in plan.steps:
        for s in (step, step.rollback):
            if s is None:
                continue
            found = _calls_of(s.action, s.provider)
            if found is not None:
                provider, names = found
                calls[provider].extend(n for n in names if n not in calls[provider])
            calls["azure"].extend(n for n in azure_needs(runtime, s) if n not in calls["azure"])
    return calls


def check_aws_permissions(runtime: Runtime, calls: list[str]) -> PreflightCheck:
    if not calls:
        return _check("permissions-aws", True, "the plan makes no AWS call", "0 calls", 0.0)
    from multicloud_ctl.providers.aws.iam_simulate import IamSimulator

    sim = IamSimulator(runtime.aws)
    try:
        caller = sim.caller_arn()
        decisions = sim.simulate(caller, calls)
    except McctlError as exc:
        return _check(
            "permissions-aws",
            None,
            f"cannot evaluate {', '.join(calls)}: iam:SimulatePrincipalPolicy did not answer ({exc.message})",
            f"{len(calls)} calls, 0 evaluated",
        )
    denied = [a for a in calls if decisions.get(a) != "allowed"]
    measured = f"{len(calls) - len(denied)}/{len(calls)} allowed"
    if denied:
        detail = "; ".join(f"{a}: {decisions.get(a, 'not evaluated')}" for a in denied)
        return _check("permissions-aws", False, f"{caller} may not: {detail}", measured)
    return _check("permissions-aws", True, f"{caller} may make {', '.join(calls)}", measured)


def check_azure_permissions(runtime: Runtime, needs: list[AzureNeed]) -> PreflightCheck:
    """Each needed action against the caller's effective permissions on its resource (read once per resource)."""
    name = "permissions-azure"
    if not needs:
        return _check(name, True, "the plan makes no Azure RBAC call", "0 actions", 0.0)
    from multicloud_ctl.providers.azure.permissions_list import ArmPermissions, allowed

    lister = ArmPermissions(runtime.azure)
    granted: dict[str, list[dict[str, Any]]] = {}
    unknown: list[str] = []
    for scope in dict.fromkeys(n.scope for n in needs):
        try:
            granted[scope] = lister.list_for(scope)
        except McctlError as exc:
            unknown.append(f"{scope.rsplit('/providers/', 1)[-1]}: {exc.message}")
    missing = [n for n in needs if n.scope in granted and not allowed(n.action, granted[n.scope])]
    checked = sum(1 for n in needs if n.scope in granted)
    measured = f"{checked - len(missing)}/{len(needs)} allowed"
    if missing:
        detail = "; ".join(f"{n.action} (step {n.step}, on {n.scope.rsplit('/providers/', 1)[-1]})" for n in missing)
        more = f"; cannot list the permissions of {'; '.join(unknown)}" if unknown else ""
        return _check(name, False, f"the caller may not: {detail}{more}", measured)
    if unknown:
        return _check(
            name,
            None,
            f"cannot list the caller's permissions (Microsoft.Authorization/permissions) on {'; '.join(unknown)}",
            measured,
        )
    actions = ", ".join(dict.fromkeys(n.action for n in needs))
    return _check(name, True, f"the caller may make {actions}", measured)


def check_cloudflare_permissions(runtime: Runtime, calls: list[str]) -> PreflightCheck:
    if not calls:
        return _check("permissions-cloudflare", True, "the plan makes no Cloudflare call", "0 calls", 0.0)
    try:
        status = runtime.cloudflare.verify_token()
    except McctlError as exc:
        return _check("permissions-cloudflare", None, f"cannot verify the API token: {exc.message}")
    if status != "active":
        return _check("permissions-cloudflare", False, f"the API token is {status}", f"token {status}")
    return _check(
        "permissions-cloudflare",
        None,
        f"the token is active, but the API does not tell a token whether it may make {'; '.join(calls)} "
        "(that needs its policies, GET /user/tokens/{id}, with User API Tokens Read)",
        "token active",
    )


def check_certificates(runtime: Runtime) -> PreflightCheck:
    return skipped("certificates", "not checked: the environment names no certificate")


def side_checks(runtime: Runtime, live: LiveState, spec: FailoverSpec) -> dict[str, Callable[[], PreflightCheck]]:
    """Check name -> how to measure it for a failover with `spec`."""
    from multicloud_ctl.operations.failover.preflight import check_backup, check_lag

    def permissions(provider: str) -> PreflightCheck:
        name = f"permissions-{provider}"
        try:
            calls = plan_calls(runtime, live, spec)[provider]
        except McctlError as exc:
            return _check(name, None, f"cannot build the failover plan: {exc.message}")
        check = (
            check_aws_permissions(runtime, calls)
            if provider == "aws"
            else check_azure_permissions(runtime, calls)
            if provider == "azure"
            else check_cloudflare_permissions(runtime, calls)
        )
        if not calls and live.snapshot is not None and live.snapshot.serving_pool() == spec.to:
            check.detail += f" ({spec.to} serves already)"
        return check

    return {
        "lb-pools": lambda: check_lb_pools(runtime, live, spec),
        "target-capacity": lambda: check_capacity(runtime, live, spec),
        "sync-lag": lambda: check_lag(runtime, spec.preflight),
        "backup-age": lambda: check_backup(runtime, spec.preflight),
        "secrets": lambda: check_secrets(runtime, spec.to),
        "dns": lambda: check_dns(runtime, live),
        "certificates": lambda: check_certificates(runtime),
        "permissions-aws": lambda: permissions("aws"),
        "permissions-azure": lambda: permissions("azure"),
        "permissions-cloudflare": lambda: permissions("cloudflare"),
    }


def evaluate(
    runtime: Runtime, specs: dict[str, FailoverSpec], accept_unknown: Collection[str] = (), *, limit: float = 30.0
) -> Readiness:
    """Run every check for each direction in `specs` (to -> its failover spec); read-only calls only.

    Checks run concurrently and each guards its own errors; one with no answer within `limit` seconds is
    unknown. An unknown check named in `accept_unknown` is shown as accepted and is not a finding.
    """
    live = read_live(runtime)
    out = Readiness()
    pool = DaemonPool(min(8, len(specs) * len(CHECKS)), name="readiness")
    futures = {
        (to, name): pool.submit(_guarded, name, make)
        for to, spec in specs.items()
        for name, make in side_checks(runtime, live, spec).items()
    }
    wait(list(futures.values()), timeout=limit)
    pool.shutdown()
    for to in specs:
        checks = []
        for name in CHECKS:
            fut = futures[(to, name)]
            check = fut.result() if fut.done() else _check(name, None, f"cannot measure: no answer within {limit:g}s")
            if check.result == "unknown" and name in accept_unknown:
                check.accepted = True
            checks.append(check)
        out.sides[to] = checks
    return out


def _guarded(name: str, make: Callable[[], PreflightCheck]) -> PreflightCheck:
    try:
        return make()
    except Exception as exc:
        return _check(name, None, f"cannot measure: {type(exc).__name__}: {exc}")
