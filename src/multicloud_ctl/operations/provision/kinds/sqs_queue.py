"""SQS queues the services use (orders, notifications, payments, analytics), each with a dead-letter queue.

Both regions. A main queue depends on its DLQ, whose ARN goes into the redrive policy.

Plus, in the primary region (where the CDC Lambda reads the streams), the CDC failure queue
(`aws.cdc_failure_queue`): the on-failure destination of the CDC Lambda's event source mappings. It keeps its
messages for the SQS maximum, 14 days, though they are only useful while the stream still holds the records
(24 hours): `mcctl sync replay` drains it. It has no redrive policy: replay deletes a message only once applied.
"""

from __future__ import annotations

import json
from typing import Any

from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings, ResourceKind, only_keys
from multicloud_ctl.operations.provision.model import Resource


class Settings(KindSettings):
    max_receive_count: int = 5
    visibility_timeout: int = 60
    retention_seconds: int = 345600
    dlq_retention_seconds: int = 1209600
    cdc_failure_retention_seconds: int = 1209600


class SqsQueue(ResourceKind):
    name = "sqs_queue"
    provider = "aws"
    settings = Settings
    description = "SQS queue with a dead-letter queue and redrive policy"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        q = ctx.env.aws.queues
        out = []
        for region in ctx.regions:
            for queue in (q.orders, q.notifications, q.payments, q.analytics):
                dlq = f"{queue}-dlq"
                out.append(
                    self.make(
                        ctx,
                        f"{dlq}@{region}",
                        {
                            "attributes": {"MessageRetentionPeriod": str(s.dlq_retention_seconds)},
                            "tags": ctx.tags,
                        },
                        region=region,
                        inputs={"queue": dlq},
                    )
                )
                arn = f"arn:aws:sqs:{region}:{ctx.env.aws.account_id}:{dlq}"
                out.append(
                    self.make(
                        ctx,
                        f"{queue}@{region}",
                        {
                            "attributes": {
                                "MessageRetentionPeriod": str(s.retention_seconds),
                                "VisibilityTimeout": str(s.visibility_timeout),
                            },
                            "redrive": {"deadLetterTargetArn": arn, "maxReceiveCount": s.max_receive_count},
                            "tags": ctx.tags,
                        },
                        region=region,
                        inputs={"queue": queue},
                        depends_on=[f"{self.name}/{dlq}@{region}"],
                    )
                )
        failures, primary = ctx.env.aws.cdc_failure_queue, ctx.regions[0]
        out.append(
            self.make(
                ctx,
                f"{failures}@{primary}",
                {"attributes": {"MessageRetentionPeriod": str(s.cdc_failure_retention_seconds)}, "tags": ctx.tags},
                region=primary,
                inputs={"queue": failures},
            )
        )
        return out

    def _admin(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.providers.aws.sqs_admin import SqsAdmin

        return SqsAdmin(runtime.aws, res.region)

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        sqs = self._admin(runtime, res)
        url = sqs.queue_urls().get(res.inputs["queue"])  # one ListQueues per region, not a GetQueueUrl each
        if url is None:
            return None
        attrs = sqs.attributes(url)
        live: dict[str, Any] = {
            "attributes": only_keys(attrs, res.attrs["attributes"]),
            "tags": only_keys(sqs.tags(url), res.tags),
        }
        if "RedrivePolicy" in attrs:
            policy = json.loads(attrs["RedrivePolicy"])
            live["redrive"] = {
                "deadLetterTargetArn": policy.get("deadLetterTargetArn"),
                "maxReceiveCount": int(policy.get("maxReceiveCount", 0)),
            }
        return live

    def _attributes(self, res: Resource) -> dict[str, str]:
        attrs = dict(res.attrs["attributes"])
        if "redrive" in res.attrs:
            attrs["RedrivePolicy"] = json.dumps(res.attrs["redrive"])
        return attrs

    def create(self, runtime: Any, res: Resource) -> Any:
        url = self._admin(runtime, res).create(res.inputs["queue"], self._attributes(res), res.tags)
        return {"url": url}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        sqs = self._admin(runtime, res)
        url = sqs.url(res.inputs["queue"])
        if {"attributes", "redrive"} & set(changed):
            sqs.set_attributes(url, self._attributes(res))
        if "tags" in changed:
            sqs.tag(url, res.tags)
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        sqs = self._admin(runtime, res)
        url = sqs.url(res.inputs["queue"])
        if url:
            sqs.delete(url)
        return {"deleted": res.inputs["queue"]}
