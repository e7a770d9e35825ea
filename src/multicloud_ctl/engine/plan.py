"""Plans are data: an ordered tuple of frozen steps, each one call on a provider client.

An operation builds a `Plan` from read-only calls; the run lifecycle (`engine/run.py`) either shows it
(`--dry-run`) or hands it to the executor. What `--dry-run` shows is exactly what apply runs, because both
walk the same steps.

Most steps name an action in the closed registry (`engine/actions.py`) with JSON-able params. A **bulk step**
(`Step.bulk(...)`) carries instead the function that does a large amount of uniform work planned in memory
(backup's copies, sync's batches): it reports progress counts through its `StepContext` and returns a summary
with counts, which is what the journal records (never one entry per object). A `stoppable` bulk step stops at
its next safe point when the run is signalled, instead of being interrupted mid-write (the run then ends
`interrupted`); a `follow` step runs until it is signalled, so for it a stop is the normal end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.engine.executor import StepContext

BulkFn = Callable[["StepContext"], Any]


def _freeze(params: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(params or {}))


@dataclass(frozen=True)
class Step:
    """One unit of work: `action` (a name in the action registry) called with `params`.

    `mutating` steps are never run under `--dry-run`. `rollback`, when set, is the step that undoes this
    one; the executor runs it (in reverse order) when a later step or verification fails or on Ctrl-C.
    """

    id: str
    action: str
    description: str
    provider: str = "local"
    params: Mapping[str, Any] = field(default_factory=dict)
    mutating: bool = True
    resource: str = ""
    rollback: Step | None = None
    call: BulkFn | None = field(default=None, compare=False, repr=False)
    stoppable: bool = False
    follow: bool = False
    total: float | None = None
    unit: str = ""
    # workflow: the steps this one waits for (None: the step before it in the plan; (): none, it may start at
    # once) and how long it may run before it counts as failed (None: no limit)
    after: tuple[str, ...] | None = None
    timeout_s: float | None = None
    # how long the step is expected to take, in rough seconds (a priority, never a limit): of the steps ready
    # to start, the executor starts first the one heading the longest chain of expected time
    weight: float = field(default=1.0, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _freeze(self.params))
        if self.after is not None:
            object.__setattr__(self, "after", tuple(self.after))

    @classmethod
    def bulk(
        cls,
        id: str,
        description: str,
        call: BulkFn,
        *,
        total: float | None = None,
        unit: str = "",
        mutating: bool = True,
        stoppable: bool = False,
        follow: bool = False,
        provider: str = "local",
        params: Mapping[str, Any] | None = None,
        rollback: Step | None = None,
        after: tuple[str, ...] | None = None,
        timeout_s: float | None = None,
    ) -> Step:
        """A step that runs `call(ctx)`: bulk work reported as counts (see the module docstring)."""
        return cls(
            after=after,
            timeout_s=timeout_s,
            id=id,
            action=f"bulk:{id}",
            description=description,
            provider=provider,
            params=params or {},
            mutating=mutating,
            rollback=rollback,
            call=call,
            stoppable=stoppable or follow,
            follow=follow,
            total=total,
            unit=unit,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "action": self.action,
            "provider": self.provider,
            "resource": self.resource,
            "description": self.description,
            "mutating": self.mutating,
            "params": dict(self.params),
        }
        if self.call is not None:
            out["bulk"] = True
            if self.total is not None:
                out["total"] = self.total
                out["unit"] = self.unit
        if self.rollback is not None:
            out["rollback"] = self.rollback.to_dict()
        if self.after is not None:
            out["after"] = list(self.after)
        if self.timeout_s is not None:
            out["timeout_s"] = self.timeout_s
        return out


def dependencies(steps: tuple[Step, ...]) -> dict[str, tuple[str, ...]]:
    """Each step's prerequisites: its `after`, or the step before it when `after` is None."""
    out: dict[str, tuple[str, ...]] = {}
    previous: str | None = None
    for step in steps:
        out[step.id] = step.after if step.after is not None else ((previous,) if previous else ())
        previous = step.id
    return out


def critical_heights(
    graph: Mapping[str, tuple[str, ...]], weights: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Each step's height: the expected time (`weights`, 1 per step by default) of the longest chain of steps
    from it to a step nothing waits for, itself included.

    The executor starts the ready step with the greatest height first (list scheduling by critical path,
    Graham / Hu): under a parallelism bound, a long chain (a resource group, its network, its VPN gateway that
    takes most of an hour, its connections) then starts at once instead of after every short, independent
    step listed before it. Assumes no cycle (`find_cycle` is checked when the plan is built).
    """
    dependents: dict[str, list[str]] = {node: [] for node in graph}
    unmeasured = dict.fromkeys(graph, 0)  # how many dependents of a node have no height yet
    for node, prerequisites in graph.items():
        for dep in prerequisites:
            if dep in dependents:
                dependents[dep].append(node)
                unmeasured[dep] += 1
    heights: dict[str, float] = {}
    ready = [node for node, count in unmeasured.items() if count == 0]
    while ready:
        node = ready.pop()
        own = 1.0 if weights is None else weights.get(node, 1.0)
        heights[node] = own + max((heights[d] for d in dependents[node]), default=0.0)
        for dep in graph[node]:
            if dep in unmeasured:
                unmeasured[dep] -= 1
                if unmeasured[dep] == 0:
                    ready.append(dep)
    return heights


def find_cycle(graph: Mapping[str, tuple[str, ...]]) -> list[str] | None:
    """A cycle in `graph` (node -> prerequisites) as the path `a, b, ..., a`, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in graph.get(node, ()):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state and (found := visit(dep)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


@dataclass(frozen=True)
class Plan:
    """What a verb intends to do, and how to check that it worked."""

    verb: str
    steps: tuple[Step, ...] = ()
    verify: tuple[Step, ...] = ()
    summary: Mapping[str, Any] = field(default_factory=dict)
    parallelism: int = 1  # steps of a workflow (see `Step.after`) that may run at once

    def __post_init__(self) -> None:
        ids = [s.id for s in (*self.steps, *self.verify)]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate step ids in plan: {sorted(dupes)}")
        if any(s.after is not None for s in self.steps):  # a plain sequence cannot be cyclic: no walk for it
            graph = dependencies(self.steps)
            unknown = sorted({d for deps in graph.values() for d in deps if d not in graph})
            if unknown:
                raise ValueError(f"steps wait for steps the plan does not have: {unknown}")
            cycle = find_cycle(graph)
            if cycle:
                raise ValueError(f"the plan's steps wait for each other in a cycle: {' -> '.join(cycle)}")
        if self.parallelism < 1:
            raise ValueError("parallelism must be at least 1")
        object.__setattr__(self, "summary", _freeze(self.summary))

    @property
    def is_workflow(self) -> bool:
        """Steps with their own prerequisites or time limits, or several at once: the executor's workflow path."""
        return self.parallelism > 1 or any(s.after is not None or s.timeout_s is not None for s in self.steps)

    @property
    def mutating_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.mutating)

    @property
    def is_empty(self) -> bool:
        return not self.mutating_steps

    def to_dict(self) -> dict[str, Any]:
        return {
            "verb": self.verb,
            "steps": [s.to_dict() for s in self.steps],
            "verify": [s.to_dict() for s in self.verify],
            "summary": dict(self.summary),
            **({"parallelism": self.parallelism} if self.parallelism > 1 else {}),
        }
