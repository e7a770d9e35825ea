"""Preflight verdicts: fail and unaccepted unknown refuse, accepted unknown and skipped do not; what
--ungraceful skips for each direction; the table shows every check with its value."""

from __future__ import annotations

from multicloud_ctl.operations.failover.preflight import (
    CHECKS,
    PreflightCheck,
    refuse,
    skipped,
    ungraceful_skips,
    verdict,
)
from multicloud_ctl.operations.failover.switch import preflight_view


def checks() -> list[PreflightCheck]:
    return [
        PreflightCheck("target-healthy", True, "1 origin(s) answer", 1.0, "1/1 healthy"),
        PreflightCheck("sync-lag", None, "cannot measure: table Orders does not exist"),
        PreflightCheck("backup-age", False, "no daily backup found", None, "none"),
    ]


def test_fail_and_unknown_refuse_together() -> None:
    found = verdict(checks())
    assert [c.name for c in found.refusing] == ["backup-age", "sync-lag"]
    error = refuse(found, "azure")
    assert error.exit_code == 4
    assert "backup-age fail: no daily backup found" in error.message
    assert "sync-lag unknown: cannot measure" in error.message
    assert "--accept-unknown sync-lag" in (error.hint or "")


def test_an_accepted_unknown_does_not_refuse_but_a_failure_still_does() -> None:
    found = verdict(checks(), {"sync-lag", "backup-age"})
    assert [c.name for c in found.accepted] == ["sync-lag"] and found.accepted[0].accepted
    assert [c.name for c in found.refusing] == ["backup-age"]  # accepting a failed check changes nothing


def test_skipped_checks_never_refuse() -> None:
    found = verdict([skipped(n, "not checked") for n in CHECKS])
    assert not found.refusing and not found.accepted
    assert {c.result for c in [skipped("sync-lag", "x")]} == {"skipped"}


def test_ungraceful_skips_what_reads_the_gone_side() -> None:
    assert list(ungraceful_skips("aws")) == ["sync-lag"]  # DynamoDB streams
    assert list(ungraceful_skips("azure")) == ["sync-lag", "backup-age"]  # SQL checkpoints, Blob manifests
    assert "target-healthy" not in ungraceful_skips("aws") | ungraceful_skips("azure")


def test_the_table_shows_every_check_result_and_value() -> None:
    rows = checks()
    verdict(rows, {"sync-lag"})
    view = preflight_view(rows, "aws")
    assert view.columns == ("check", "result", "value", "detail")
    assert [r[:3] for r in view.rows] == [
        ("target-healthy", "pass", "1/1 healthy"),
        ("sync-lag", "unknown (accepted)", "-"),
        ("backup-age", "FAIL", "none"),
    ]
    assert view.title == "preflight (ungraceful: aws is gone)"
