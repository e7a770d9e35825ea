"""Failover readiness (issue 17 item 4): every check for each direction in one table, exit 3 with findings,
0 when ready, and no mutating call on any provider. Real edge (API + proxy), real SDK, stand-in origins, moto;
nothing is patched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_failover_cli import lb_state, run, write_playbook

from multicloud_ctl.operations.failover.readiness import CHECKS

pytestmark = pytest.mark.integration

# the fake edge cannot tell a token its own permissions: every plan with a Cloudflare call reads unknown there
ACCEPT = ("--accept-unknown", "permissions-cloudflare")


def playbooks(tmp_path: Path) -> Path:
    directory = tmp_path / "playbooks"
    directory.mkdir(exist_ok=True)
    for to in ("azure", "aws"):
        write_playbook(directory, to)
    return directory


def readiness(cli: Any, config: Path, books: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    res = run(cli, config, "failover", "readiness", "--playbooks", str(books), *args)
    return res, json.loads(res.stdout)


def results(doc: dict[str, Any], to: str) -> dict[str, str]:
    return {c["name"]: c["result"] for c in doc["checks"] if c["to"] == to}


def test_a_ready_sandbox_exits_0_with_every_check_shown(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    before = lb_state(fo_env, lb)
    books = playbooks(tmp_path)
    res, doc = readiness(cli, fo_config, books, *ACCEPT)
    assert res.exit_code == 0, res.stderr
    assert doc["ready"] is True and doc["findings"] == []
    for to in ("azure", "aws"):
        got = results(doc, to)
        assert list(got) == list(CHECKS)
        assert got["lb-pools"] == got["target-capacity"] == got["secrets"] == got["dns"] == "pass"
        assert got["permissions-aws"] == "pass"  # the plan makes no AWS call
        assert got["permissions-azure"] == "pass"  # nor an Azure RBAC call (no SQL group, no bus alias)
        assert got["sync-lag"] == got["backup-age"] == got["certificates"] == "skipped"
    # aws serves already: its plan changes nothing on Cloudflare; azure's switches pools (unknown, accepted)
    assert results(doc, "aws")["permissions-cloudflare"] == "pass"
    assert results(doc, "azure")["permissions-cloudflare"] == "unknown"
    azure = {c["name"]: c for c in doc["checks"] if c["to"] == "azure"}
    assert azure["target-capacity"]["measured"].startswith("1/1 healthy")
    assert azure["permissions-cloudflare"]["accepted"] is True
    assert "PATCH" in azure["permissions-cloudflare"]["detail"]
    # without accepting it, the unknown is a finding: never a silent pass
    res, doc = readiness(cli, fo_config, books, "--to", "azure")
    assert res.exit_code == 3 and doc["findings"] == [
        f"azure permissions-cloudflare unknown: {azure['permissions-cloudflare']['detail']}"
    ]
    assert lb_state(fo_env, lb) == before
    table = cli("--config-dir", str(fo_config), "failover", "readiness", "--playbooks", str(books), *ACCEPT)
    assert table.exit_code == 0 and "failover readiness: READY" in table.stdout
    rows = [line.split() for line in table.stdout.splitlines()]
    assert ["to", "check", "result", "value", "detail"] in rows
    assert sum(1 for r in rows if r[:1] in (["azure"], ["aws"])) == 2 * len(CHECKS)


def test_zero_mutating_calls(fo_env: Any, lb: dict[str, str], tmp_path: Path) -> None:
    from multicloud_ctl.config.playbook import load_playbook
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.readiness import evaluate

    books = playbooks(tmp_path)
    specs = {to: load_playbook(books / f"failover-{to}.yaml", "Failover").spec for to in ("azure", "aws")}
    rt = Runtime(fo_env)  # not dry-run guarded here: a mutating call would go through and be counted
    found = evaluate(rt, specs)
    assert [(to, c.name) for to, c in found.findings] == [("azure", "permissions-cloudflare")]
    assert rt.cloudflare.counter.total > 0 and rt.cloudflare.counter.mutating == 0
    assert rt.cloudflare.counter.blocked == 0
    assert rt.aws.counter.mutating == 0 and rt.aws.counter.blocked == 0


def test_a_disabled_origin_is_a_finding_naming_it(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    from multicloud_ctl.providers.cloudflare.client import CloudflareClient
    from multicloud_ctl.providers.cloudflare.models import Origin

    cf = CloudflareClient(fo_env)
    pool = cf.get_pool(lb["azure"])
    cf.edit_pool(lb["azure"], origins=[Origin(o.name, o.address, False).to_api() for o in pool.origins])
    before = lb_state(fo_env, lb)
    res, doc = readiness(cli, fo_config, playbooks(tmp_path), "--to", "azure", *ACCEPT)
    assert res.exit_code == 3, res.stderr
    checks = {c["name"]: c for c in doc["checks"]}
    assert checks["lb-pools"]["result"] == "fail"
    assert "pool 'azure' origin 'azure-1'" in checks["lb-pools"]["detail"]
    assert checks["target-capacity"]["result"] == "fail"  # no enabled origin left to carry traffic
    assert "azure lb-pools" in res.stderr
    assert lb_state(fo_env, lb) == before


def test_a_missing_pool_is_a_finding_naming_it(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    books = playbooks(tmp_path)
    book = books / "failover-azure.yaml"
    book.write_text(book.read_text().replace("order: [azure, aws]", "order: [azure, aws, gcp]"))
    res, doc = readiness(cli, fo_config, books, "--to", "azure", *ACCEPT)
    assert res.exit_code == 3, res.stderr
    # the plan cannot be built without the pool, so what it would call cannot be evaluated either
    assert [f.split(":")[0] for f in doc["findings"]] == [
        "azure lb-pools fail",
        "azure permissions-aws unknown",
        "azure permissions-azure unknown",
    ]
    checks = {c["name"]: c for c in doc["checks"]}
    assert checks["permissions-aws"]["detail"].startswith("cannot build the failover plan")
    lbp = checks["lb-pools"]
    assert "pool 'gcp' missing" in lbp["detail"] and lbp["measured"].startswith("2/3 pools")


def test_an_unresolvable_secret_is_a_finding_naming_it(
    cli: Any, fo_env: Any, lb: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The functions' SQL URL is a reference to a variable nobody set: the standby could not reach its store."""
    monkeypatch.delenv("MCCTL_TEST_READINESS_SQL_URL", raising=False)
    data = fo_env.model_dump(mode="json", exclude_none=True)
    data["azure"]["sql"]["url"] = "env:MCCTL_TEST_READINESS_SQL_URL"
    config = tmp_path / "config-secret"
    config.mkdir()
    (config / f"{fo_env.name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    res, doc = readiness(cli, config, playbooks(tmp_path), "--to", "azure", *ACCEPT)
    assert res.exit_code == 3, res.stderr
    secrets = next(c for c in doc["checks"] if c["name"] == "secrets")
    assert secrets["result"] == "fail"
    assert "MCCTL_FN_SQL_URL (env:MCCTL_TEST_READINESS_SQL_URL) does not resolve" in secrets["detail"]
    assert "azure secrets" in res.stderr
    monkeypatch.setenv("MCCTL_TEST_READINESS_SQL_URL", "sqlite:///" + str(tmp_path / "x.db"))
    res, doc = readiness(cli, config, playbooks(tmp_path), "--to", "azure", *ACCEPT)
    assert res.exit_code == 0, res.stderr


def test_only_the_directions_with_a_playbook_are_checked(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    books = playbooks(tmp_path)
    (books / "failover-aws.yaml").unlink()
    res, doc = readiness(cli, fo_config, books, *ACCEPT)
    assert res.exit_code == 0, res.stderr
    assert {c["to"] for c in doc["checks"]} == {"azure"}
    missing = run(cli, fo_config, "failover", "readiness", "--playbooks", str(books), "--to", "aws")
    assert missing.exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    none = run(cli, fo_config, "failover", "readiness", "--playbooks", str(empty))
    assert none.exit_code == 2 and "no failover-azure.yaml or failover-aws.yaml" in none.stderr


def test_accept_unknown_naming_no_check_is_a_usage_error(cli: Any, fo_config: Path, tmp_path: Path) -> None:
    res = run(cli, fo_config, "failover", "readiness", "--playbooks", str(playbooks(tmp_path)), "--accept-unknown", "x")
    assert res.exit_code == 2
    assert "--accept-unknown x: no such readiness check" in res.stderr


@pytest.fixture
def fn(aws: str) -> str:
    """A Lambda function `order-service` on moto (the one enhanced capacity raises)."""
    import io
    import zipfile

    import boto3

    from aws_support import create_function

    iam = boto3.client("iam", endpoint_url=aws, region_name="us-east-1")
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:*"}]}
    role = iam.create_role(RoleName="lambda", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(e, c):\n    return e\n")
    lam = boto3.client("lambda", endpoint_url=aws, region_name="us-east-1")
    create_function(
        lam,
        FunctionName="order-service",
        Runtime="python3.11",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buf.getvalue()},
    )
    return "order-service"


def capacity_playbook(tmp_path: Path, *functions: str) -> dict[str, Any]:
    from multicloud_ctl.config.playbook import load_playbook

    lambdas = ", ".join(f"{{function: {f}, reserved_concurrency: 50}}" for f in functions)
    book = write_playbook(tmp_path, "aws", extra=f"  enhanced_capacity:\n    lambda: [{lambdas}]\n")
    return {"aws": load_playbook(book, "Failover").spec}


def test_enhanced_capacity_is_read_and_its_permissions_are_unknown_on_moto(
    fo_env: Any,
    lb: dict[str, str],
    fn: str,
    tmp_path: Path,
) -> None:
    """The plan raises Lambda concurrency: moto does not serve iam:SimulatePrincipalPolicy, so the AWS
    permissions are unknown, said with why, not invented."""
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.readiness import evaluate

    rt = Runtime(fo_env)
    found = evaluate(rt, capacity_playbook(tmp_path, fn))
    checks = {c.name: c for c in found.sides["aws"]}
    assert checks["target-capacity"].result == "pass"
    assert "order-service reserved unset" in checks["target-capacity"].measured
    perms = checks["permissions-aws"]
    assert perms.result == "unknown" and "SimulatePrincipalPolicy did not answer" in perms.detail
    assert "lambda:PutFunctionConcurrency" in perms.detail
    assert [c.name for _, c in found.findings] == ["permissions-aws"]
    assert rt.aws.counter.mutating == 0 and rt.cloudflare.counter.mutating == 0
    assert "GetFunctionConcurrency" in rt.aws.counter.by_operation


def test_a_missing_capacity_function_is_a_finding_naming_it(
    fo_env: Any,
    lb: dict[str, str],
    fn: str,
    tmp_path: Path,
) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.readiness import evaluate

    rt = Runtime(fo_env)
    found = evaluate(rt, capacity_playbook(tmp_path, fn, "ghost-service"), {"permissions-aws"})
    capacity = next(c for c in found.sides["aws"] if c.name == "target-capacity")
    assert capacity.result == "fail" and "lambda ghost-service not found" in capacity.detail
    assert rt.aws.counter.mutating == 0


def test_sync_lag_and_backup_age_use_the_playbooks_limits(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], azurite: Any, tmp_path: Path
) -> None:
    """A fresh sandbox has no sync tables (unknown: a finding, not a pass) and no backup (fail), as preflight says."""
    books = playbooks(tmp_path)
    book = books / "failover-azure.yaml"
    book.write_text(
        book.read_text().replace(
            "preflight: {rpo_seconds: null, max_backup_age_seconds: null}",
            "preflight: {rpo_seconds: 300, max_backup_age_seconds: 93600, measure_timeout_seconds: 5}",
        )
    )
    res, doc = readiness(cli, fo_config, books, "--to", "azure", *ACCEPT)
    assert res.exit_code == 3, res.stderr
    checks = {c["name"]: c for c in doc["checks"]}
    assert checks["sync-lag"]["result"] == "unknown" and checks["sync-lag"]["detail"].startswith("cannot measure")
    assert checks["backup-age"]["result"] == "fail" and checks["backup-age"]["measured"] == "none"
    assert [f.split(":")[0] for f in doc["findings"]] == ["azure sync-lag unknown", "azure backup-age fail"]
    # an unknown accepted by name is shown as accepted and is no finding; a failure cannot be accepted away
    res, doc = readiness(cli, fo_config, books, "--to", "azure", *ACCEPT, "--accept-unknown", "sync-lag")
    assert res.exit_code == 3 and [f.split(":")[0] for f in doc["findings"]] == ["azure backup-age fail"]
