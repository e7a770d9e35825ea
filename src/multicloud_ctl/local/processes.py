"""Start and stop the sandbox's emulator processes on 127.0.0.1 (used by `mcctl local up` and the tests)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from multicloud_ctl.errors import OperationFailed, UsageError

LOOPBACK = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[3]
AZURITE_DIR = REPO_ROOT / "tools" / "azurite"


PORT_RANGE_ENV = "MCCTL_FREE_PORTS"
_next_port: dict[tuple[int, int], int] = {}


def _port_range() -> tuple[int, int] | None:
    """`MCCTL_FREE_PORTS=LO-HI`: the range `free_port` picks from (None: the kernel's ephemeral choice)."""
    raw = os.environ.get(PORT_RANGE_ENV, "").strip()
    if not raw:
        return None
    lo, _, hi = raw.partition("-")
    try:
        first, last = int(lo), int(hi)
    except ValueError:
        raise UsageError(
            f"{PORT_RANGE_ENV}={raw!r} is not a port range", hint="write it as LO-HI, e.g. 20000-24999"
        ) from None
    if not 1024 <= first <= last <= 65535:
        raise UsageError(f"{PORT_RANGE_ENV}={raw!r} is not a port range", hint="1024 <= LO <= HI <= 65535")
    return first, last


def free_port() -> int:
    """A port that is free on 127.0.0.1 right now.

    A port from the kernel's ephemeral range is only free until someone else binds it: two processes that each
    ask for one and bind it later can get the same number (two pytest workers did, and one sandbox's ARM answered
    on the other's Azurite port). With `MCCTL_FREE_PORTS=LO-HI` (the test suite gives each worker its own range,
    below the ephemeral range) ports are handed out in turn from that range, so a process never hands out the
    same port twice until the range wraps and no other process of the suite picks from it.
    """
    span = _port_range()
    if span is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((LOOPBACK, 0))
            return int(sock.getsockname()[1])
    first, last = span
    size = last - first + 1
    start = _next_port.get(span, first)
    for step in range(size):
        port = first + (start - first + step) % size
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((LOOPBACK, port))
            except OSError:
                continue
        _next_port[span] = first + (port - first + 1) % size
        return port
    raise OperationFailed(f"no free port on {LOOPBACK} in {PORT_RANGE_ENV}={first}-{last}")


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((LOOPBACK, port)) == 0


def wait_http(url: str, *, timeout: float = 20.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until `url` answers any HTTP status; fail early if `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise OperationFailed(f"process for {url} exited with code {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise OperationFailed(f"{url} did not answer within {timeout:.0f}s")


@dataclass
class Emulator:
    """One running emulator process."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def stop(self, timeout: float = 5.0) -> None:
        stop_process(self.proc, timeout)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


def _spawn(cmd: list[str], log: Path | None) -> subprocess.Popen[bytes]:
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    try:
        return subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    finally:
        if log:
            out.close()  # type: ignore[union-attr]


def moto_command(port: int) -> list[str]:
    """moto server with CloudWatch's exact dimension-set matching (see `local/moto_strict.py`)."""
    return [sys.executable, "-m", "multicloud_ctl.local.moto_strict", "-H", LOOPBACK, "-p", str(port)]


def start_moto(port: int, log: Path | None = None) -> Emulator:
    """moto server on 127.0.0.1:port, ready when this returns."""
    if port_in_use(port):
        raise UsageError(
            f"port {port} on {LOOPBACK} is already taken (moto)",
            hint="stop what holds it, or change local.ports.moto in config/local.yaml",
        )
    proc = _spawn(moto_command(port), log)
    wait_http(f"http://{LOOPBACK}:{port}/moto-api/", proc=proc)
    return Emulator("moto", port, proc)


AZURITE_VERSION = "3.35.0"  # pinned (3.37 needs node 22); tools/azurite/package.json pins the same


def azurite_install_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where `mcctl local install` puts Azurite: `$XDG_DATA_HOME/mcctl/azurite` (`~/.local/share/...`)."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "mcctl" / "azurite"


def azurite_candidates(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Where Azurite is looked for, in order: MCCTL_AZURITE, the checkout's tools/azurite (`make setup`),
    `mcctl local install`'s directory, then `azurite-blob` on PATH."""
    environ = os.environ if environ is None else environ
    found = [Path(environ["MCCTL_AZURITE"])] if environ.get("MCCTL_AZURITE") else []
    found += [AZURITE_DIR / "node_modules" / ".bin" / "azurite-blob"]
    found += [azurite_install_dir(environ) / "node_modules" / ".bin" / "azurite-blob"]
    on_path = shutil.which("azurite-blob", path=environ.get("PATH"))
    return found + ([Path(on_path)] if on_path else [])


def azurite_binary() -> Path:
    """The first Azurite of `azurite_candidates` that exists."""
    for path in azurite_candidates():
        if path.exists():
            return path
    raise UsageError(
        "Azurite is not installed",
        hint=f"run `mcctl local install` (npm install of azurite {AZURITE_VERSION}), `make setup` in a checkout, "
        "or set MCCTL_AZURITE to an azurite-blob binary",
    )


def install_azurite(target: Path | None = None) -> Path:
    """`npm install` the pinned Azurite into `target` (default `azurite_install_dir()`); the binary's path."""
    target = target or azurite_install_dir()
    npm = shutil.which("npm")
    if npm is None:
        raise UsageError("npm is not installed; Azurite needs Node.js 20 and npm", hint="apt-get install nodejs npm")
    target.mkdir(parents=True, exist_ok=True)
    cmd = [npm, "install", "--prefix", str(target), "--no-audit", "--no-fund", "--loglevel=error"]
    done = subprocess.run([*cmd, f"azurite@{AZURITE_VERSION}"], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise OperationFailed(
            f"npm install azurite@{AZURITE_VERSION} failed: {tail[0][:300]}", hint="check npm's registry access"
        )
    return target / "node_modules" / ".bin" / "azurite-blob"


def azurite_command(port: int, location: Path, *, in_memory: bool = False) -> list[str]:
    """Azurite's command line; `in_memory`: metadata and blobs kept in memory (`--inMemoryPersistence`).

    On disk, Azurite's metadata store (LokiJS) writes its whole database out within 5 s of any change
    (`autosaveInterval: 5000`): 0.14-0.24 s of CPU per write at 8,000 blobs, in whatever runs next.
    """
    # Azurite refuses --location with --inMemoryPersistence ("not supported when the --location option is set")
    where = ["--inMemoryPersistence"] if in_memory else ["--location", str(location)]
    return [
        str(azurite_binary()),
        "--blobHost",
        LOOPBACK,
        "--blobPort",
        str(port),
        *where,
        "--disableTelemetry",
        "--skipApiVersionCheck",
        "--loose",
        "--silent",
    ]


def start_azurite(port: int, location: Path, log: Path | None = None, *, in_memory: bool = False) -> Emulator:
    """Azurite blob on 127.0.0.1:port with its data in `location` (or in memory), ready when this returns."""
    if port_in_use(port):
        raise UsageError(
            f"port {port} on {LOOPBACK} is already taken (azurite)",
            hint="stop what holds it, or change local.ports.azurite_blob in config/local.yaml",
        )
    if shutil.which("node") is None:
        raise UsageError("node is not installed; Azurite needs Node.js 20", hint="apt-get install nodejs npm")
    if not in_memory:
        location.mkdir(parents=True, exist_ok=True)
    proc = _spawn(azurite_command(port, location, in_memory=in_memory), log)
    wait_http(f"http://{LOOPBACK}:{port}/devstoreaccount1?comp=list", proc=proc)
    return Emulator("azurite", port, proc)
