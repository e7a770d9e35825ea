"""Start, stop and inspect the sandbox's processes (`mcctl local up|down|status|start|stop`).

Each component (see `components.py`) runs as its own session leader on 127.0.0.1, outliving the CLI.
Its pid file (`<env state dir>/sandbox/<name>.pid`, JSON: pid, port, extra_ports, argv, started_at) is the record of
what *we* started: a process counts as ours only while it is alive and its command line still ends
with the recorded arguments, so `down` never signals a process that merely inherited a recycled pid.

`up` is idempotent: a healthy component of ours is left alone; a stale pid file is removed; a port held
by something else is refused (exit 2, naming the port and the `local.ports.*` key) before anything
starts, unless what holds it *is* that service (e.g. a moto the test suite started), which is then
used as "external" and never stopped by `down`.

A component of ours still running on the port its pid file records, after `local.ports.*` was changed, is
shown by `status` as "running on old port N" and refused by `up` (exit 2, before anything starts): stopping
it would lose its in-memory state (moto's), so the operator chooses (`local down NAME`, or the old port back).

With per-cloud network namespaces (`local up --isolate-clouds`, `local.isolation: namespaces`; see `netns.py` and
`isolation.py`) the AWS and Azure components run in their own namespace, still reached at 127.0.0.1:<port>;
`status` says where each runs and `down` of the whole sandbox removes the network too.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.clock import default_clock
from multicloud_ctl.errors import OperationFailed, UsageError
from multicloud_ctl.local.components import Component, Probe, SandboxContext, load_components
from multicloud_ctl.local.netns import CLOUD_OF
from multicloud_ctl.local.processes import LOOPBACK, port_in_use

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.config.secrets import SecretResolver


@dataclass(frozen=True)
class ComponentStatus:
    """One row of `mcctl local status`.

    state: running | starting | stopped | external | foreign | "running on old port N" (ours, started before
    `local.ports.*` changed; `port` is the configured one).
    """

    component: str
    port: int
    pid: int | None
    state: str
    healthy: bool
    note: str = ""
    where: str = "host"  # or "netns NAME" (per-cloud network namespaces)


def probe(url: str, timeout: float = 1.0) -> Probe | None:
    """GET `url`; None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return Probe(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read(4096))
    except urllib.error.HTTPError as exc:
        return Probe(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()[:4096])
    except (OSError, ValueError):
        return None


def process_cmdline(pid: int) -> list[str] | None:
    """The argv of a live (non-zombie) process, or None when there is no such process."""
    proc = Path(f"/proc/{pid}")
    if Path("/proc/self").exists():
        if not proc.exists():
            return None
        try:
            stat = (proc / "stat").read_text()
            if stat.rsplit(")", 1)[1].split()[0] == "Z":
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(pid, os.WNOHANG)  # reap our own zombie child (tests run the CLI in-process)
                return None
            raw = (proc / "cmdline").read_bytes()
        except (OSError, IndexError):
            return None
        return [part.decode(errors="replace") for part in raw.split(b"\0") if part]
    try:  # no /proc (macOS): ask ps
        out = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, timeout=5)
    except OSError:
        return None
    return out.stdout.split() if out.returncode == 0 and out.stdout.strip() else None


class Supervisor:
    """The sandbox processes of one local environment."""

    def __init__(
        self, environment: Environment, secrets: SecretResolver | None = None, *, isolate: bool = False
    ) -> None:
        if not environment.is_local or environment.local is None:
            raise UsageError(
                f"`mcctl local` manages the sandbox; environment {environment.name!r} is not local",
                hint="use --env local (or an environment file with kind: local)",
            )
        from multicloud_ctl.config.secrets import SecretResolver

        self.environment = environment
        # absolute: children run with this as their cwd, and their own paths must not nest inside it
        self.directory = (environment.env_state_dir / "sandbox").resolve()
        self.ctx = SandboxContext(environment, self.directory, secrets or SecretResolver())
        self.components = load_components()
        self._started: dict[str, subprocess.Popen[bytes]] = {}  # what this Supervisor spawned, by component
        from multicloud_ctl.local.isolation import Isolation

        self.isolation = Isolation(self, isolate)

    # ---- lookup -----------------------------------------------------------------------------------
    def select(self, names: list[str] | None = None, *, all_: bool = False) -> list[Component]:
        from multicloud_ctl.local.components import ALIASES

        names = [ALIASES.get(n, n) for n in names] if names else names
        if not names:
            return [c for c in self.components.values() if all_ or c.default]
        unknown = [n for n in names if n not in self.components]
        if unknown:
            raise UsageError(
                f"unknown sandbox component(s): {', '.join(unknown)}",
                hint=f"components: {', '.join(self.components)}",
            )
        return [self.components[n] for n in names]

    def _with_requirements(self, comps: list[Component]) -> list[Component]:
        """`comps` plus everything they require, transitively, in registry (start) order."""
        wanted: set[str] = set()
        todo = [c.name for c in comps]
        while todo:
            name = todo.pop()
            if name not in wanted:
                wanted.add(name)
                todo += list(self.components[name].requires)
        return [c for c in self.components.values() if c.name in wanted]

    def port_of(self, comp: Component) -> int:
        assert self.environment.local is not None
        return int(getattr(self.environment.local.ports, comp.port_field))

    def configured_ports(self, comp: Component) -> dict[str, int]:
        """The `local.ports` fields `comp` binds (its own first, then `extra_ports`) and their configured values."""
        ports = self.environment.local.ports  # type: ignore[union-attr]
        return {field: int(getattr(ports, field)) for field in (comp.port_field, *comp.extra_ports)}

    def moved(self, comp: Component) -> tuple[str, int] | None:
        """(field, old port) when our live process for `comp` listens on another port than configured now."""
        rec = self.record(comp)
        if rec is None or self.owned_pid(comp) is None:
            return None
        extra = rec.get("extra_ports")
        recorded = {comp.port_field: rec.get("port"), **(extra if isinstance(extra, dict) else {})}
        for field, port in self.configured_ports(comp).items():
            old = recorded.get(field)
            if isinstance(old, int) and old != port:
                return field, old
        return None

    def url_of(self, comp: Component) -> str:
        return f"http://{LOOPBACK}:{self.port_of(comp)}{comp.health_path}"

    def pid_file(self, comp: Component) -> Path:
        return self.directory / f"{comp.name}.pid"

    def log_file(self, comp: Component) -> Path:
        return self.directory / f"{comp.name}.log"

    def record(self, comp: Component) -> dict[str, Any] | None:
        try:
            return dict(json.loads(self.pid_file(comp).read_text()))
        except (OSError, ValueError):
            return None

    def owned_pid(self, comp: Component) -> int | None:
        """The pid of our live process for `comp` (pid file + matching command line), else None."""
        rec = self.record(comp)
        if not rec or not isinstance(rec.get("pid"), int):
            return None
        cmdline = process_cmdline(rec["pid"])
        tail = [str(a) for a in rec.get("argv", [])[1:]]
        if cmdline is None or not tail or cmdline[-len(tail) :] != tail:
            return None
        return int(rec["pid"])

    def healthy(self, comp: Component) -> bool:
        answer = probe(self.url_of(comp))
        return answer is not None and comp.identify(answer)

    # ---- status -----------------------------------------------------------------------------------
    def status(self, names: list[str] | None = None) -> list[ComponentStatus]:
        rows = []
        for comp in self.select(names, all_=names is None):
            port, pid = self.port_of(comp), self.owned_pid(comp)
            moved = self.moved(comp) if pid is not None else None
            if moved is not None:
                field, old = moved
                now = self.configured_ports(comp)[field]
                note = f"local.ports.{field} is now {now}: `mcctl local down {comp.name}`"
                where = self.isolation.where(comp)
                rows.append(ComponentStatus(comp.name, port, pid, f"running on old port {old}", False, note, where))
                continue
            healthy = self.healthy(comp)
            if pid is not None:
                state = "running" if healthy else "starting"
            elif healthy:
                state = "external"
            elif port_in_use(port):
                state = "foreign"
            else:
                state = "stopped"
            if not comp.default and state == "stopped" and names is None:
                continue  # optional components only show once started
            note = "stale pid file" if pid is None and self.record(comp) else ""
            rows.append(ComponentStatus(comp.name, port, pid, state, healthy, note, self.isolation.where(comp)))
        return rows

    # ---- up ---------------------------------------------------------------------------------------
    def up(self, names: list[str] | None = None) -> list[ComponentStatus]:
        """Start what is not running (and what it requires), leave what is; refuse a port held by a foreign process."""
        comps = self._with_requirements(self.select(names))
        self.directory.mkdir(parents=True, exist_ok=True)
        self._refuse_moved(comps)
        isolate = self.isolation.wanted and any(c.name in CLOUD_OF for c in comps)
        if isolate:
            self.isolation.check()
        built = isolate and self.isolation.plan is not None
        plan: list[Component] = []
        waiting: list[Component] = []
        notes: dict[str, str] = {}
        for comp in comps:  # phase 1: classify everything before starting anything
            if self.owned_pid(comp) is not None:
                notes[comp.name] = "already running"
                waiting.append(comp)  # ours, maybe still starting: wait for it, do not restart it
                continue
            if self.record(comp) is not None:
                self.pid_file(comp).unlink(missing_ok=True)
                notes[comp.name] = "stale pid file removed"
            port = self.port_of(comp)
            if port_in_use(port):
                if self.healthy(comp) and not (isolate and not built and comp.name in CLOUD_OF):
                    notes[comp.name] = "served by a process mcctl did not start; left alone"
                    continue
                raise self._port_taken(comp, comp.port_field, port)
            for field in comp.extra_ports:
                extra = int(getattr(self.environment.local.ports, field))  # type: ignore[union-attr]
                if port_in_use(extra):
                    raise self._port_taken(comp, field, extra)
            plan.append(comp)
        if isolate and any(c.name in CLOUD_OF for c in plan):
            built_note = self.isolation.ensure()
            if built_note:
                notes.update({c.name: built_note for c in plan if c.name in CLOUD_OF})
        for comp in plan:  # phase 2: start all, then wait for each
            self._spawn(comp)
            notes.setdefault(comp.name, "started")
        for comp in [*waiting, *plan]:
            self._wait_ready(comp)
        return [
            ComponentStatus(s.component, s.port, s.pid, s.state, s.healthy, notes.get(s.component, ""), s.where)
            for s in self.status([c.name for c in comps])
        ]

    def _refuse_moved(self, comps: list[Component]) -> None:
        """Refuse (exit 2) when a component of ours runs on another port than configured: never restart it silently."""
        moved = [(comp, *m) for comp in comps if (m := self.moved(comp)) is not None]
        if not moved:
            return
        where = "; ".join(
            f"{comp.name} on {old}, local.ports.{field} is now {self.configured_ports(comp)[field]}"
            for comp, field, old in moved
        )
        names = " ".join(comp.name for comp, _, _ in moved)
        settings = ", ".join(f"local.ports.{field}: {old}" for _, field, old in moved)
        raise UsageError(
            f"sandbox still running on the old port{'s' if len(moved) > 1 else ''} ({where}); nothing was changed",
            hint=f"`mcctl local down {names}` then `mcctl local up` (this loses their in-memory state), "
            f"or set {settings} back in config/{self.environment.name}.yaml",
        )

    def _port_taken(self, comp: Component, field: str, port: int) -> UsageError:
        return UsageError(
            f"port {port} on {LOOPBACK} is already taken by another process "
            f"(local.ports.{field}, needed by {comp.name})",
            hint=f"stop what holds it, or set local.ports.{field} to a free port "
            f"in config/{self.environment.name}.yaml",
        )

    def _spawn(self, comp: Component) -> int:
        spec = comp.launch(self.ctx, self.port_of(comp))
        log = self.log_file(comp)
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                self.isolation.prefix(comp) + spec.argv,  # `ip netns exec NS` execs argv: same pid, same cmdline
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, **spec.env},
                cwd=str(self.directory),
            )
        self._started[comp.name] = proc
        record = {
            "pid": proc.pid,
            "port": self.port_of(comp),
            "extra_ports": {f: p for f, p in self.configured_ports(comp).items() if f != comp.port_field},
            "argv": spec.argv,
            "started_at": default_clock().now().isoformat(),
        }
        tmp = self.pid_file(comp).with_suffix(".tmp")
        tmp.write_text(json.dumps(record))
        os.replace(tmp, self.pid_file(comp))
        return proc.pid

    def _wait_ready(self, comp: Component) -> None:
        """Until the component answers its health check, it exits, or `ready_timeout` passes.

        Whether the process still runs is asked of the Popen handle we hold (its exit status, once reaped): a
        /proc read of a process that is starting up is not evidence that it died."""
        deadline = time.monotonic() + comp.ready_timeout
        proc = self._started.get(comp.name)
        exited: int | None = None
        while time.monotonic() < deadline:
            if self.healthy(comp):
                return
            if proc is not None:
                exited = proc.poll()
                if exited is not None:
                    break
            elif self.owned_pid(comp) is None:
                break
            time.sleep(0.1)
        self.stop_component(comp)
        tail = ""
        with contextlib.suppress(OSError):
            tail = (self.log_file(comp).read_text(errors="replace").strip().splitlines() or [""])[-1][:200]
        how = f" (it exited with status {exited})" if exited is not None else ""
        raise OperationFailed(
            f"sandbox component {comp.name} did not become healthy on port "
            f"{self.port_of(comp)}{how}" + (f": {tail}" if tail else ""),
            hint=f"see {self.log_file(comp)}",
        )

    # ---- down -------------------------------------------------------------------------------------
    def down(self, names: list[str] | None = None) -> list[ComponentStatus]:
        """Stop the components we started (reverse order); never touch anything else."""
        rows = []
        for comp in reversed(self.select(names, all_=names is None)):
            pid = self.owned_pid(comp)
            rec = self.record(comp)
            had_record = rec is not None
            port = rec["port"] if pid is not None and rec and isinstance(rec.get("port"), int) else self.port_of(comp)
            note = self.stop_component(comp)
            if pid is None and had_record:
                note = "stale pid file removed"
            elif pid is None:
                note = "not started by mcctl" if self.healthy(comp) else "not running"
            rows.append(ComponentStatus(comp.name, port, pid, "stopped" if pid else "-", False, note))
        if names is None:  # the whole sandbox: its network goes too
            removed = self.isolation.teardown()
            if removed:
                rows = [
                    ComponentStatus(r.component, r.port, r.pid, r.state, r.healthy, r.note, "netns removed")
                    if r.component in CLOUD_OF
                    else r
                    for r in rows
                ]
        return list(reversed(rows))

    def stop_component(self, comp: Component, timeout: float = 8.0) -> str:
        """SIGTERM (then SIGKILL) our process group for `comp`; removes its pid file."""
        pid = self.owned_pid(comp)
        if pid is not None:
            _signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and process_cmdline(pid) is not None:
                time.sleep(0.05)
            if process_cmdline(pid) is not None:
                _signal_group(pid, signal.SIGKILL)
                time.sleep(0.2)
                process_cmdline(pid)  # reaps it when it is our child
        self.pid_file(comp).unlink(missing_ok=True)
        return "stopped" if pid is not None else ""


def _signal_group(pid: int, sig: int) -> None:
    """Signal the process group the component leads (start_new_session), or just the process."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
