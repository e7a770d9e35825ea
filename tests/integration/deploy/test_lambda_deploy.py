"""`mcctl deploy` against moto: create, publish, alias shifts, canary rollback on an error metric, dry run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

SERVICE = "order-service"


def deploy(cli: Any, config_dir: Path, *args: str) -> Any:
    return cli("--config-dir", str(config_dir), "--yes", "deploy", "--cloud", "aws", *args)


def test_first_deploy_creates_functions_and_live_alias(cli: Any, config_dir: Path, playbook: Any, boto: Any) -> None:
    res = deploy(cli, config_dir, "--playbook", str(playbook()))
    assert res.exit_code == 0, res.stderr
    lam = boto("lambda")
    names = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    assert {"product-service", "inventory-service", "order-service", "user-service"} <= names
    alias = lam.get_alias(FunctionName=SERVICE, Name="live")
    assert alias["FunctionVersion"] == "1"
    conf = lam.get_function(FunctionName=SERVICE)["Configuration"]
    assert conf["Handler"] == "multicloud_ctl.functions.aws_lambda.order_service.handler"
    assert conf["Environment"]["Variables"]["MCCTL_FN_CLOUD"] == "aws"
    keys = [o["Key"] for o in boto("s3").list_objects_v2(Bucket="mcctl-artifacts").get("Contents", [])]
    assert len(keys) == 1 and keys[0].startswith("lambda/lambda-") and keys[0].endswith(".zip")


def test_unchanged_package_is_not_uploaded_again(cli: Any, config_dir: Path, playbook: Any, boto: Any) -> None:
    pb = str(playbook())
    assert deploy(cli, config_dir, SERVICE, "--playbook", pb).exit_code == 0
    s3 = boto("s3")
    first = s3.list_objects_v2(Bucket="mcctl-artifacts")["Contents"]
    again = deploy(cli, config_dir, SERVICE, "--playbook", pb, "--dry-run")
    assert again.exit_code == 0
    assert "nothing to do" in again.stderr
    res = cli(
        "--config-dir",
        str(config_dir),
        "--yes",
        "--output",
        "json",
        "deploy",
        "--cloud",
        "aws",
        SERVICE,
        "--playbook",
        pb,
    )
    assert res.exit_code == 0, res.stderr
    assert '"steps": []' in res.stdout  # no upload, no update, no publish, no shift
    assert s3.list_objects_v2(Bucket="mcctl-artifacts")["Contents"] == first
    assert [v["Version"] for v in boto("lambda").list_versions_by_function(FunctionName=SERVICE)["Versions"]] == [
        "$LATEST",
        "1",
    ]


def test_dry_run_makes_zero_mutating_calls(local_env: Any, tmp_path: Path) -> None:
    from multicloud_ctl.config.specs.deploy import DeploySpec
    from multicloud_ctl.engine.run import Operation, run
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.deploy.rollout import build_packages, plan_deploy, select

    runtime = Runtime(local_env, dry_run=True)
    spec = DeploySpec(vendor=False)
    selection = select(local_env, spec, [], "aws")
    plan = plan_deploy(runtime, spec, selection, "canary10", build_packages(runtime, selection.clouds, False))
    result = run(runtime, Operation("deploy", lambda _rt: plan))
    assert result.status == "ok" and result.execution is None and result.dry_run
    assert {s.action for s in plan.mutating_steps} >= {
        "deploy.s3_create_bucket",
        "deploy.upload_artifact",
        "deploy.create_role",
        "deploy.lambda_create",
        "deploy.lambda_publish",
        "deploy.lambda_shift",
    }
    counter = runtime.aws.counter
    assert counter.total > 0 and counter.mutating == 0 and counter.blocked == 0


def test_cli_dry_run_changes_nothing(cli: Any, config_dir: Path, playbook: Any, boto: Any) -> None:
    res = deploy(cli, config_dir, "--playbook", str(playbook()), "--dry-run")
    assert res.exit_code == 0, res.stderr
    assert "lambda_create" not in res.stderr and "dry run:" in res.stderr
    assert boto("lambda").list_functions()["Functions"] == []
    assert "mcctl-artifacts" not in [b["Name"] for b in boto("s3").list_buckets()["Buckets"]]


def inject_errors(boto: Any, function: str, version: str, count: float) -> None:
    boto("cloudwatch").put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "Errors",
                "Value": count,
                "Timestamp": datetime.now(UTC),
                "Dimensions": [  # what Lambda publishes for a version invoked through the alias
                    {"Name": "FunctionName", "Value": function},
                    {"Name": "Resource", "Value": f"{function}:live"},
                    {"Name": "ExecutedVersion", "Value": version},
                ],
            }
        ],
    )


def test_canary_rolls_back_on_error_metric_and_exits_1(cli: Any, config_dir: Path, playbook: Any, boto: Any) -> None:
    assert deploy(cli, config_dir, SERVICE, "--playbook", str(playbook())).exit_code == 0
    inject_errors(boto, SERVICE, "2", 3)  # the version the next deploy will publish
    changed = playbook(strategy="canary10", aws={"memory_mb": 512}, bake={"seconds": 1, "poll_seconds": 0.2})
    res = deploy(cli, config_dir, SERVICE, "--playbook", str(changed))
    assert res.exit_code == 1, res.stderr
    assert "rolled back to version 1" in res.stderr
    alias = boto("lambda").get_alias(FunctionName=SERVICE, Name="live")
    assert alias["FunctionVersion"] == "1"
    assert not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights")


def test_canary_without_errors_promotes_and_rollback_command_goes_back(
    cli: Any, config_dir: Path, playbook: Any, boto: Any
) -> None:
    assert deploy(cli, config_dir, SERVICE, "--playbook", str(playbook())).exit_code == 0
    inject_errors(boto, SERVICE, "1", 5)  # errors of the OLD version must not abort the rollout
    changed = playbook(strategy="linear10", aws={"memory_mb": 512}, bake={"seconds": 0, "poll_seconds": 0.1})
    res = cli(
        "--config-dir",
        str(config_dir),
        "--yes",
        "--output",
        "json",
        "deploy",
        "--cloud",
        "aws",
        SERVICE,
        "--playbook",
        str(changed),
    )
    assert res.exit_code == 0, res.stderr
    shift = next(s for s in __import__("json").loads(res.stdout)["steps"] if s["id"].endswith(".shift"))
    weights = [h["weights"] for h in shift["output"]["history"] if "route" in h]
    assert weights[0] == {"2": 0.1} and weights[-2] == {"2": 0.9} and weights[-1] == {}
    assert boto("lambda").get_alias(FunctionName=SERVICE, Name="live")["FunctionVersion"] == "2"
    status = cli(
        "--config-dir",
        str(config_dir),
        "--output",
        "json",
        "deploy",
        "status",
        "--cloud",
        "aws",
        "--playbook",
        str(changed),
    )
    assert status.exit_code == 0, status.stderr
    row = next(r for r in __import__("json").loads(status.stdout) if r["service"] == SERVICE)
    assert row["version"] == "2" and row["state"] == "live"
    back = cli("--config-dir", str(config_dir), "--yes", "deploy", "rollback", SERVICE, "--playbook", str(changed))
    assert back.exit_code == 0, back.stderr
    assert boto("lambda").get_alias(FunctionName=SERVICE, Name="live")["FunctionVersion"] == "1"


def test_unknown_service_is_a_usage_error(cli: Any, config_dir: Path, playbook: Any) -> None:
    res = deploy(cli, config_dir, "no-such-service", "--playbook", str(playbook()))
    assert res.exit_code == 2
    assert "unknown service" in res.stderr and "order-service" in res.stderr


def test_a_named_alarm_in_alarm_state_rolls_back_too(cli: Any, config_dir: Path, playbook: Any, boto: Any) -> None:
    assert deploy(cli, config_dir, SERVICE, "--playbook", str(playbook())).exit_code == 0
    cw = boto("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="order-service-5xx",
        MetricName="5XXError",
        Namespace="AWS/ApiGateway",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cw.set_alarm_state(AlarmName="order-service-5xx", StateValue="ALARM", StateReason="test")
    changed = playbook(strategy="canary10", aws={"memory_mb": 512}, alarm={"alarms": ["order-service-5xx"]})
    res = deploy(cli, config_dir, SERVICE, "--playbook", str(changed))
    assert res.exit_code == 1 and "order-service-5xx" in res.stderr
    assert boto("lambda").get_alias(FunctionName=SERVICE, Name="live")["FunctionVersion"] == "1"


def test_cdc_lambda_ships_with_the_sync_mappings_and_no_stream_mapping_on_the_sandbox(
    cli: Any, config_dir: Path, playbook: Any, boto: Any
) -> None:
    assert deploy(cli, config_dir, "cdc-sync", "--playbook", str(playbook())).exit_code == 0
    lam = boto("lambda")
    conf = lam.get_function(FunctionName="cdc-sync")["Configuration"]
    assert conf["Handler"] == "multicloud_ctl.functions.aws_lambda.cdc.handler"
    tables = __import__("json").loads(conf["Environment"]["Variables"]["MCCTL_FN_CDC_TABLES"])
    assert {t["source"] for t in tables} >= {"Orders", "Products"}
    assert lam.list_event_source_mappings(FunctionName="cdc-sync:live")["EventSourceMappings"] == []


def test_cdc_stream_mappings_are_planned_in_a_cloud_environment(local_env: Any) -> None:
    from multicloud_ctl.config.specs.deploy import DeploySpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.functions.adapters.dynamo_schema import create_tables
    from multicloud_ctl.functions.config import FunctionConfig
    from multicloud_ctl.operations.deploy.rollout import build_packages, plan_deploy, select

    cloud = local_env.model_copy(
        update={
            "kind": "cloud",
            "local": None,
            "aws": local_env.aws.model_copy(update={"endpoint_url": local_env.endpoints().aws}),
        }
    )
    create_tables(Runtime(cloud).aws.client("dynamodb"), FunctionConfig())
    Runtime(cloud).aws.client("sqs").create_queue(QueueName=cloud.aws.cdc_failure_queue)  # provision's
    runtime = Runtime(cloud, dry_run=True)
    spec = DeploySpec(vendor=False)
    selection = select(cloud, spec, ["cdc-sync"], "aws")
    plan = plan_deploy(runtime, spec, selection, "all-at-once", build_packages(runtime, selection.clouds, False))
    mapped = {s.params["stream_arn"].split("/")[1] for s in plan.steps if s.action == "deploy.lambda_stream_mapping"}
    assert mapped == {"Orders", "Products", "Inventory", "Users"}
    assert runtime.aws.counter.mutating == 0


def test_execution_role_gets_the_least_privilege_policy_once(
    cli: Any, config_dir: Path, playbook: Any, boto: Any
) -> None:
    iam = boto("iam")
    assert deploy(cli, config_dir, SERVICE, "--playbook", str(playbook())).exit_code == 0
    doc = iam.get_role_policy(RoleName="mcctl-lambda", PolicyName="mcctl-functions")["PolicyDocument"]
    sids = {s["Sid"] for s in doc["Statement"]}
    assert {"Logs", "Tables", "Streams", "ListStreams", "Queues", "ProductImages"} <= sids
    streams = next(s for s in doc["Statement"] if s["Sid"] == "Streams")
    assert "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/*" in streams["Resource"]
    iam.delete_role_policy(RoleName="mcctl-lambda", PolicyName="mcctl-functions")  # drifted: deploy puts it back
    res = deploy(cli, config_dir, SERVICE, "--playbook", str(playbook()))
    assert res.exit_code == 0, res.stderr
    assert iam.get_role_policy(RoleName="mcctl-lambda", PolicyName="mcctl-functions")["PolicyDocument"] == doc
