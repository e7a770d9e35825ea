"""CloudWatch metric alarms for provision: describe, put (create/update), tags, delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass
class CloudWatchAdmin:
    clients: AwsClients
    region: str

    @property
    def _c(self) -> Any:
        return self.clients.client("cloudwatch", self.region)

    def alarms_with_prefix(self, prefix: str, page_size: int = 100) -> dict[str, dict[str, Any]]:
        """Metric alarms whose name starts with `prefix`, by name (DescribeAlarms with AlarmNamePrefix, paged:
        at most 100 a page), listed once per run for provision's reads (`AwsClients.listings`); a put or
        delete of an alarm in the region drops the listing."""

        def listing() -> dict[str, dict[str, Any]]:
            with aws_errors("DescribeAlarms", f"{prefix}*"):
                pages = self._c.get_paginator("describe_alarms").paginate(
                    AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm"], PaginationConfig={"PageSize": page_size}
                )
                return {str(a["AlarmName"]): dict(a) for page in pages for a in page.get("MetricAlarms", [])}

        found: dict[str, dict[str, Any]] = self.clients.listings.fetch(
            f"aws:cloudwatch:{self.region}:alarms:{prefix}", listing
        )
        return found

    def alarm(self, name: str) -> dict[str, Any] | None:
        with aws_errors("DescribeAlarms", name):
            found = self._c.describe_alarms(AlarmNames=[name]).get("MetricAlarms", [])
        return dict(found[0]) if found else None

    def put_alarm(self, name: str, config: dict[str, Any], tags: list[dict[str, str]]) -> None:
        with aws_errors("PutMetricAlarm", name):
            self._c.put_metric_alarm(AlarmName=name, Tags=tags, **config)

    def tags(self, arn: str) -> dict[str, str]:
        with aws_errors("ListTagsForResource", arn):
            return {t["Key"]: t["Value"] for t in self._c.list_tags_for_resource(ResourceARN=arn).get("Tags", [])}

    def tag(self, arn: str, tags: list[dict[str, str]]) -> None:
        with aws_errors("TagResource", arn):
            self._c.tag_resource(ResourceARN=arn, Tags=tags)

    def delete_alarm(self, name: str) -> None:
        with aws_errors("DeleteAlarms", name):
            self._c.delete_alarms(AlarmNames=[name])
