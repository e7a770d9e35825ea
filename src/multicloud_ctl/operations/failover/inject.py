"""Fault injection for drills: break the side we leave, and always heal it again.

`--inject KIND[:VALUE]`, each a fault with `describe()`, `stop()` (inject) and `start()` (heal):

    outage[:CLOUD]     the source's functions host stopped: `supervisor` runs `mcctl local stop <cloud>` (a
                       region outage); `http` posts to a stop/start URL on 127.0.0.1 (stand-in origins in tests)
    brownout:30%       the source's functions host answers that share of its requests 503 (`/_admin/brownout`)
    latency:2s         every packet to and from the source's functions host delayed (tc netem)
    loss:20%           that share of those packets dropped (tc netem)
    partition[:CLOUD]  all of them dropped: the edge can no longer reach the source, which still runs
    partition:CLOUD-edge   (isolated sandbox) the source cut from the host and the edge, still reaching the other
                       cloud and reached from it
    partition:aws-azure    (isolated sandbox) the two clouds cut from each other, both still reached from the edge

With the sandbox's clouds in their own network namespaces (`mcctl local up --isolate-clouds`, local/netns.py),
`partition` cuts the source's whole namespace (moto or Azurite and the ARM fake included), not one port, and the
two partial partitions above become possible; without namespaces they are refused in one line.

The network faults are real: `tc netem` on the loopback device, applied only to the source host's port by u32
filters on the source and destination port (the plain sandbox runs every cloud on 127.0.0.1, so a port is a
cloud's address there; on an isolated sandbox the same faults act on the source cloud's veth, where its packets
go instead of `lo`). Where the kernel has no netem qdisc (sch_netem is a module that
container kernels often lack: this kind of machine has none), `loss` and `partition` are made with nftables
instead: a table of our own whose output chain drops the packets to and from the port (`numgen random` for a
share), which is what netem's `loss` does, one layer up. Latency has no nftables equivalent (netfilter can drop
a packet, not hold it), so `latency` needs netem. They need root and iproute2's `tc` or `nft`; without them the
drill refuses with one line. Injection is refused outside a local environment: drills never break real clouds.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from multicloud_ctl.errors import OperationFailed, SafetyRefused

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.failover import Injection
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.local.netns import NetnsPlan


@dataclass
class Outage:
    """One injectable outage of `cloud`."""

    cloud: str
    spec: Injection
    env_name: str
    config_dir: Path | None = None
    timeout: float = 30.0

    def describe(self) -> str:
        if self.spec.method == "http":
            return f"POST {self.spec.stop_url}"
        return f"mcctl local stop {self.cloud}"

    def _mcctl(self, verb: str) -> None:
        cmd = [sys.executable, "-m", "multicloud_ctl", "--env", self.env_name, "--yes"]
        if self.config_dir is not None:
            cmd += ["--config-dir", str(self.config_dir)]
        cmd += ["local", verb, self.cloud]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise OperationFailed(f"`mcctl local {verb} {self.cloud}` failed (exit {proc.returncode}): {tail[0]}")

    def stop(self) -> None:
        if self.spec.method == "http":
            _post(str(self.spec.stop_url), b"", self.timeout)
        else:
            self._mcctl("stop")

    def start(self) -> None:
        if self.spec.method == "http":
            _post(str(self.spec.start_url), b"", self.timeout)
        else:
            self._mcctl("start")


def _post(url: str, data: bytes, timeout: float) -> None:
    """One POST to a sandbox fault endpoint on 127.0.0.1; a failure is one line."""
    req = urllib.request.Request(url, method="POST", data=data)
    try:
        urllib.request.urlopen(req, timeout=timeout).close()
    except OSError as exc:
        raise OperationFailed(f"fault injection call {url} failed: {exc}") from exc


def outage_for(runtime: Runtime, cloud: str, spec: Injection, config_dir: Path | None) -> Outage:
    if not runtime.environment.is_local:
        raise SafetyRefused(
            f"--inject is for the local sandbox only, not the {runtime.environment.name} environment",
            hint="drill without --inject against a real cloud",
        )
    return Outage(cloud, spec, runtime.environment.name, config_dir)


KINDS = ("outage", "brownout", "latency", "loss", "partition")


def parse_inject(text: str, source: str) -> tuple[str, float | None]:
    """`KIND[:VALUE]` -> (kind, value): a share in 0..1 for brownout and loss, seconds for latency."""
    from multicloud_ctl.errors import UsageError

    kind, _, value = text.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise UsageError(f"--inject {text!r}: unknown fault {kind!r}", hint=f"one of {', '.join(KINDS)}")
    value = value.strip().lower()
    if kind == "partition" and "-" in value:
        partition_scope(text, source)  # refuses what it does not know
        return kind, None
    if kind in ("outage", "partition"):
        if value and value != source:
            raise UsageError(f"--inject {text!r}: a drill breaks the side it leaves, {source}, not {value}")
        return kind, None
    try:
        if kind == "latency":
            number = float(value[:-2]) / 1000 if value.endswith("ms") else float(value.rstrip("s"))
            ok = 0 < number <= 60
        else:
            number = float(value.rstrip("%")) / 100
            ok = 0 < number <= 1
    except ValueError:
        ok, number = False, 0.0
    if not ok:
        example = "latency:2s or latency:500ms (up to 60s)" if kind == "latency" else f"{kind}:30% (1-100%)"
        raise UsageError(f"--inject {text!r}: bad value {value!r}", hint=f"for example {example}")
    return kind, number


@dataclass
class Brownout:
    """A share of the source host's requests answered 503, set on the host's admin endpoint."""

    port: int
    share: float
    timeout: float = 10.0

    def describe(self) -> str:
        return f"brownout: {self.share:.0%} of requests to 127.0.0.1:{self.port} answered 503"

    def _set(self, share: float) -> None:
        import json

        _post(f"http://127.0.0.1:{self.port}/_admin/brownout", json.dumps({"share": share}).encode(), self.timeout)

    def stop(self) -> None:
        self._set(self.share)

    def start(self) -> None:
        self._set(0.0)


@dataclass
class Netem:
    """tc netem on `lo` for the packets to and from one port (see the module docstring)."""

    port: int
    kind: str  # latency | loss | partition
    value: float | None = None
    device: str = "lo"

    def describe(self) -> str:
        what = {
            "latency": f"{(self.value or 0) * 1000:.0f} ms delay",
            "loss": f"{(self.value or 0):.0%} packet loss",
            "partition": "100% packet loss",
        }[self.kind]
        return f"tc netem on {self.device}: {what} to and from 127.0.0.1:{self.port}"

    def _netem(self) -> list[str]:
        if self.kind == "latency":
            return ["delay", f"{int((self.value or 0) * 1000)}ms"]
        if self.kind == "loss":
            return ["loss", f"{(self.value or 0) * 100:g}%"]
        return ["loss", "100%"]

    def _tc(self, *args: str, check: bool = True) -> None:
        proc = subprocess.run(["tc", *args], capture_output=True, text=True, timeout=15, check=False)
        if check and proc.returncode != 0:
            raise OperationFailed(f"`tc {' '.join(args)}` failed: {(proc.stderr or proc.stdout).strip()}")

    def check(self) -> None:
        """Refuse (before the drill starts) where tc netem cannot run: not root, no iproute2, or a kernel
        without the netem qdisc (sch_netem). Probed in a throwaway network namespace: the host's devices are
        not touched."""
        import os
        import shutil

        if shutil.which("tc") is None or shutil.which("ip") is None or os.geteuid() != 0:
            raise SafetyRefused(
                f"--inject {self.kind} needs root and iproute2 (network faults are made with tc netem)",
                hint="run the drill as root on a machine with iproute2, or use --inject outage or brownout",
            )
        ns = f"mcctl-netem-probe-{os.getpid()}"
        try:
            subprocess.run(["ip", "netns", "add", ns], capture_output=True, timeout=15, check=True)
            probe = subprocess.run(
                ["ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"],
                capture_output=True,
                text=True,
                timeout=15,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise SafetyRefused(f"--inject {self.kind}: cannot probe tc netem ({exc})") from None
        finally:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=15, check=False)
        if probe.returncode != 0:
            raise SafetyRefused(
                f"--inject {self.kind}: this kernel has no netem queueing discipline ({probe.stderr.strip()}): "
                "network faults cannot be injected here",
                hint="load sch_netem (modprobe sch_netem); for loss and partition, nftables (`nft`) is enough; "
                "or use --inject outage or brownout",
            )

    def stop(self) -> None:
        self.check()
        dev = self.device
        self._tc("qdisc", "del", "dev", dev, "root", check=False)  # a leftover of a killed drill
        self._tc("qdisc", "add", "dev", dev, "root", "handle", "1:", "prio", "bands", "4")
        self._tc("qdisc", "add", "dev", dev, "parent", "1:4", "handle", "40:", "netem", *self._netem())
        for direction in ("dport", "sport"):
            self._tc(
                "filter", "add", "dev", dev, "parent", "1:0", "protocol", "ip", "prio", "1", "u32",
                "match", "ip", direction, str(self.port), "0xffff", "flowid", "1:4",
            )  # fmt: skip

    def start(self) -> None:
        self._tc("qdisc", "del", "dev", self.device, "root", check=False)


def partition_scope(text: str, source: str) -> str:
    """`partition[:SOURCE]` -> all, `partition:SOURCE-edge` -> edge, `partition:aws-azure` -> clouds."""
    from multicloud_ctl.errors import UsageError

    value = text.partition(":")[2].strip().lower()
    if value in ("", source):
        return "all"
    if value == f"{source}-edge":
        return "edge"
    if value in ("aws-azure", "azure-aws"):
        return "clouds"
    raise UsageError(
        f"--inject {text!r}: unknown partition {value!r}",
        hint=f"partition (or partition:{source}), partition:{source}-edge or partition:aws-azure",
    )


def fault_for(
    runtime: Runtime, source: str, text: str, spec: Injection, config_dir: Path | None
) -> Outage | Brownout | Netem | NftDrop | NsPartition:
    """The fault `--inject TEXT` names, against the source cloud's functions host (sandbox only)."""
    kind, value = parse_inject(text, source)
    outage = outage_for(runtime, source, spec, config_dir)  # refuses outside the sandbox
    if kind == "outage":
        return outage
    from multicloud_ctl.local.netns import load_plan

    plan = load_plan((runtime.environment.env_state_dir / "sandbox").resolve())
    if kind == "partition":
        scope = partition_scope(text, source)
        if plan is not None:
            return NsPartition(plan, source, scope).checked()
        if scope != "all":
            raise SafetyRefused(
                f"--inject {text}: this sandbox runs every cloud on the host's 127.0.0.1, so a partition "
                f"between {'the clouds' if scope == 'clouds' else source + ' and the edge'} cannot be made",
                hint="`mcctl local down`, then `mcctl local up --isolate-clouds` (root, iproute2, nftables); "
                "or --inject partition (the source's functions host cut from everyone)",
            )
    ports = runtime.environment.local.ports if runtime.environment.local else None
    port = int(getattr(ports, f"functions_{source}"))
    if kind == "brownout":
        return Brownout(port, float(value or 0))
    # isolated: the host's packets to the source's host leave by its veth, not `lo`, and come back by input
    device = plan.link(source).host_if if plan is not None else "lo"
    return network_fault(port, kind, value, device)


def network_fault(port: int, kind: str, value: float | None, device: str = "lo") -> Netem | NftDrop:
    """tc netem where the kernel has it; nftables for `loss` and `partition` where it does not (see above).
    `device` is the source's veth on an isolated sandbox (its packets do not cross `lo` there)."""
    fault = Netem(port, kind, value, device)
    try:
        fault.check()
    except SafetyRefused:
        if kind == "latency":
            raise
        drop = NftDrop(port, kind, value, both_hooks=device != "lo")
        if not drop.available():
            raise
        return drop
    return fault


@dataclass
class NftDrop:
    """`loss` or `partition` made with nftables: an output-hook chain of our own table drops the packets to and
    from one port on 127.0.0.1, all of them or a random share (`numgen random mod 1000 < N`). Loopback packets
    pass the output hook once, so one chain with a `dport` and an `sport` rule covers both directions; healing
    deletes the table, which removes every rule of the fault at once (and a leftover of a killed drill first).
    `both_hooks` (an isolated sandbox, where the port's packets cross a veth): the answers arrive by the input
    hook, so an input chain drops those too (on loopback it would drop a share twice).
    """

    port: int
    kind: str  # loss | partition
    value: float | None = None
    both_hooks: bool = False

    @property
    def table(self) -> str:
        return f"mcctl_drill_{self.port}"

    def describe(self) -> str:
        share = 1.0 if self.kind == "partition" else (self.value or 0)
        return f"nftables: {share:.0%} of packets to and from 127.0.0.1:{self.port} dropped"

    @staticmethod
    def _nft(*args: str, netns: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = (["ip", "netns", "exec", netns] if netns else []) + ["nft", *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=15, check=False)
        if check and proc.returncode != 0:
            raise OperationFailed(f"`nft {' '.join(args)}` failed: {(proc.stderr or proc.stdout).strip()}")
        return proc

    def available(self) -> bool:
        """Root, `nft` and a kernel with nf_tables: probed in a throwaway network namespace (the host's rules
        are not touched by the probe)."""
        import os
        import shutil

        if shutil.which("nft") is None or shutil.which("ip") is None or os.geteuid() != 0:
            return False
        ns = f"mcctl-nft-probe-{os.getpid()}"
        try:
            subprocess.run(["ip", "netns", "add", ns], capture_output=True, timeout=15, check=True)
            return self._nft("add", "table", "inet", "mcctl_probe", netns=ns, check=False).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False
        finally:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=15, check=False)

    def rules(self) -> list[str]:
        """The drop rules, one per direction (nft syntax, as `nft add rule` takes them)."""
        if self.kind == "partition":
            cond = []
        else:
            cond = ["numgen", "random", "mod", "1000", "<", str(round((self.value or 0) * 1000))]
        return [" ".join(["tcp", direction, str(self.port), *cond, "drop"]) for direction in ("dport", "sport")]

    def stop(self) -> None:
        self._nft("delete", "table", "inet", self.table, check=False)  # a leftover of a killed drill
        self._nft("add", "table", "inet", self.table)
        self._nft("add", "chain", "inet", self.table, "out", "{ type filter hook output priority 0 ; }")
        for rule in self.rules():
            self._nft("add", "rule", "inet", self.table, "out", *rule.split())
        if self.both_hooks:
            self._nft("add", "chain", "inet", self.table, "in", "{ type filter hook input priority 0 ; }")
            for rule in self.rules():
                self._nft("add", "rule", "inet", self.table, "in", *rule.split())

    def start(self) -> None:
        self._nft("delete", "table", "inet", self.table, check=False)


@dataclass
class NsPartition:
    """A partition of a sandbox whose clouds run in network namespaces (local/netns.py): the fault table's drop
    rules cut `cloud`'s whole namespace from everyone (`all`), from the host and the edge (`edge`) or from the
    other cloud (`clouds`); healing deletes that table (and `stop` first removes a leftover of a killed drill)."""

    plan: NetnsPlan
    cloud: str
    scope: str  # all | edge | clouds

    @property
    def cuts_operator(self) -> bool:
        """Whether this machine (the host, where mcctl runs) loses the cloud: its data stores too."""
        return self.scope in ("all", "edge")

    def checked(self) -> NsPartition:
        from multicloud_ctl.local.netns import missing_prerequisites

        why = missing_prerequisites()
        if why is not None:
            raise SafetyRefused(f"--inject partition needs root, iproute2 and nftables: {why}")
        return self

    def describe(self) -> str:
        ns = self.plan.link(self.cloud).namespace
        other = next(link.cloud for link in self.plan.links if link.cloud != self.cloud)
        what = {
            "all": f"cut from the edge, the host and {other}",
            "edge": f"cut from the edge and the host (still reaching {other})",
            "clouds": f"cut from {other} (both still reached from the edge)",
        }[self.scope]
        return f"nftables: {self.cloud} (netns {ns}) {what}"

    def stop(self) -> None:
        from multicloud_ctl.local.netns import NetnsHost

        host = NetnsHost()
        host.heal(self.plan)
        host.cut(self.plan, self.cloud, self.scope)

    def start(self) -> None:
        from multicloud_ctl.local.netns import NetnsHost

        NetnsHost().heal(self.plan)
