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

    def queue_urls(self, page_size: int = 1000) -> dict[str, str]:
        """Queue name -> URL for every queue of the region (ListQueues with MaxResults, so that it pages past
        1,000), listed once per run for provision's reads (`AwsClients.listings`); a create or delete in the
        region drops the listing."""

        def listing() -> dict[str, str]:
            with aws_errors("ListQueues", self.region):
                pages = self._c.get_paginator("list_queues").paginate(PaginationConfig={"PageSize": page_size})
                return {url.rstrip("/").rsplit("/", 1)[-1]: url for page in pages for url in page.get("QueueUrls", [])}

        found: dict[str, str] = self.clients.listings.fetch(f"aws:sqs:{self.region}:queues", listing)
        return found

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
