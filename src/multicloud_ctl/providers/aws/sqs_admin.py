"""SQS queue administration for provision: look up, create, attributes (redrive), tags, delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass
class SqsAdmin:
    clients: AwsClients
    region: str

    @property
    def _c(self) -> Any:
        return self.clients.client("sqs", self.region)

    def url(self, name: str) -> str | None:
        try:
            with aws_errors("GetQueueUrl", name):
                return str(self._c.get_queue_url(QueueName=name)["QueueUrl"])
        except NotFound:
            return None

    def attributes(self, url: str) -> dict[str, str]:
        with aws_errors("GetQueueAttributes", url):
            return dict(self._c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"])

    def create(self, name: str, attributes: dict[str, str], tags: dict[str, str]) -> str:
        with aws_errors("CreateQueue", name):
            return str(self._c.create_queue(QueueName=name, Attributes=attributes, tags=tags)["QueueUrl"])

    def set_attributes(self, url: str, attributes: dict[str, str]) -> None:
        with aws_errors("SetQueueAttributes", url):
            self._c.set_queue_attributes(QueueUrl=url, Attributes=attributes)

    def tags(self, url: str) -> dict[str, str]:
        with aws_errors("ListQueueTags", url):
            return dict(self._c.list_queue_tags(QueueUrl=url).get("Tags", {}))

    def tag(self, url: str, tags: dict[str, str]) -> None:
        with aws_errors("TagQueue", url):
            self._c.tag_queue(QueueUrl=url, Tags=tags)

    def delete(self, url: str) -> None:
        with aws_errors("DeleteQueue", url):
            self._c.delete_queue(QueueUrl=url)
