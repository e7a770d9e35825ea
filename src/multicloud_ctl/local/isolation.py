"""The supervisor's side of per-cloud network namespaces (see `netns.py` for the network itself).

Isolation is wanted when `local.isolation: namespaces` is configured, `local up --isolate-clouds` asks for it, or
`<sandbox dir>/netns.json` says it is in place (so `local start aws` after an outage drill starts the host in its
namespace again without the flag). `up` builds the network before it spawns a namespaced component and reuses it
while a component of ours runs in it; a recorded network with nothing of ours in it is the leftover of a crash and
is rebuilt. `down` of the whole sandbox removes it all (namespaces, veths, tables, the port holder, the record).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from typing import TYPE_CHECKING

from multicloud_ctl.errors import OperationFailed, UsageError
from multicloud_ctl.local.netns import (
    CLOUD_OF,
    CLOUDS,
    FALLBACK,
    STATE_FILE,
    NetnsHost,
    NetnsPlan,
    holder_command,
    load_plan,
    missing_prerequisites,
    plan_netns,
    save_plan,
)

if TYPE_CHECKING:
    from multicloud_ctl.local.components import Component
    from multicloud_ctl.local.supervisor import Supervisor


class Isolation:
    """Whether and where a supervisor's components run in namespaces; builds and removes the network."""

    def __init__(self, sup: Supervisor, requested: bool = False, host: NetnsHost | None = None) -> None:
        self.sup = sup
        local = sup.environment.local
        self.configured = requested or (local is not None and local.isolation == "namespaces")
        self.host = host or NetnsHost()

    @property
    def plan(self) -> NetnsPlan | None:
        return load_plan(self.sup.directory)

    @property
    def wanted(self) -> bool:
        return self.configured or self.plan is not None

    def where(self, comp: Component) -> str:
        plan = self.plan
        if plan is not None:
            return plan.where(comp.name)
        return "host" if not self.configured or comp.name not in CLOUD_OF else "netns (not built)"

    def prefix(self, comp: Component) -> list[str]:
        """The command that runs `comp` in its namespace (`ip netns exec NS`), or nothing."""
        plan = self.plan
        ns = plan.namespace_of(comp.name) if plan is not None else None
        return ["ip", "netns", "exec", ns] if ns else []

    def check(self) -> None:
        """Refuse in one line where namespaces cannot be made (not root, no ip / nft)."""
        why = missing_prerequisites()
        if why is not None:
            raise UsageError(
                f"per-cloud network namespaces (--isolate-clouds / local.isolation: namespaces) need root, "
                f"iproute2 and nftables: {why}",
                hint=FALLBACK,
            )

    def _ports(self) -> dict[str, tuple[int, ...]]:
        ports: dict[str, list[int]] = {cloud: [] for cloud in CLOUDS}
        for comp in self.sup.components.values():
            if comp.name in CLOUD_OF:
                ports[CLOUD_OF[comp.name]] += self.sup.configured_ports(comp).values()
        return {cloud: tuple(sorted(set(p))) for cloud, p in ports.items()}

    def _ours_alive(self) -> list[Component]:
        return [c for c in self.sup.components.values() if c.name in CLOUD_OF and self.sup.owned_pid(c) is not None]

    def ensure(self) -> str | None:
        """The network in place before a namespaced component starts; a note when an old one was removed."""
        self.check()
        plan = self.plan
        if plan is not None and self._ours_alive():
            if not self.holder_alive(plan):
                save_plan(self.sup.directory, self._start_holder(plan))
            return None
        note = None
        if plan is not None or self.host.leftovers(self._fresh_plan()):
            old = plan or self._fresh_plan()
            for link in old.links:
                strays = self.host.namespace_pids(link.namespace)
                if strays:
                    raise OperationFailed(
                        f"network namespace {link.namespace} still has processes mcctl does not own "
                        f"(pids {' '.join(map(str, strays))}); nothing was changed",
                        hint=f"stop them (`ip netns pids {link.namespace}`), then `mcctl local up` again",
                    )
            self._stop_holder(old)
            left = self.host.teardown(old)
            if left:
                raise OperationFailed(f"could not remove the namespaces of an earlier run: {', '.join(left)}")
            note = "removed the namespaces of an earlier run"
        plan = self._fresh_plan()
        save_plan(self.sup.directory, plan)  # recorded before anything exists: a crash leaves a cleanable trace
        plan = self._start_holder(plan)
        save_plan(self.sup.directory, plan)
        try:
            self.host.apply(plan)
        except OperationFailed:
            self.teardown()
            raise
        return note

    def _fresh_plan(self) -> NetnsPlan:
        return plan_netns(self.sup.directory, self._ports(), self.host.host_addresses())

    def teardown(self) -> list[str]:
        """Remove the network (after the components were stopped); raises when something could not be removed."""
        plan = self.plan
        if plan is None:
            return []
        self._stop_holder(plan)
        left = self.host.teardown(plan)
        if left:
            raise OperationFailed(
                f"could not remove the sandbox's network namespaces: {', '.join(left)}",
                hint="a process may still run in one (`ip netns pids NAME`); then `mcctl local down` again",
            )
        (self.sup.directory / STATE_FILE).unlink(missing_ok=True)
        return [f"netns {link.namespace}" for link in plan.links]

    # ---- the port holder --------------------------------------------------------------------------
    def holder_alive(self, plan: NetnsPlan) -> bool:
        from multicloud_ctl.local.supervisor import process_cmdline

        pid, argv = plan.holder.get("pid"), plan.holder.get("argv")
        if not isinstance(pid, int) or not isinstance(argv, list):
            return False
        cmdline = process_cmdline(pid)
        tail = [str(a) for a in argv[1:]]
        return cmdline is not None and bool(tail) and cmdline[-len(tail) :] == tail

    def _start_holder(self, plan: NetnsPlan) -> NetnsPlan:
        argv = holder_command(plan.ports)
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
            cwd=str(self.sup.directory),
        )
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        proc.stdout.close()
        if not line.startswith("holding"):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
            port = line.split("port ", 1)[-1].split(" ", 1)[0] if "port " in line else "?"
            raise UsageError(
                f"port {port} on 127.0.0.1 is already taken by another process (needed by the sandbox's namespaces)",
                hint=f"stop what holds it, or move that local.ports.* in config/{self.sup.environment.name}.yaml",
            )
        self.sup._started["netns-holder"] = proc  # type: ignore[assignment]  # reaped by process_cmdline
        return plan.with_holder(proc.pid, argv)

    def _stop_holder(self, plan: NetnsPlan) -> None:
        from multicloud_ctl.local.supervisor import process_cmdline

        if not self.holder_alive(plan):
            return
        pid = int(plan.holder["pid"])  # type: ignore[call-overload]
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and process_cmdline(pid) is not None:
            time.sleep(0.05)
