"""Shared fixtures: real emulators started once per session on free loopback ports.

- `moto_server`: moto server over HTTP; `aws` resets it before each test that uses it.
- `azurite`: Azurite blob with a temp data directory.
- `postgres_url`: a fresh database on the machine's PostgreSQL (skips only if none is reachable and not in CI).
- `local_env`: an `Environment` for the sandbox whose ports point at the session's emulators.
- `cli`: runs `mcctl` in-process through Typer's runner with catch_exceptions=False.
- Time: a test that depends on the calendar is marked `calendar` and reads the date it means from
  `pinned_clock` (the instant `MCCTL_TEST_NOW` names, default `TEST_NOW`). The fixture pins the product's clock
  (`MCCTL_NOW`, anchored to this session so every pin shares one timeline) for the test; `pin_clock(at)`
  pins another instant. `make test-calendar` reruns `-m calendar` at the month, leap-day, year and
  daylight-saving edges.
- Conformance: every request a test sends to an in-process fake (the fake ARM and Cloudflare APIs) must conform to
  the published API definitions (tests/conformance_support.py); `conformance_of_the_fakes` fails the test after
  it runs otherwise. A test that sends a refused request on purpose is marked `violations_expected`.
"""

from __future__ import annotations

import os
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from calendar_support import TEST_NOW
from multicloud_ctl.local.processes import Emulator, free_port, start_azurite, start_moto

# Each pytest worker picks the ports of its emulators and sandboxes from its own range, below the kernel's
# ephemeral range (32768+): two workers asking the kernel for "a free port" could get the same one before either
# bound it (a sandbox's ARM once lost its port to another worker's Azurite).
# `MCCTL_SUITE_PORTS=LO-HI` moves the whole suite's ranges (nine slots: eight workers and a run without
# xdist) so two suites on one machine (two worktrees) do not hand out the same ports; default 20000-32599.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_SLOT = int(_WORKER[2:]) if _WORKER.startswith("gw") and _WORKER[2:].isdigit() and int(_WORKER[2:]) < 8 else 8
_SUITE_LO, _, _SUITE_HI = os.environ.get("MCCTL_SUITE_PORTS", "20000-32599").partition("-")
_SLOT_SIZE = (int(_SUITE_HI) - int(_SUITE_LO) + 1) // 9
_SLOT_LO = int(_SUITE_LO) + _SLOT * _SLOT_SIZE
os.environ["MCCTL_FREE_PORTS"] = f"{_SLOT_LO}-{_SLOT_LO + _SLOT_SIZE - 1}"  # workers inherit env

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("AWS_PROFILE", None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect the test files that hold a test marked `slow` first (otherwise in collection order).

    xdist's `load` schedule deals the first quarter of the collection round-robin to the workers, then hands
    out the rest in collection order as they drain; a two-minute test collected late kept one worker busy while
    the others had nothing left (the last 1 % of the suite took ~90 s on 2026-12-04). Dealt out first, the long
    tests run side by side and the short ones fill in around them. (`--dist worksteal` would do the opposite
    here: it gives each worker a contiguous quarter, so the first worker would get every long test.)
    """
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow)  # stable: collection order within each group


# The instant calendar tests run at (`make test-calendar` sets MCCTL_TEST_NOW to each edge date in turn).
SESSION_ANCHOR = f"{time.time():.6f}"  # every pin in this process shares one timeline


def pin_environ(at: str) -> dict[str, str]:
    """The variables that pin the product's clock at `at` on this session's timeline."""
    return {"MCCTL_NOW": at, "MCCTL_NOW_ANCHOR": SESSION_ANCHOR}


@pytest.fixture
def pin_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`pin_clock("2026-03-01T00:00:00Z")` pins the product's clock there for this test and returns it."""
    from multicloud_ctl.engine.clock import default_clock

    def pin(at: str) -> Any:
        for key, value in pin_environ(at).items():
            monkeypatch.setenv(key, value)
        return default_clock()

    return pin


@pytest.fixture
def pinned_clock(pin_clock: Any) -> Any:
    """The product's clock pinned at `TEST_NOW` (MCCTL_TEST_NOW) for this test: a `Clock`."""
    return pin_clock(TEST_NOW)


@pytest.fixture(scope="module")
def module_pinned_clock() -> Iterator[Any]:
    """`pinned_clock` for module-scoped fixtures (a seeded sandbox shared by a module's tests)."""
    from multicloud_ctl.engine.clock import default_clock

    with pytest.MonkeyPatch.context() as mp:
        for key, value in pin_environ(TEST_NOW).items():
            mp.setenv(key, value)
        yield default_clock()


@pytest.fixture(autouse=True)
def _calendar_tests_are_pinned(request: pytest.FixtureRequest) -> None:
    """A `calendar` test always runs on a pinned clock, never on today's date."""
    if request.node.get_closest_marker("calendar") is not None:
        request.getfixturevalue("pinned_clock")


@pytest.fixture(autouse=True)
def conformance_of_the_fakes(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test: no violation and no unchecked body in what the in-process fakes received during it."""
    from conformance_support import problems
    from multicloud_ctl.local.jsonhttp import JsonServer

    marks = {id(s): s.conformance.total for s in JsonServer.live()}
    yield
    if request.node.get_closest_marker("violations_expected") is not None:
        return
    records = [r for s in JsonServer.live() for r in s.conformance.entries(since=marks.get(id(s), 0))]
    found = problems(records)
    if found:
        pytest.fail("requests the clouds would refuse or that no schema checked:\n  " + "\n  ".join(found[:20]))


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = start_moto(free_port(), log=tmp_path_factory.mktemp("moto") / "moto.log")
    yield emu
    emu.stop()


def reset_moto(url: str) -> None:
    req = urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")
    urllib.request.urlopen(req, timeout=10).close()


@pytest.fixture
def aws(moto_server: Emulator) -> str:
    """The moto endpoint URL, with all AWS state reset for this test."""
    reset_moto(moto_server.url)
    return moto_server.url


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    loc = tmp_path_factory.mktemp("azurite")
    emu = start_azurite(free_port(), loc, log=loc / "azurite.log")
    yield emu
    emu.stop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test, dropped afterwards."""
    import psycopg

    name = f"mcctl_test_{uuid.uuid4().hex[:10]}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class SandboxPorts:
    moto: int
    azurite_blob: int


@pytest.fixture(scope="session")
def refusing_port() -> Iterator[int]:
    """A loopback port that refuses connections for the whole session: bound, never listening."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


@pytest.fixture
def local_env(tmp_path: Path, aws: str, request: pytest.FixtureRequest) -> Any:
    """The `local` environment with its state dir in tmp_path and moto on the session's port.

    Azurite is wired in only when the test also asks for the `azurite` fixture. The environment lease lives in
    DynamoDB alone here (the sandbox's three-store quorum needs Azurite and the edge running: the tests of the
    quorum and the sandbox's own tests use it).
    """
    from multicloud_ctl.config.loader import load_environment

    base = load_environment("local", REPO / "config")
    base = base.model_copy(update={"lease": base.lease.model_copy(update={"stores": ["aws"]})})
    ports = {"moto": int(aws.rsplit(":", 1)[1])}
    if "azurite" in request.fixturenames:
        ports["azurite_blob"] = request.getfixturevalue("azurite").port
    else:  # never the default 10000: a developer's running sandbox would answer there ("no Azurite" tests)
        ports["azurite_blob"] = request.getfixturevalue("refusing_port")
    base = base.with_local_ports(**ports)
    sql_url = f"sqlite:///{tmp_path / 'azure-sql.db'}"
    return base.model_copy(
        update={
            "state_dir": tmp_path / "state",
            "azure": base.azure.model_copy(update={"sql": base.azure.sql.model_copy(update={"url": sql_url})}),
        }
    )


def write_env_dir(env: Any, directory: Path) -> Path:
    """Write `env` as `directory/<name>.yaml` so the CLI can load it with --config-dir."""
    import yaml

    directory.mkdir(parents=True, exist_ok=True)
    data = env.model_dump(mode="json", exclude_none=True)
    (directory / f"{env.name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return directory


@pytest.fixture
def config_dir(local_env: Any, tmp_path: Path) -> Path:
    """A config directory holding `local.yaml` for `local_env` (for CLI tests: --config-dir)."""
    return write_env_dir(local_env, tmp_path / "config")


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli() -> Any:
    """Run mcctl in-process: `cli("health", "--output", "json")` -> CliResult(exit_code, stdout, stderr)."""
    from typer.testing import CliRunner

    from multicloud_ctl.cli.app import app

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> CliResult:
        runner = CliRunner()
        result = runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run
