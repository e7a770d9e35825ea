"""Each cloud of the sandbox in its own network namespace (`local.isolation: namespaces`, `local up --isolate-clouds`).

Without it every sandbox process listens on 127.0.0.1 of the host, so a fault can only cut one port. With it:

    host (edge API + proxy, mcctl, Redis, SQL)   10.213.B.1 ==veth== 10.213.B.2  netns mcctl-TAG-aws
                                                                                 (moto, functions_aws)
                                                 10.213.B.5 ==veth== 10.213.B.6  netns mcctl-TAG-azure
                                                                                 (azurite, arm, functions_azure+smtp)

Nothing else changes: the processes still bind 127.0.0.1:<port> (inside their namespace) and everything is still
reached at 127.0.0.1:<port>, on the host and in every namespace, by NAT (`nft`, one table per side):
- host -> namespace: an output-hook DNAT sends 127.0.0.1:<a namespaced port> to the namespace's address; a
  postrouting SNAT gives the packet the host's veth address (a 127/8 source cannot leave `lo`, and
  `route_localnet=1` on the veth lets the rerouted packet out at all); in the namespace a prerouting DNAT sends it
  to 127.0.0.1 (`route_localnet=1` there too) and an input-hook SNAT to 127.0.0.1 makes the peer look local.
- namespace -> anything else (the other cloud, Redis, the edge, PostgreSQL): the namespace's output DNAT sends
  every 127.0.0.1 port it does not serve to its host veth address; the host either forwards it on to the other
  namespace (prerouting DNAT, `forwarding=1` on the two veths only) or delivers it to 127.0.0.1 (prerouting DNAT,
  input SNAT to 127.0.0.1: Redis's protected mode and pg_hba see a loopback peer). So cross-cloud traffic always
  crosses the host, where a fault can cut it.

Faults (`fault_ruleset`) are a third table of filter chains, deleted to heal: `all` cuts a cloud from everyone,
`edge` from the host only (it still reaches the other cloud, and is reached from it), `clouds` the two clouds from
each other (both still reached from the host). Drops, not rejects: a real partition answers nothing.

A namespace has no process of its own, so nothing would stop another program binding a forwarded port on the
host (it would get no traffic, silently): a small holder process (`python -m multicloud_ctl.local.netns hold`)
binds every forwarded port on 127.0.0.1 without listening, for as long as the isolation lives.

The plan (names, addresses, ports, the holder's pid) is written to `<sandbox dir>/netns.json` *before* anything is
created, so `local down` and the next `local up` after a crash can remove all of it; teardown is idempotent.
TAG is a hash of the sandbox directory (two sandboxes on one machine never share names); the /29 in 10.213.0.0/16
follows from it, moved on when an address of it is already on the host. Needs root, iproute2 and nftables;
`missing_prerequisites()` says which is missing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

SUBNET = ipaddress.IPv4Network("10.213.0.0/16")
CLOUD_OF = {"moto": "aws", "functions_aws": "aws", "azurite": "azure", "arm": "azure", "functions_azure": "azure"}
CLOUDS = ("aws", "azure")
NS_IF = "host0"  # the namespace side of each veth
STATE_FILE = "netns.json"
SCOPES = ("all", "edge", "clouds")
FALLBACK = (
    "without namespaces the sandbox runs every cloud on the host's 127.0.0.1: `mcctl local up` without "
    "--isolate-clouds (local.isolation: none); drills then inject `outage` by stopping processes and "
    "`partition` per port"
)


@dataclass(frozen=True)
class CloudLink:
    """One cloud's namespace and the veth pair that joins it to the host."""

    cloud: str
    namespace: str
    host_if: str
    host_ip: str
    ns_ip: str
    ports: tuple[int, ...]


@dataclass(frozen=True)
class NetnsPlan:
    """Every name, address and port of one sandbox's isolation (pure data: `NetnsHost` applies it)."""

    tag: str
    links: tuple[CloudLink, ...]
    holder: dict[str, object] = field(default_factory=dict, compare=False)  # pid + argv of the port holder

    @property
    def table(self) -> str:
        return f"mcctl_netns_{self.tag}"

    @property
    def fault_table(self) -> str:
        return f"mcctl_fault_{self.tag}"

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(p for link in self.links for p in link.ports)

    def link(self, cloud: str) -> CloudLink:
        for link in self.links:
            if link.cloud == cloud:
                return link
        raise KeyError(cloud)

    def namespace_of(self, component: str) -> str | None:
        cloud = CLOUD_OF.get(component)
        return self.link(cloud).namespace if cloud else None

    def where(self, component: str) -> str:
        """`netns NAME` or `host`: the `where` column of `mcctl local status`."""
        ns = self.namespace_of(component)
        return f"netns {ns}" if ns else "host"

    # ---- nft rule text ------------------------------------------------------------------------------
    def host_ruleset(self) -> str:
        """The host's NAT table (nft -f text; replaces an older copy of itself atomically)."""
        lines = [f"add table ip {self.table}", f"delete table ip {self.table}", f"table ip {self.table} {{"]
        lines += [_chain("output", "nat", "output", -100)]
        lines += [f"    ip daddr 127.0.0.1 tcp dport {_set(link.ports)} dnat to {link.ns_ip}" for link in self.links]
        lines += ["  }", _chain("prerouting", "nat", "prerouting", -100)]
        for link in self.links:  # cross-cloud first: forwarded on to the other namespace
            for other in self.links:
                if other is not link:
                    lines.append(f'    iifname "{link.host_if}" tcp dport {_set(other.ports)} dnat to {other.ns_ip}')
        lines += [f'    iifname "{link.host_if}" ip daddr {link.host_ip} dnat to 127.0.0.1' for link in self.links]
        names = ", ".join(f'"{link.host_if}"' for link in self.links)
        lines += ["  }", _chain("input", "nat", "input", 100)]
        lines += [f"    iifname {{ {names} }} ip daddr 127.0.0.1 snat to 127.0.0.1", "  }"]
        lines += [_chain("postrouting", "nat", "postrouting", 100)]
        lines += [f'    oifname "{link.host_if}" ip saddr 127.0.0.0/8 snat to {link.host_ip}' for link in self.links]
        return "\n".join([*lines, "  }", "}", ""])

    def ns_ruleset(self, cloud: str) -> str:
        """The NAT table inside one cloud's namespace."""
        link, name = self.link(cloud), "mcctl_netns"
        own = _set(link.ports)
        return "\n".join(
            [
                f"add table ip {name}",
                f"delete table ip {name}",
                f"table ip {name} {{",
                _chain("prerouting", "nat", "prerouting", -100),
                f'    iifname "{NS_IF}" tcp dport {own} dnat to 127.0.0.1',
                "  }",
                _chain("input", "nat", "input", 100),
                f'    iifname "{NS_IF}" ip daddr 127.0.0.1 snat to 127.0.0.1',
                "  }",
                _chain("output", "nat", "output", -100),
                f"    ip daddr 127.0.0.1 tcp dport != {own} dnat to {link.host_ip}",
                "  }",
                _chain("postrouting", "nat", "postrouting", 100),
                f'    oifname "{NS_IF}" ip saddr 127.0.0.0/8 snat to {link.ns_ip}',
                "  }",
                "}",
                "",
            ]
        )

    def fault_ruleset(self, cloud: str, scope: str) -> str:
        """Drop rules cutting `cloud`: from everyone (`all`), from the host/edge (`edge`), from the other cloud
        (`clouds`). Filter chains at priority -10, after the NAT output hook, so `ip daddr` is the namespace's."""
        if scope not in SCOPES:
            raise ValueError(f"unknown partition scope {scope!r}")
        link = self.link(cloud)
        inp, out, fwd = [], [], []
        if scope in ("all", "edge"):
            inp.append(f'    iifname "{link.host_if}" drop')
            out.append(f"    ip daddr {link.ns_ip} drop")
        if scope == "all":
            fwd += [f'    iifname "{link.host_if}" drop', f'    oifname "{link.host_if}" drop']
        if scope == "clouds":
            for other in self.links:
                if other is not link:
                    fwd.append(f'    iifname "{link.host_if}" oifname "{other.host_if}" drop')
                    fwd.append(f'    iifname "{other.host_if}" oifname "{link.host_if}" drop')
        t = self.fault_table
        lines = [f"add table ip {t}", f"delete table ip {t}", f"table ip {t} {{"]
        for name, rules in (("input", inp), ("output", out), ("forward", fwd)):
            lines += [_chain(name, "filter", name, -10), *rules, "  }"]
        return "\n".join([*lines, "}", ""])

    # ---- ip commands --------------------------------------------------------------------------------
    def setup_commands(self) -> list[list[str]]:
        """Namespaces, veths, addresses, routes and the per-interface sysctls (host side first)."""
        cmds: list[list[str]] = []
        for link in self.links:
            ns, hif = link.namespace, link.host_if
            cmds += [
                ["ip", "netns", "add", ns],
                ["ip", "link", "add", hif, "type", "veth", "peer", "name", NS_IF, "netns", ns],
                ["ip", "addr", "add", f"{link.host_ip}/30", "dev", hif],
                ["ip", "link", "set", hif, "up"],
                ["sysctl", "-qw", f"net.ipv4.conf.{hif}.route_localnet=1", f"net.ipv4.conf.{hif}.forwarding=1"],
                ["ip", "-n", ns, "link", "set", "lo", "up"],
                ["ip", "-n", ns, "addr", "add", f"{link.ns_ip}/30", "dev", NS_IF],
                ["ip", "-n", ns, "link", "set", NS_IF, "up"],
                ["ip", "-n", ns, "route", "add", "default", "via", link.host_ip],
                ["ip", "netns", "exec", ns, "sysctl", "-qw", f"net.ipv4.conf.{NS_IF}.route_localnet=1"],
            ]
        return cmds

    def teardown_commands(self) -> list[list[str]]:
        """Everything `setup_commands` and the rulesets made, each command harmless when its object is gone.

        The host veth is deleted explicitly (that removes its peer at once): a deleted namespace is freed by the
        kernel asynchronously, and its veth would outlive `ip netns del` for a moment."""
        cmds = [["nft", "delete", "table", "ip", self.fault_table], ["nft", "delete", "table", "ip", self.table]]
        cmds += [["ip", "link", "del", link.host_if] for link in self.links]
        cmds += [["ip", "netns", "del", link.namespace] for link in self.links]
        return cmds

    # ---- persistence --------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps({"tag": self.tag, "links": [asdict(x) for x in self.links], "holder": self.holder})

    @classmethod
    def from_json(cls, text: str) -> NetnsPlan:
        data = json.loads(text)
        links = tuple(CloudLink(**{**x, "ports": tuple(x["ports"])}) for x in data["links"])
        return cls(str(data["tag"]), links, dict(data.get("holder") or {}))

    def with_holder(self, pid: int, argv: list[str]) -> NetnsPlan:
        return NetnsPlan(self.tag, self.links, {"pid": pid, "argv": argv})


def _chain(name: str, kind: str, hook: str, priority: int) -> str:
    return f"  chain {name} {{\n    type {kind} hook {hook} priority {priority}; policy accept;"


def _set(ports: tuple[int, ...]) -> str:
    return "{ " + ", ".join(str(p) for p in sorted(ports)) + " }"


def sandbox_tag(directory: Path) -> str:
    """Six hex digits naming one sandbox's namespaces, veths and tables (interface names stay <= 15 chars)."""
    return hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:6]


def plan_netns(
    directory: Path, ports: dict[str, tuple[int, ...]], taken: set[ipaddress.IPv4Address] | None = None
) -> NetnsPlan:
    """The plan for the sandbox in `directory`; `ports[cloud]` are the ports its namespace serves; `taken` the
    IPv4 addresses already on the host (a /29 holding any of them is skipped)."""
    tag = sandbox_tag(directory)
    blocks = SUBNET.num_addresses // 8
    start = int(tag, 16) % blocks
    taken = taken or set()
    for step in range(blocks):
        base = SUBNET.network_address + ((start + step) % blocks) * 8
        block = ipaddress.IPv4Network(f"{base}/29")
        if not any(addr in block for addr in taken):
            break
    else:  # pragma: no cover - 8192 blocks all in use
        raise RuntimeError(f"no free /29 left in {SUBNET}")
    links = tuple(
        CloudLink(
            cloud,
            f"mcctl-{tag}-{cloud}",
            f"mcn{tag}{cloud[:2]}",
            str(base + 4 * i + 1),
            str(base + 4 * i + 2),
            tuple(ports[cloud]),
        )
        for i, cloud in enumerate(CLOUDS)
    )
    return NetnsPlan(tag, links)


def load_plan(directory: Path) -> NetnsPlan | None:
    """The isolation recorded for the sandbox in `directory`, or None (not isolated)."""
    try:
        return NetnsPlan.from_json((directory / STATE_FILE).read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_plan(directory: Path, plan: NetnsPlan) -> None:
    tmp = directory / (STATE_FILE + ".tmp")
    tmp.write_text(plan.to_json())
    os.replace(tmp, directory / STATE_FILE)


def missing_prerequisites(euid: int | None = None, path: str | None = None) -> str | None:
    """Why namespaces cannot be used here (not root, no `ip`, no `nft`), or None (`euid`, `path`: test seams)."""
    if (os.geteuid() if euid is None else euid) != 0:
        return "not running as root"
    missing = [tool for tool in ("ip", "nft", "sysctl") if shutil.which(tool, path=path) is None]
    if missing:
        return f"{' and '.join(f'`{m}`' for m in missing)} not found (iproute2, nftables, procps)"
    return None


class NetnsHost:
    """Applies a plan to this machine with iproute2 and nft (root)."""

    def __init__(self, timeout: float = 15.0) -> None:
        self.timeout = timeout

    def _run(self, argv: list[str], stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        from multicloud_ctl.errors import OperationFailed

        proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=self.timeout, check=False)
        if check and proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()[:1] or ["no output"]
            raise OperationFailed(f"`{' '.join(argv)}` failed: {detail[0]}", hint="`mcctl local down` cleans up")
        return proc

    def apply(self, plan: NetnsPlan) -> None:
        """Create namespaces, veths and NAT tables (after removing any leftover of the same plan)."""
        self.teardown(plan)
        for argv in plan.setup_commands():
            self._run(argv)
        self.apply_rules(plan)

    def apply_rules(self, plan: NetnsPlan) -> None:
        """(Re)load the NAT tables, on the host and in each namespace (atomic per table)."""
        self._run(["nft", "-f", "-"], stdin=plan.host_ruleset())
        for link in plan.links:
            self._run(["ip", "netns", "exec", link.namespace, "nft", "-f", "-"], stdin=plan.ns_ruleset(link.cloud))

    def teardown(self, plan: NetnsPlan) -> list[str]:
        """Remove everything of `plan` (idempotent); what is still there afterwards."""
        for argv in plan.teardown_commands():
            self._run(argv, check=False)
        return self.leftovers(plan)

    def leftovers(self, plan: NetnsPlan) -> list[str]:
        """The namespaces, host veths and nft tables of `plan` that exist now."""
        found = []
        names = set(self._run(["ip", "netns", "list"], check=False).stdout.split())
        found += [f"netns {link.namespace}" for link in plan.links if link.namespace in names]
        links = self._run(["ip", "-o", "link", "show"], check=False).stdout
        found += [f"veth {link.host_if}" for link in plan.links if f" {link.host_if}@" in links]
        tables = self._run(["nft", "list", "tables", "ip"], check=False).stdout.split("\n")
        found += [f"nft table {t}" for t in (plan.table, plan.fault_table) if f"table ip {t}" in tables]
        return found

    def host_addresses(self) -> set[ipaddress.IPv4Address]:
        out = self._run(["ip", "-4", "-o", "addr", "show"], check=False).stdout
        found = set()
        for line in out.splitlines():
            parts = line.split()
            if "inet" in parts:
                found.add(ipaddress.IPv4Interface(parts[parts.index("inet") + 1]).ip)
        return found

    def namespace_pids(self, namespace: str) -> list[int]:
        out = self._run(["ip", "netns", "pids", namespace], check=False).stdout
        return [int(p) for p in out.split() if p.isdigit()]

    def cut(self, plan: NetnsPlan, cloud: str, scope: str) -> None:
        self._run(["nft", "-f", "-"], stdin=plan.fault_ruleset(cloud, scope))

    def heal(self, plan: NetnsPlan) -> None:
        self._run(["nft", "delete", "table", "ip", plan.fault_table], check=False)


def holder_command(ports: tuple[int, ...]) -> list[str]:
    import sys

    return [sys.executable, "-m", "multicloud_ctl.local.netns", "hold", *(str(p) for p in ports)]


def hold(ports: list[int]) -> int:
    """Bind every port on 127.0.0.1 (no listen: a stray connection is refused, never left hanging), print one
    line, and keep them until SIGTERM."""
    import signal
    import socket
    import sys

    held = []
    for port in ports:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            print(f"error: port {port} on 127.0.0.1: {exc.strerror}", flush=True)
            return 2
        held.append(sock)
    print(f"holding {' '.join(map(str, ports))}", flush=True)
    sys.stdout.close()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":  # pragma: no cover - run as the holder process
    import sys

    if len(sys.argv) < 3 or sys.argv[1] != "hold":
        print("usage: python -m multicloud_ctl.local.netns hold PORT...", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(hold([int(p) for p in sys.argv[2:]]))
