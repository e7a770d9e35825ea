"""Desired state from config, live state from read-only calls, and the diff between them.

`Provisioner(runtime, spec, only=...)` is shared by plan, apply, drift and destroy:
`desired()` lists the resources in dependency order; `plan()` reads each one (in parallel, read-only)
and decides create / update (with the attribute diff) / no-op; `engine_plan()` turns that into the
engine's frozen steps (`provision.create|update|delete`), so `--dry-run` shows exactly what apply runs.
"""

from __future__ import annotations

import fnmatch
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.errors import UsageError
from multicloud_ctl.operations.provision.kind import DesiredContext
from multicloud_ctl.operations.provision.model import Resource, ResourcePlan, diff
from multicloud_ctl.operations.provision.registry import KINDS

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.provision import ProvisionSpec
    from multicloud_ctl.engine.runtime import Runtime

READ_WORKERS = 6


def matches(address: str, patterns: list[str]) -> bool:
    """`KIND`, `KIND/NAME`, `KIND/NAME` without its `@region`, or a glob of any of those."""
    kind = address.split("/", 1)[0]
    base = address.split("@", 1)[0]
    return any(p in (kind, address, base) or fnmatch.fnmatchcase(address, p) for p in patterns)


def order(resources: list[Resource]) -> list[Resource]:
    """Topological order: registry order first, then `depends_on` edges (stable)."""
    by_addr = {r.address: r for r in resources}
    done: set[str] = set()
    out: list[Resource] = []
    visiting: set[str] = set()

    def visit(res: Resource) -> None:
        if res.address in done:
            return
        if res.address in visiting:
            raise UsageError(f"dependency cycle at {res.address}")
        visiting.add(res.address)
        for dep in res.depends_on:
            if dep in by_addr:
                visit(by_addr[dep])
        visiting.discard(res.address)
        done.add(res.address)
        out.append(res)

    for res in resources:
        visit(res)
    return out


def warm_clients(runtime: Runtime, providers: set[str]) -> None:
    """Build the provider clients once, before reader threads race to build (and count on) them."""
    if "azure" in providers:
        _ = runtime.azure.resources
    if "cloudflare" in providers:
        _ = runtime.cloudflare.sdk


def load_intended(runtime: Runtime) -> dict[str, Any]:
    """`<state_dir>/failover/intended.json` (the failover verb's record of the pool order it set), or {}."""
    path = runtime.environment.env_state_dir / "failover" / "intended.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class Provisioner:
    """Plan/apply/drift/destroy over the resources a Provision spec describes."""

    runtime: Runtime
    spec: ProvisionSpec
    only: list[str] = field(default_factory=list)

    def context(self) -> DesiredContext:
        env = self.runtime.environment
        return DesiredContext(
            env=env,
            spec=self.spec,
            features=self.spec.features_for(env.name),
            intended=load_intended(self.runtime),
        )

    def desired(self) -> list[Resource]:
        ctx = self.context()
        disabled = self.spec.disabled_for(ctx.env.name)
        resources = []
        for kind in KINDS.values():
            for res in kind.desired(ctx):
                if matches(res.address, disabled):
                    continue
                resources.append(res)
        ordered = order(resources)
        if self.only:
            unknown = [p for p in self.only if not any(matches(r.address, [p]) for r in ordered)]
            if unknown:
                raise UsageError(
                    f"--only {unknown[0]!r} matches no resource",
                    hint="use KIND or KIND/NAME as shown by `mcctl provision plan`",
                )
            ordered = [r for r in ordered if matches(r.address, self.only)]
        return ordered

    def read_all(self, resources: list[Resource]) -> list[dict[str, Any] | None]:
        """Live state of each resource, read in parallel with read-only calls."""

        with self.runtime.activity("read-live", f"read {len(resources)} resource(s)", len(resources)) as act:

            def read(res: Resource) -> dict[str, Any] | None:
                live = KINDS[res.kind].read(self.runtime, res)
                act.advance(detail=res.address)
                return live

            warm_clients(self.runtime, {KINDS[r.kind].provider for r in resources})
            with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
                return list(pool.map(read, resources))

    def plan(self) -> list[ResourcePlan]:
        """create / update (with changes) / noop for every desired resource."""
        resources = self.desired()
        out = []
        for res, live in zip(resources, self.read_all(resources), strict=True):
            if live is None:
                out.append(ResourcePlan(res, "create"))
                continue
            changes = tuple(diff(res.attrs, live))
            out.append(ResourcePlan(res, "update" if changes else "noop", changes))
        return out


def direct_dependencies(resources: list[Resource]) -> dict[str, set[str]]:
    """What each resource waits for: its own `depends_on`, plus every resource of its kind's `after_kinds`."""
    addresses = {r.address for r in resources}
    by_kind: dict[str, list[str]] = {}
    for res in resources:
        by_kind.setdefault(res.kind, []).append(res.address)
    return {
        r.address: {d for d in r.depends_on if d in addresses}
        | {x for k in KINDS[r.kind].after_kinds for x in by_kind.get(k, []) if x != r.address}
        for r in resources
    }


def dependency_graph(resources: list[Resource]) -> list[dict[str, Any]]:
    """The resources in apply order, each with what it waits for and its wave: 0 waits for nothing, n for
    something of wave n - 1 at most (everything of one wave can be applied at once; destroy runs them in reverse).
    """
    direct = direct_dependencies(resources)
    wave: dict[str, int] = {}
    for res in order(resources):  # dependencies come first in `order`; `after_kinds` follow registry order
        wave[res.address] = 1 + max((wave.get(d, -1) for d in direct[res.address]), default=-1)
    changed = True
    while changed:  # an `after_kinds` edge may point forward in `order`: settle the longest paths
        changed = False
        for a, deps in direct.items():
            want = 1 + max((wave[d] for d in deps), default=-1)
            if want > wave[a]:
                wave[a], changed = want, True
    kinds = {r.address: r.kind for r in resources}
    rows = [{"resource": a, "kind": kinds[a], "wave": wave[a], "waits_for": sorted(direct[a])} for a in wave]
    return sorted(rows, key=lambda r: (r["wave"], r["resource"]))


def kind_graph(resources: list[Resource]) -> list[dict[str, Any]]:
    """The same graph between kinds: a kind waits for the kinds any of its resources waits for."""
    direct = direct_dependencies(resources)
    kinds = {r.address: r.kind for r in resources}
    edges: dict[str, set[str]] = {k: set() for k in kinds.values()}
    for a, deps in direct.items():
        edges[kinds[a]] |= {kinds[d] for d in deps if kinds[d] != kinds[a]}
    return [{"kind": k, "waits_for": sorted(edges[k])} for k in KINDS if k in edges]


def to_dot(rows: list[dict[str, Any]], key: str) -> str:
    """Graphviz DOT: an edge from each dependency to what waits for it (`dot -Tsvg`)."""
    lines = ["digraph provision {", "  rankdir=LR;", '  node [shape=box, fontname="sans-serif"];']
    for row in rows:
        lines.append(f"  {json.dumps(row[key])};")
        lines += [f"  {json.dumps(dep)} -> {json.dumps(row[key])};" for dep in row["waits_for"]]
    return "\n".join([*lines, "}"]) + "\n"


def step_prerequisites(plans: list[ResourcePlan]) -> dict[str, tuple[str, ...]]:
    """For each resource with a step: the steps it must wait for in a parallel apply or destroy.

    A create or update waits for the creates and updates of everything it depends on, directly or through
    resources that need no change (`depends_on`, plus every resource of its kind's `after_kinds`); a delete waits
    for the deletes of everything that depends on it.
    """
    direct = direct_dependencies([rp.resource for rp in plans])
    closure: dict[str, set[str]] = {}

    def reach(address: str) -> set[str]:
        if address not in closure:
            closure[address] = set()  # a cycle was refused by `order`; this only guards the recursion
            found: set[str] = set()
            for dep in direct[address]:
                found |= {dep, *reach(dep)}
            closure[address] = found
        return closure[address]

    action = {rp.resource.address: rp.action for rp in plans}
    step = {a: f"{act}:{a}" for a, act in action.items() if act in ("create", "update", "delete")}
    out: dict[str, tuple[str, ...]] = {}
    for address, act in action.items():
        if act in ("create", "update"):
            out[address] = tuple(sorted(step[d] for d in reach(address) if action.get(d) in ("create", "update")))
        elif act == "delete":
            out[address] = tuple(
                sorted(step[o] for o in step if action[o] == "delete" and address in reach(o) and o != address)
            )
    return out


def engine_plan(verb: str, plans: list[ResourcePlan], parallelism: int = 1) -> Plan:
    """The engine's frozen steps for the resources that need a change.

    With `parallelism` > 1 each step names the steps it waits for (`step_prerequisites`) and the executor runs
    independent ones at once (Terraform's default is 10); with 1 they run one after another, in plan order.
    """
    waits = step_prerequisites(plans) if parallelism > 1 else {}
    steps = []
    for rp in plans:
        res = rp.resource
        kind = KINDS[res.kind]
        if rp.action == "create":
            steps.append(
                Step(
                    id=f"create:{res.address}",
                    action="provision.create",
                    provider=kind.provider,
                    weight=kind.typical_s,
                    description=f"create {res.address}",
                    resource=res.address,
                    params={"resource": res.to_dict()},
                )
            )
        elif rp.action == "update":
            changed = sorted({c.top for c in rp.changes})
            steps.append(
                Step(
                    id=f"update:{res.address}",
                    action="provision.update",
                    provider=kind.provider,
                    weight=kind.typical_s,
                    resource=res.address,
                    description=f"update {res.address}: " + "; ".join(str(c) for c in rp.changes),
                    params={"resource": res.to_dict(), "changed": changed},
                )
            )
        elif rp.action == "delete":
            steps.append(
                Step(
                    id=f"delete:{res.address}",
                    action="provision.delete",
                    provider=kind.provider,
                    weight=kind.typical_s,
                    resource=res.address,
                    description=f"delete {res.address}",
                    params={"resource": res.to_dict()},
                )
            )
    if waits:
        from dataclasses import replace

        steps = [replace(s, after=waits.get(s.resource, ())) for s in steps]
    counts: dict[str, int] = {}
    for rp in plans:
        counts[rp.action] = counts.get(rp.action, 0) + 1
    return Plan(
        verb=verb,
        steps=tuple(steps),
        summary={"counts": counts, "resources": [rp.to_dict() for rp in plans]},
        parallelism=parallelism,
    )
