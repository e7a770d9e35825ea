"""`mcctl failover drill`: a real drill through the local edge with an injected outage, and Ctrl-C safety."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from test_failover_cli import REPO, lb_state, run, write_playbook

from multicloud_ctl.engine.journal import list_journals, load_journal

pytestmark = pytest.mark.integration


def drill_playbook(
    tmp_path: Path, controller: Any, *, steady: float = 0.5, rto: float = 5, max_error_rate: float = 0.5
) -> Path:
    fo = write_playbook(tmp_path, "azure")
    path = tmp_path / "drill.yaml"
    path.write_text(f"""apiVersion: mcctl/v1
kind: Drill
metadata: {{name: drill}}
spec:
  to: azure
  failover: {{azure: {fo}}}
  inject: {{method: http, stop_url: "{controller.url}/stop/aws", start_url: "{controller.url}/start/aws"}}
  traffic: {{rate_per_second: 40, workers: 2, timeout_seconds: 1}}
  objectives: {{rto_seconds: {rto}, rpo_seconds: null, max_error_rate: {max_error_rate}}}
  steady_state_seconds: {steady}
  recovery_timeout_seconds: 10
""")
    return path


def test_drill_with_aws_stopped_serves_from_azure_and_fails_back(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], origins: Any, controller: Any, tmp_path: Path
) -> None:
    book = drill_playbook(tmp_path, controller)
    res = run(
        cli,
        fo_config,
        "failover",
        "drill",
        "--to",
        "azure",
        "--inject",
        "outage",
        "--playbook",
        str(book),
        "--yes",
    )
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["status"] == "passed"
    assert report["from"] == "aws" and report["to"] == "azure"
    assert 0 < report["rto_seconds"] < 5
    traffic = report["traffic"]
    assert traffic["requests"] > 20 and traffic["served_by"].get("azure", 0) > 0
    assert traffic["served_by"].get("aws", 0) > 0  # before the outage and after the fail-back
    assert traffic["errors"] >= 0 and report["error_rate"] == traffic["error_rate"]
    assert controller.calls == ["stop:aws", "start:aws"]
    assert origins["aws"].running
    assert lb_state(fo_env, lb)[:2] == (("aws", "azure"), "azure")
    assert [p["phase"] for p in report["phases"]] == [
        "steady-state-before",
        "inject",
        "failover",
        "recover",
        "failback",
        "steady-state-after",
    ]
    journal = load_journal(fo_env.env_state_dir, list_journals(fo_env.env_state_dir, verb="failover drill")[0]["id"])
    assert journal["status"] == "ok" and journal["measurements"]["rto_seconds"] == report["rto_seconds"]


def test_drill_missing_objectives_exits_3_after_failing_back(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], controller: Any, tmp_path: Path
) -> None:
    book = drill_playbook(tmp_path, controller, rto=0.001)
    res = run(cli, fo_config, "failover", "drill", "--inject", "outage", "--playbook", str(book), "--yes")
    assert res.exit_code == 3
    report = json.loads(res.stdout)
    assert report["status"] == "failed" and report["verdicts"]["rto"] is False
    assert lb_state(fo_env, lb)[:2] == (("aws", "azure"), "azure")


def test_a_drill_whose_source_is_already_down_is_refused_with_the_right_hint(
    cli: Any,
    fo_config: Path,
    fo_env: Any,
    edge: Any,
    lb: dict[str, str],
    origins: Any,
    controller: Any,
    tmp_path: Path,
) -> None:
    """The steady state is not met (aws, first, is unhealthy, so azure serves already): the refusal names the
    down pool and says to wait, not to drill the other way; with aws healthy, drilling --to aws is the other way."""
    from wait_support import wait_for

    api, _proxy = edge
    book = drill_playbook(tmp_path, controller)
    origins["aws"].stop()
    wait_for(lambda: not api.server.store.pool_healthy(lb["aws"]))
    res = run(cli, fo_config, "failover", "drill", "--to", "azure", "--inject", "outage", "--playbook", str(book),
              "--yes")  # fmt: skip
    assert res.exit_code == 4, res.stdout + res.stderr
    assert "aws ahead of it is unhealthy" in res.stderr and "shows aws serving" in res.stderr
    assert "--to azure" not in res.stderr
    assert controller.calls == []  # nothing injected
    origins["aws"].start()
    wait_for(lambda: api.server.store.pool_healthy(lb["aws"]))
    back = run(cli, fo_config, "failover", "drill", "--to", "aws", "--inject", "outage", "--playbook", str(book),
               "--yes")  # fmt: skip
    assert back.exit_code == 4 and "drill the other direction: --to azure" in back.stderr, back.stderr


@pytest.mark.slow
def test_ctrl_c_in_the_middle_of_a_drill_still_fails_back(
    fo_config: Path, fo_env: Any, lb: dict[str, str], origins: Any, controller: Any, tmp_path: Path
) -> None:
    book = drill_playbook(tmp_path, controller, steady=30)  # parks the drill after the switch
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "multicloud_ctl",
            "--config-dir",
            str(fo_config),
            "failover",
            "drill",
            "--inject",
            "outage",
            "--playbook",
            str(book),
            "--yes",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end and lb_state(fo_env, lb)[0][0] != "azure":
            assert proc.poll() is None, proc.communicate()[1]
            time.sleep(0.1)
        assert lb_state(fo_env, lb)[0][0] == "azure", "the drill never failed over"
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert lb_state(fo_env, lb)[:2] == (("aws", "azure"), "azure")
    assert controller.calls == ["stop:aws", "start:aws"] and origins["aws"].running
    journal = load_journal(fo_env.env_state_dir, list_journals(fo_env.env_state_dir, verb="failover drill")[0]["id"])
    assert journal["status"] == "interrupted"
    assert {r["id"] for r in journal["rollback"]} == {"restarted aws", "failed back to aws", "stopped traffic"}
    assert all(r["status"] == "ok" for r in journal["rollback"])


def test_drill_under_geo_steering_moves_every_list_and_fails_back_to_the_exact_lists(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], origins: Any, controller: Any, tmp_path: Path
) -> None:
    from test_failback_and_geo import geo_lb, raw_lb

    before = geo_lb(fo_env, lb)  # WEU [aws, azure], ENAM [aws], US [aws, azure], SJC [aws, azure]
    book = drill_playbook(tmp_path, controller)
    res = run(
        cli, fo_config, "failover", "drill", "--to", "azure", "--inject", "outage", "--playbook", str(book), "--yes"
    )
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["status"] == "passed" and report["traffic"]["served_by"].get("azure", 0) > 0
    assert raw_lb(fo_env, lb) == before  # ENAM is [aws] again, not [aws, azure]: restored, not re-planned
    switched = [
        step["output"]
        for j in list_journals(fo_env.env_state_dir, verb="failover")
        for step in load_journal(fo_env.env_state_dir, str(j["id"]))["steps"]
        if step.get("id") == "load-balancer"
    ]
    names = {lb["aws"]: "aws", lb["azure"]: "azure"}
    assert [{r: [names[i] for i in ps] for r, ps in out["region_pools"].items()} for out in switched] == [
        {"WEU": ["azure", "aws"], "ENAM": ["azure", "aws"]}
    ]
