"""`mcctl failover` end to end against the local edge (real SDK, real proxy) and stand-in origins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.engine.journal import list_journals, load_journal
from multicloud_ctl.providers.cloudflare.client import CloudflareClient

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]


def write_playbook(tmp_path: Path, to: str, *, deadline: float = 5, extra: str = "") -> Path:
    other = "aws" if to == "azure" else "azure"
    path = tmp_path / f"failover-{to}.yaml"
    path.write_text(f"""apiVersion: mcctl/v1
kind: Failover
metadata: {{name: failover-{to}}}
spec:
  to: {to}
  load_balancer:
    order: [{to}, {other}]
    fallback: {other}
  preflight: {{rpo_seconds: null, max_backup_age_seconds: null}}
  verify: {{deadline_seconds: {deadline}, interval_seconds: 0.05, consecutive: 3}}
{extra}""")
    return path


def lb_state(env: Any, lb: dict[str, str]) -> tuple[tuple[str, ...], str, dict[str, bool]]:
    cf = CloudflareClient(env)
    got = cf.get_load_balancer(lb["lb"])
    names = {lb["aws"]: "aws", lb["azure"]: "azure"}
    pools = {p.name: p.enabled for p in cf.list_pools()}
    return tuple(names[p] for p in got.default_pools), names[got.fallback_pool], pools


def run(cli: Any, config: Path, *args: str) -> Any:
    return cli("--config-dir", str(config), "--output", "json", *args)


def test_failover_to_azure_switches_verifies_and_journals(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    book = write_playbook(tmp_path, "azure")
    res = run(cli, fo_config, "failover", "--to", "azure", "--playbook", str(book), "--yes")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["status"] == "ok" and 0 < doc["rto_seconds"] < 5
    assert lb_state(fo_env, lb)[:2] == (("azure", "aws"), "aws")
    journal = load_journal(fo_env.env_state_dir, list_journals(fo_env.env_state_dir, verb="failover")[-1]["id"])
    assert journal["status"] == "ok" and journal["measurements"]["rto_seconds"] == doc["rto_seconds"]
    assert "rpo_seconds" in journal["measurements"]
    intended = json.loads((fo_env.env_state_dir / "failover" / "intended.json").read_text())
    assert intended["serving"] == "azure" and intended["load_balancer"]["default_pools"] == ["azure", "aws"]
    assert intended["automatic_failback"] is False and intended["failback"] == "pinned"
    assert intended["previous"]["default_pools"] == ["aws", "azure"]
    cf = CloudflareClient(fo_env)
    raw = cf.sdk.load_balancers.get(lb["lb"], zone_id=cf.zone_id)
    # zero_downtime_failover is about affinity sessions within a pool: failover leaves it as it was
    assert raw.session_affinity_attributes.zero_downtime_failover == "temporary"
    status = run(cli, fo_config, "failover", "status")
    assert status.exit_code == 0
    sdoc = json.loads(status.stdout)
    assert sdoc["serving"] == "azure" and sdoc["last_runs"][0]["status"] == "ok"
    assert sdoc["automatic_failback"] is False and sdoc["intended"]["failback"] == "pinned"
    # and back: the failback setting returns to what was recorded
    back = run(cli, fo_config, "failover", "--to", "aws", "--playbook", str(write_playbook(tmp_path, "aws")), "--yes")
    assert back.exit_code == 0, back.stderr
    assert lb_state(fo_env, lb)[:2] == (("aws", "azure"), "azure")
    # history: both runs, newest first, with RTO, RPO and per-step durations, and the summary over them
    hist = run(cli, fo_config, "failover", "history")
    assert hist.exit_code == 0, hist.stderr
    hdoc = json.loads(hist.stdout)
    assert [r["to"] for r in hdoc["runs"]] == ["aws", "azure"]
    assert hdoc["runs"][1]["rto_seconds"] == doc["rto_seconds"]
    assert all(st["duration_s"] is not None for st in hdoc["runs"][1]["steps"]) and hdoc["runs"][1]["steps"]
    rtos = sorted(r["rto_seconds"] for r in hdoc["runs"])
    assert hdoc["summary"]["measured"] == 2 and hdoc["summary"]["rto_max_seconds"] == rtos[-1]
    assert hdoc["summary"]["rto_median_seconds"] == round(sum(rtos) / 2, 3)


def test_dry_run_changes_nothing(cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path) -> None:
    before = lb_state(fo_env, lb)
    res = run(
        cli,
        fo_config,
        "failover",
        "--to",
        "azure",
        "--playbook",
        str(write_playbook(tmp_path, "azure")),
        "--dry-run",
    )
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["dry_run"] is True and any(s["action"] == "cloudflare.set_load_balancer" for s in doc["plan"]["steps"])
    assert lb_state(fo_env, lb) == before
    assert not (fo_env.env_state_dir / "failover" / "intended.json").exists()


def test_unhealthy_target_refused_exit_4_nothing_changed(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], origins: Any, tmp_path: Path
) -> None:
    before = lb_state(fo_env, lb)
    origins["azure"].healthy = False
    res = run(
        cli,
        fo_config,
        "failover",
        "--to",
        "azure",
        "--playbook",
        str(write_playbook(tmp_path, "azure")),
        "--yes",
    )
    assert res.exit_code == 4
    assert "refused by preflight" in res.stderr and "target-healthy" in res.stderr
    assert lb_state(fo_env, lb) == before
    journal = load_journal(fo_env.env_state_dir, list_journals(fo_env.env_state_dir, verb="failover")[-1]["id"])
    assert journal["status"] == "refused" and journal["steps"] == []


def test_force_overrides_preflight_with_recorded_reason(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], origins: Any, tmp_path: Path
) -> None:
    origins["azure"].delay = 0.0
    book = write_playbook(tmp_path, "azure")
    assert (
        run(cli, fo_config, "failover", "--to", "azure", "--playbook", str(book), "--yes", "--force").exit_code == 2
    )  # --force without --reason
    # target answers 200 but not `status == ok`-style JSON: make the preflight condition fail, force it
    strict = write_playbook(tmp_path, "azure", extra="")
    text = strict.read_text().replace("preflight: {", "preflight: {health_conditions: ['[BODY].cloud == aws'], ")
    strict.write_text(text)
    res = run(
        cli,
        fo_config,
        "failover",
        "--to",
        "azure",
        "--playbook",
        str(strict),
        "--yes",
        "--force",
        "--reason",
        "INC-42 AWS outage",
    )
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["forced_reason"] == "INC-42 AWS outage"
    journal = load_journal(fo_env.env_state_dir, list_journals(fo_env.env_state_dir, verb="failover")[-1]["id"])
    assert journal["forced"]["reason"] == "INC-42 AWS outage"
    assert journal["forced"]["overridden"] == ["target-healthy"]


def test_verification_failure_rolls_back_exit_1(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    """Verification expects `cf-origin` of azure but the header checked is one the edge never sets."""
    before = lb_state(fo_env, lb)
    book = write_playbook(tmp_path, "azure", deadline=1)
    book.write_text(book.read_text().replace("verify: {", "verify: {origin_header: x-not-set, "))
    res = run(cli, fo_config, "failover", "--to", "azure", "--playbook", str(book), "--yes")
    assert res.exit_code == 1
    assert "rolled back" in res.stderr
    assert lb_state(fo_env, lb) == before
    cf = CloudflareClient(fo_env)
    raw = cf.sdk.load_balancers.get(lb["lb"], zone_id=cf.zone_id)
    assert raw.session_affinity_attributes.zero_downtime_failover == "temporary"
    assert not (fo_env.env_state_dir / "failover" / "intended.json").exists()
    journal = load_journal(fo_env.env_state_dir, list_journals(fo_env.env_state_dir, verb="failover")[-1]["id"])
    assert journal["status"] == "rolled_back" and journal["rollback"]


def test_two_failovers_at_once_one_refused(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    """A slow failover (verification waiting on a header that never comes) holds the lock in another process."""
    slow = write_playbook(tmp_path, "azure", deadline=8)
    slow.write_text(slow.read_text().replace("verify: {", "verify: {origin_header: x-not-set, "))
    env = {**os.environ, "MCCTL_DEBUG": "0"}
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "multicloud_ctl",
            "--config-dir",
            str(fo_config),
            "failover",
            "--to",
            "azure",
            "--playbook",
            str(slow),
            "--yes",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lock_info = fo_env.env_state_dir / "locks" / "failover.json"
        end = time.monotonic() + 20
        while not lock_info.exists() and time.monotonic() < end:
            time.sleep(0.05)
        assert lock_info.exists(), "the first failover never took the lock"
        second = run(
            cli,
            fo_config,
            "failover",
            "--to",
            "azure",
            "--playbook",
            str(write_playbook(tmp_path, "azure")),
            "--yes",
        )
        assert second.exit_code == 4
        assert "lock" in second.stderr
    finally:
        _out, err = first.communicate(timeout=60)
    assert first.returncode == 1, err  # its own verification fails and it rolls back


def test_a_failover_killed_mid_run_is_named_by_the_next_one_which_completes_it(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    """SIGKILL after the load balancer was switched (verification still waiting): the lease is left (a dead
    owner on this host), the journal `abandoned`. The next failover says what the killed one did, and completes
    it; the one after that (to aws) would reverse it, and says so too."""
    import signal

    slow = write_playbook(tmp_path, "azure", deadline=60)
    slow.write_text(slow.read_text().replace("verify: {", "verify: {origin_header: x-not-set, "))
    cmd = [sys.executable, "-m", "multicloud_ctl", "--config-dir", str(fo_config), "failover", "--to", "azure"]
    first = subprocess.Popen([*cmd, "--playbook", str(slow), "--yes"], cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        end = time.monotonic() + 60
        while lb_state(fo_env, lb)[:2] != (("azure", "aws"), "aws"):  # the switch step has run
            assert time.monotonic() < end and first.poll() is None, "the first failover never switched"
            time.sleep(0.1)
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    killed = list_journals(fo_env.env_state_dir, verb="failover")[0]
    assert killed["status"] == "abandoned"
    res = run(
        cli, fo_config, "failover", "--to", "azure", "--playbook", str(write_playbook(tmp_path, "azure")), "--yes"
    )
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["previous_unfinished"]["id"] == killed["id"] and "load-balancer" in doc["previous_unfinished"]["done"]
    assert "was killed" in res.stderr and "completes it" in res.stderr
    assert lb_state(fo_env, lb)[:2] == (("azure", "aws"), "aws")
