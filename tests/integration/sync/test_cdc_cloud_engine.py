"""The CDC engine of cloud environments: the CDC Lambda's event source mapping, configured by `mcctl deploy`,
read by `sync status` and the health/failover RPO, and its failed batches replayed by `mcctl sync replay`.

Against moto over HTTP with the sandbox's strict layer (`local/moto_strict.py`: mapping settings validated as
Lambda validates them; the mapping is stored and never fired, so the stream keeps its records as in AWS), with a
cloud-kind environment pointed at it. Lambda itself (its poller, its metrics) does not run here: what it would
write (an IteratorAge datapoint, an invocation record in the failure queue) is written by the test in the shape
AWS documents.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sync_support import put  # type: ignore[import-not-found]

REPO = Path(__file__).resolve().parents[3]
SYNC = REPO / "playbooks" / "sync.yaml"  # the shipped playbook: the health check reads it too
ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@pytest.fixture
def sql_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'azure-sql.db'}"


@pytest.fixture
def cloud_env(sync_env: Any) -> Any:
    aws = sync_env.aws.model_copy(update={"endpoint_url": sync_env.endpoints().aws})
    return sync_env.model_copy(update={"name": "staging", "kind": "cloud", "local": None, "aws": aws})


@pytest.fixture
def cloud_dir(cloud_env: Any, tmp_path: Path) -> Path:
    import yaml

    directory = tmp_path / "cloud-config"
    directory.mkdir()
    data = cloud_env.model_dump(mode="json", exclude_none=True)
    (directory / "staging.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return directory


@pytest.fixture
def runtime(cloud_env: Any) -> Any:
    from multicloud_ctl.engine.runtime import Runtime

    return Runtime(cloud_env)


@pytest.fixture
def cdc_function(runtime: Any) -> str:
    """The service tables (with streams) and the CDC function with its `live` alias, as a first deploy leaves
    them (the mappings are what is tested)."""
    from aws_support import create_function  # type: ignore[import-not-found]
    from multicloud_ctl.functions.adapters.dynamo_schema import create_tables
    from multicloud_ctl.functions.config import FunctionConfig

    create_tables(runtime.aws.client("dynamodb"), FunctionConfig())
    iam, lam = runtime.aws.client("iam"), runtime.aws.client("lambda")
    role = iam.create_role(RoleName="mcctl-lambda", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    create_function(
        lam, FunctionName="cdc-sync", Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": buf.getvalue()},
    )  # fmt: skip
    version = lam.publish_version(FunctionName="cdc-sync")["Version"]
    lam.create_alias(FunctionName="cdc-sync", Name="live", FunctionVersion=version)
    return "cdc-sync"


def failure_queue(runtime: Any) -> str:
    return str(runtime.aws.client("sqs").create_queue(QueueName="cdc-failures")["QueueUrl"])


def plan(runtime: Any, playbook: Path = SYNC) -> list[Any]:
    from multicloud_ctl.config.specs.deploy import DeploySpec
    from multicloud_ctl.operations.deploy.cdc_plan import plan_mappings
    from multicloud_ctl.operations.sync.context import load_spec

    return plan_mappings(runtime, DeploySpec(vendor=False), load_spec(playbook))


def apply(runtime: Any, steps: list[Any]) -> None:
    from multicloud_ctl.engine.actions import ACTIONS

    for step in steps:
        ACTIONS.get(step.action)(runtime, step.params)


def mappings(runtime: Any) -> list[dict[str, Any]]:
    return list(runtime.aws.client("lambda").list_event_source_mappings()["EventSourceMappings"])


def test_deploy_configures_reconciles_and_never_drops_a_failed_batch(
    cdc_function: str, runtime: Any, cloud_env: Any
) -> None:
    from botocore.exceptions import ClientError

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.errors import OperationFailed

    with pytest.raises(OperationFailed, match="cdc-failures' does not exist") as refused:
        plan(runtime)  # no failure queue: a mapping would drop failed batches, so none is planned
    assert "mcctl provision apply" in (refused.value.hint or "")
    failure_queue(runtime)
    dry = Runtime(cloud_env, dry_run=True)
    steps = plan(dry)
    assert [s.action for s in steps] == ["deploy.lambda_stream_mapping"] * 4 and dry.aws.counter.mutating == 0
    apply(runtime, steps)
    tables = {m["EventSourceArn"].split("/")[1] for m in mappings(runtime)}
    assert tables == {"Orders", "Products", "Inventory", "Users"}
    m = next(m for m in mappings(runtime) if "/Orders/" in m["EventSourceArn"])
    assert m["FunctionArn"].endswith(":function:cdc-sync:live") and m["StartingPosition"] == "TRIM_HORIZON"
    assert m["ParallelizationFactor"] == 4 and m["BatchSize"] == 100 and m["MaximumRecordAgeInSeconds"] == 21600
    assert m["MaximumRetryAttempts"] == 10 and m["BisectBatchOnFunctionError"] is True
    assert m["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert m["DestinationConfig"]["OnFailure"]["Destination"].endswith(":cdc-failures")
    assert plan(runtime) == []  # converged

    lam = runtime.aws.client("lambda")
    lam.update_event_source_mapping(UUID=m["UUID"], ParallelizationFactor=1, DestinationConfig={"OnFailure": {}})
    (fix,) = plan(runtime)
    assert fix.action == "deploy.lambda_stream_mapping_update"
    assert sorted(fix.params["config"]) == ["DestinationConfig", "ParallelizationFactor"]
    apply(runtime, [fix])
    assert plan(runtime) == [] and len(mappings(runtime)) == 4  # updated in place, position kept

    # what Lambda refuses, the sandbox refuses (CreateEventSourceMapping API reference)
    fifo = "arn:aws:sqs:us-east-1:123456789012:failures.fifo"
    arn = m["EventSourceArn"]
    for bad, message in (
        ({"ParallelizationFactor": 11}, "between 1 and 10"),
        ({"MaximumRecordAgeInSeconds": 30}, "-1 or between 60"),
        ({"FunctionResponseTypes": ["ReportEverything"]}, "Unsupported FunctionResponseType"),
        ({"DestinationConfig": {"OnFailure": {"Destination": fifo}}}, "standard SQS queue"),
    ):
        with pytest.raises(ClientError, match=message):
            lam.update_event_source_mapping(UUID=m["UUID"], **bad)
    with pytest.raises(ClientError, match="ResourceConflictException"):
        lam.create_event_source_mapping(FunctionName="cdc-sync:live", EventSourceArn=arn, StartingPosition="LATEST")


def invocation_record(arn: str, shard: str, records: list[dict[str, Any]]) -> str:
    """What Lambda sends the on-failure destination for a DynamoDB stream batch (services-dynamodb-errors)."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    return json.dumps(
        {
            "requestContext": {
                "requestId": "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
                "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:cdc-sync:live",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": 11,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "1", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": "2026-12-03T06:00:00.000Z",
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": "2026-12-03T05:59:58Z",
                "approximateArrivalOfLastRecord": "2026-12-03T05:59:59Z",
                "batchSize": len(records),
                "streamArn": arn,
            },
        }
    )


def stream_records(runtime: Any, arn: str) -> tuple[str, list[dict[str, Any]]]:
    streams = runtime.aws.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return shard, list(streams.get_records(ShardIterator=it)["Records"])


def cli_json(cli: Any, cloud_dir: Path, *args: str) -> tuple[int, Any, str]:
    out = cli("--env", "staging", "--config-dir", str(cloud_dir), "--output", "json", *args)
    return out.exit_code, json.loads(out.stdout) if out.stdout.strip() else None, out.stderr


def test_status_and_rpo_read_the_mapping_iterator_age_and_failed_batches(
    cdc_function: str, runtime: Any, cli: Any, cloud_dir: Path
) -> None:
    from datetime import UTC, datetime

    from multicloud_ctl.config.specs.health import DataCheck
    from multicloud_ctl.operations.health.checks import check_sync_lag
    from multicloud_ctl.operations.health.model import Status

    code, status, _ = cli_json(cli, cloud_dir, "sync", "status", "--playbook", str(SYNC))
    assert code == 0 and status["engine"] == "lambda" and status["lag_unbounded"] is True
    assert any("no event source mapping" in p for p in status["problems"])
    queue = failure_queue(runtime)
    apply(runtime, plan(runtime))
    code, status, _ = cli_json(cli, cloud_dir, "sync", "status", "--playbook", str(SYNC))
    assert status["lag_seconds"] is None and status["lag_unbounded"] is False  # no datapoint, no "OK": unknown
    assert [m["state"] for m in status["mappings"]] == ["Enabled"] * 4 and status["failed_batches"] == 0

    runtime.aws.client("cloudwatch").put_metric_data(  # what Lambda publishes per invocation, in milliseconds
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "IteratorAge",
                "Dimensions": [{"Name": "FunctionName", "Value": "cdc-sync"}],
                "Timestamp": datetime.now(UTC),
                "Value": 4200.0,
                "Unit": "Milliseconds",
            }
        ],
    )
    code, status, _ = cli_json(cli, cloud_dir, "sync", "status", "--playbook", str(SYNC))
    assert code == 0 and status["lag_seconds"] == pytest.approx(4.2) and status["iterator_age_seconds"] == 4.2
    lag = check_sync_lag(runtime, DataCheck(kind="sync_lag", name="sync", thresholds={"warn": 3, "critical": 60}))
    assert lag.status == Status.WARNING and lag.value == pytest.approx(4.2)

    arn = runtime.aws.client("dynamodb").describe_table(TableName="Orders")["Table"]["LatestStreamArn"]
    put(runtime.aws.client("dynamodb"), "o1", status="new")
    shard, records = stream_records(runtime, arn)
    runtime.aws.client("sqs").send_message(QueueUrl=queue, MessageBody=invocation_record(arn, shard, records))
    code, status, _ = cli_json(cli, cloud_dir, "sync", "status", "--playbook", str(SYNC))
    assert status["lag_unbounded"] is True and status["failed_batches"] == 1
    lag = check_sync_lag(runtime, DataCheck(kind="sync_lag", name="sync", thresholds={"warn": 3, "critical": 60}))
    assert lag.status == Status.CRITICAL and "mcctl sync replay" in lag.message


def test_replay_applies_failed_batches_from_the_stream_and_keeps_what_it_cannot(
    cdc_function: str, runtime: Any, cli: Any, cloud_dir: Path
) -> None:
    from sync_support import sql_rows  # type: ignore[import-not-found]

    from multicloud_ctl.operations.sync.context import open_context

    queue = failure_queue(runtime)
    apply(runtime, plan(runtime))
    ddb = runtime.aws.client("dynamodb")
    for oid, st in (("o1", "new"), ("o2", "new"), ("o3", "new"), ("o2", "paid")):
        put(ddb, oid, status=st)
    arn = ddb.describe_table(TableName="Orders")["Table"]["LatestStreamArn"]
    shard, records = stream_records(runtime, arn)
    assert len(records) == 4  # the mapping did not consume the stream
    ctx = open_context(runtime, SYNC)
    ctx.tables.metadata.create_all(ctx.engine)  # as the CDC Lambda's first invocation does
    sqs = runtime.aws.client("sqs")
    sqs.send_message(QueueUrl=queue, MessageBody=invocation_record(arn, shard, records[1:4]))  # o2, o3, o2 again
    sqs.send_message(QueueUrl=queue, MessageBody='{"not": "an invocation record"}')

    code, dry, _ = cli_json(cli, cloud_dir, "sync", "replay", "--playbook", str(SYNC), "--dry-run")
    assert code == 0 and dry["failed_batches"] == 2 and sql_rows(ctx) == {}
    out = cli("--env", "staging", "--config-dir", str(cloud_dir), "--output", "json", "--yes", "sync",
              "replay", "--playbook", str(SYNC))  # fmt: skip
    assert out.exit_code == 1, out.stderr
    assert "not replayable" in out.stderr and out.stderr.count("error:") == 1
    batches = json.loads(out.stdout)["batches"]
    assert batches["replayed"] == 1 and batches["records"] == 3 and len(batches["unreadable"]) == 1
    assert {k: r["status"] for k, r in sql_rows(ctx).items()} == {"o2": "paid", "o3": "new"}  # o1 was not failed
    left = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in left] == ['{"not": "an invocation record"}']  # kept, visible again at once


def test_a_failed_batch_trimmed_from_the_stream_is_named_and_kept_until_dropped(local_env: Any, tmp_path: Path) -> None:
    """Records past the stream's 24 h cannot be replayed: the wire-level streams fake answers
    TrimmedDataAccessException as DynamoDB does; the message stays (with the table to backfill) until
    `--drop-trimmed`. The failure queue is moto's SQS."""
    from stream_fake_support import PLAYBOOK  # type: ignore[import-not-found]
    from sync_support import sql_rows  # type: ignore[import-not-found]

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.local.streams_fake import start_streams_fake
    from multicloud_ctl.operations.sync.context import open_context
    from multicloud_ctl.operations.sync.failed_batches import replay_failed_batches
    from multicloud_ctl.providers.aws.sqs import SqsMessages

    handle, fake = start_streams_fake()
    try:
        arn = fake.create_stream("Orders", "order_id", shards=1)
        (shard,) = fake.open_shards("Orders")
        for key, status in (("a", "new"), ("b", "new"), ("c", "new")):
            fake.put("Orders", shard, key, {"status": {"S": status}})
        records = fake.stream_of("Orders").shards[shard].records
        playbook = tmp_path / "sync.yaml"
        playbook.write_text(PLAYBOOK)
        aws = local_env.aws.model_copy(update={"endpoint_url": handle.url, "max_attempts": 2})
        ctx = open_context(Runtime(local_env.model_copy(update={"aws": aws})), playbook)
        ctx.tables.metadata.create_all(ctx.engine)
        moto = Runtime(local_env).aws
        url = moto.client("sqs").create_queue(QueueName="cdc-failures")["QueueUrl"]
        sqs = moto.client("sqs")
        sqs.send_message(QueueUrl=url, MessageBody=invocation_record(arn, shard, records[0:2]))
        sqs.send_message(QueueUrl=url, MessageBody=invocation_record(arn, shard, records[2:3]))
        fake.trim("Orders", shard, keep=1)  # a and b are past retention, c is not

        got = replay_failed_batches(ctx, SqsMessages(moto, url))
        assert (got.batches, got.replayed, got.trimmed, got.dropped) == (2, 1, ["Orders"], 0)
        assert set(sql_rows(ctx)) == {"c"}
        assert int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
            "ApproximateNumberOfMessages"]) == 1  # fmt: skip
        got = replay_failed_batches(ctx, SqsMessages(moto, url), drop_trimmed=True)
        assert (got.batches, got.replayed, got.dropped) == (1, 0, 1)
        assert "Messages" not in sqs.receive_message(QueueUrl=url)
    finally:
        handle.stop()
