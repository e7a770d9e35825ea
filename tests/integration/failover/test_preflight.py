"""Failover preflight tells the whole truth at once (issue 17 item 2): every check in one table with its
result (pass / fail / unknown / skipped) and measured value, unknown refuses unless accepted by name, the same
table in a dry run, an ungraceful mode that skips what reads the failed side, and an RTO that starts when the
operator confirms. Real edge (API + proxy), real SDK, stand-in origins, moto, Azurite; nothing is patched."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from test_failover_cli import lb_state, run, write_playbook

from multicloud_ctl.engine.journal import list_journals, load_journal

pytestmark = pytest.mark.integration


def last_journal(env: Any) -> dict[str, Any]:
    return load_journal(env.env_state_dir, list_journals(env.env_state_dir, verb="failover")[0]["id"])


def checked_playbook(tmp_path: Path, *, backup: bool = True, extra: str = "") -> Path:
    """A failover-to-azure playbook that checks the sync lag (and the backup age): a fresh sandbox has neither."""
    book = write_playbook(tmp_path, "azure")
    limits = "rpo_seconds: 300, " + ("max_backup_age_seconds: 93600, " if backup else "max_backup_age_seconds: null, ")
    book.write_text(
        book.read_text().replace(
            "preflight: {rpo_seconds: null, max_backup_age_seconds: null}",
            "preflight: {" + limits + "measure_timeout_seconds: 5" + extra + "}",
        )
    )
    return book


def results(doc: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["result"] for c in doc["preflight"]}


def table_rows(stdout: str) -> dict[str, list[str]]:
    """The preflight table's rows as printed, by check name (words split on blanks)."""
    table = [line.split() for line in stdout.splitlines()]
    assert ["check", "result", "value", "detail"] in table, stdout
    return {r[0]: r for r in table if r and r[0] in ("target-healthy", "sync-lag", "backup-age")}


def test_every_check_in_one_table_and_one_refusal(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], azurite: Any, tmp_path: Path
) -> None:
    """A fresh sandbox: no backup (fail) and no sync tables (unknown) are refused together, not one per retry."""
    before = lb_state(fo_env, lb)
    book = str(checked_playbook(tmp_path))
    res = cli("--config-dir", str(fo_config), "failover", "--to", "azure", "--playbook", book, "--yes")
    assert res.exit_code == 4, res.stderr
    rows = table_rows(res.stdout)
    assert rows["target-healthy"][1:3] == ["pass", "1/1"]
    assert rows["sync-lag"][1] == "UNKNOWN" and rows["backup-age"][1:3] == ["FAIL", "none"]
    error = res.stderr.split("hint:")[0]
    assert "sync-lag unknown" in error and "backup-age fail: no daily backup found" in error
    assert "--accept-unknown sync-lag" in res.stderr and "--accept-unknown backup-age" not in res.stderr
    assert lb_state(fo_env, lb) == before
    journal = last_journal(fo_env)
    assert journal["status"] == "refused" and journal["steps"] == []
    assert {c["name"]: c["result"] for c in journal["preflight"]} == {
        "target-healthy": "pass",
        "sync-lag": "unknown",
        "backup-age": "fail",
    }
    # the JSON document carries the same verdicts on a refusal
    doc = json.loads(run(cli, fo_config, "failover", "--to", "azure", "--playbook", book, "--yes").stdout)
    assert doc["status"] == "refused" and results(doc) == {
        k: c["result"] for k, c in zip(("target-healthy", "sync-lag", "backup-age"), journal["preflight"], strict=True)
    }


def test_dry_run_shows_the_same_table_and_the_same_verdict(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], azurite: Any, tmp_path: Path
) -> None:
    before = lb_state(fo_env, lb)
    book = str(checked_playbook(tmp_path))
    real = run(cli, fo_config, "failover", "--to", "azure", "--playbook", book, "--yes")
    dry = run(cli, fo_config, "failover", "--to", "azure", "--playbook", book, "--dry-run")
    assert real.exit_code == dry.exit_code == 4
    real_doc, dry_doc = json.loads(real.stdout), json.loads(dry.stdout)
    assert dry_doc["dry_run"] is True and results(dry_doc) == results(real_doc)
    assert [c["detail"] for c in dry_doc["preflight"]] == [c["detail"] for c in real_doc["preflight"]]
    shown = cli("--config-dir", str(fo_config), "failover", "--to", "azure", "--playbook", book, "--dry-run")
    assert shown.exit_code == 4
    rows = table_rows(shown.stdout)
    assert [rows[k][1] for k in ("target-healthy", "sync-lag", "backup-age")] == ["pass", "UNKNOWN", "FAIL"]
    assert "plan: failover" in shown.stdout  # what would be done, below the table
    assert lb_state(fo_env, lb) == before
    assert not (fo_env.env_state_dir / "failover" / "intended.json").exists()


def test_target_health_unknown_under_load_refuses(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], origins: Any, tmp_path: Path
) -> None:
    """The target takes the connection but answers too slowly: unknown, and unknown does not pass silently."""
    before = lb_state(fo_env, lb)
    origins["azure"].delay = 1.0
    book = write_playbook(tmp_path, "azure")
    book.write_text(book.read_text().replace("preflight: {", "preflight: {timeout_seconds: 0.3, "))
    res = run(cli, fo_config, "failover", "--to", "azure", "--playbook", str(book), "--yes")
    assert res.exit_code == 4, res.stderr
    doc = json.loads(res.stdout)
    assert results(doc) == {"target-healthy": "unknown", "sync-lag": "skipped", "backup-age": "skipped"}
    assert "target-healthy unknown: no answer within 0.3s" in res.stderr
    assert "--accept-unknown target-healthy" in res.stderr
    assert lb_state(fo_env, lb) == before


def test_accept_unknown_by_name_is_journaled_with_its_reason(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    """Without Azurite the backup age cannot be measured either: each unknown must be accepted by name."""
    book = str(checked_playbook(tmp_path))
    args = ("failover", "--to", "azure", "--playbook", book, "--yes")
    one = run(cli, fo_config, *args, "--accept-unknown", "sync-lag")
    assert one.exit_code == 4
    assert "backup-age unknown" in one.stderr and "sync-lag unknown" not in one.stderr
    assert json.loads(one.stdout)["accepted_unknown"][0]["check"] == "sync-lag"
    both = run(cli, fo_config, *args, "--accept-unknown", "sync-lag", "--accept-unknown", "backup-age")
    assert both.exit_code == 0, both.stderr
    doc = json.loads(both.stdout)
    assert doc["status"] == "ok" and doc["rto_from"] == "command start" and 0 < doc["rto_seconds"] < 5
    assert {c["check"] for c in doc["accepted_unknown"]} == {"sync-lag", "backup-age"}
    journal = last_journal(fo_env)
    assert journal["status"] == "ok"
    accepted = {a["check"]: a["reason"] for a in journal["accepted_unknown"]}
    assert accepted["sync-lag"].startswith("cannot measure: ") and "Orders" in accepted["sync-lag"]
    assert accepted["backup-age"].startswith("cannot measure: ")
    assert journal["inputs"]["accept_unknown"] == ["backup-age", "sync-lag"]
    assert lb_state(fo_env, lb)[0] == ("azure", "aws")


def test_accept_unknown_naming_no_check_is_a_usage_error(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    before = lb_state(fo_env, lb)
    book = str(checked_playbook(tmp_path))
    res = run(cli, fo_config, "failover", "--to", "azure", "--playbook", book, "--yes", "--accept-unknown", "sync")
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        "error: --accept-unknown sync: no such preflight check (checks: target-healthy, sync-lag, backup-age)",
        "hint: name a check the preflight table shows as `unknown`; repeat the option for several",
    ]
    assert lb_state(fo_env, lb) == before
    assert list_journals(fo_env.env_state_dir, verb="failover") == []


def test_ungraceful_skips_what_reads_the_gone_side_and_says_which(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], origins: Any, tmp_path: Path
) -> None:
    """AWS is gone (its origin stopped, its tables absent): the sync lag reads DynamoDB, so it is skipped."""
    origins["aws"].stop()
    book = str(checked_playbook(tmp_path, backup=False))
    graceful = run(cli, fo_config, "failover", "--to", "azure", "--playbook", book, "--yes")
    assert graceful.exit_code == 4 and results(json.loads(graceful.stdout))["sync-lag"] == "unknown"
    shown = cli(
        "--config-dir", str(fo_config), "failover", "--to", "azure", "--playbook", book, "--ungraceful", "--dry-run"
    )
    assert shown.exit_code == 0, shown.stderr
    assert "preflight (ungraceful: aws is gone)" in shown.stdout
    assert table_rows(shown.stdout)["sync-lag"][1] == "skipped"
    assert "DynamoDB stream positions on aws, which is gone" in " ".join(shown.stdout.split())
    res = run(cli, fo_config, "failover", "--to", "azure", "--playbook", book, "--yes", "--ungraceful")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert results(doc) == {"target-healthy": "pass", "sync-lag": "skipped", "backup-age": "skipped"}
    assert list(doc["ungraceful_skipped"]) == ["sync-lag"]
    assert doc["plan"]["summary"]["ungraceful_skipped"] == doc["ungraceful_skipped"]
    assert doc["rpo_seconds"] is None  # the RPO reads the source too: not measured, not invented
    journal = last_journal(fo_env)
    assert journal["status"] == "ok" and journal["inputs"]["ungraceful"] is True
    assert journal["ungraceful"]["source"] == "aws"
    assert [s["check"] for s in journal["ungraceful"]["skipped"]] == ["sync-lag"]
    assert lb_state(fo_env, lb)[0] == ("azure", "aws")


def test_rto_is_measured_from_the_confirmation_not_the_prompt(
    fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path, pinned_clock: Any
) -> None:
    """An operator reads the plan for 5 s before typing y: the RTO does not count those seconds."""
    from tty_support import on_a_tty

    pause = 5.0  # well above an RTO on a loaded 2-core machine, so the test can only pass with the fix
    book = str(write_playbook(tmp_path, "azure"))
    code, out = on_a_tty(fo_config, "failover", "--to", "azure", "--playbook", book, answer="y", delay=pause)
    assert code == 0, out
    journal = last_journal(fo_env)
    origin = journal["rto_origin"]
    assert origin["from"] == "confirmation"
    started = datetime.fromisoformat(journal["started"].replace("Z", "+00:00"))
    confirmed = datetime.fromisoformat(origin["at"])
    assert started.date() == pinned_clock.today()  # the child ran on the pinned clock
    assert (confirmed - started).total_seconds() >= pause  # the pause happened on that clock...
    rto = journal["measurements"]["rto_seconds"]
    assert 0 < rto < pause, out  # ...and is not in the RTO
    assert f"RTO {rto}s from confirmation" in out
