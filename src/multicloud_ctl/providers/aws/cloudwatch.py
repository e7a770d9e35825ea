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
