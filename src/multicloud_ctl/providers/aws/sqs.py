"""A thin typed SQS client for reporting: a queue's depth by name (read-only calls only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass(frozen=True)
class QueueDepth:
    """How many messages wait in a queue (`ApproximateNumberOfMessages`)."""

    name: str
    url: str
    messages: int


class SqsQueues:
    """GetQueueUrl + GetQueueAttributes, mapped to our errors; a missing queue is `None`, not an error."""

    def __init__(self, clients: AwsClients, region: str | None = None) -> None:
        self._clients = clients
        self._region = region

    @property
    def _c(self) -> Any:
        return self._clients.client("sqs", self._region)

    def queue_url(self, name: str) -> str | None:
        """The queue's URL, or None when no queue has that name."""
        try:
            with aws_errors("GetQueueUrl", name):
                return str(self._c.get_queue_url(QueueName=name)["QueueUrl"])
        except NotFound:
            return None

    def depth(self, name: str) -> QueueDepth | None:
        """The approximate number of visible messages in queue `name`; None when the queue does not exist."""
        url = self.queue_url(name)
        if url is None:
            return None
        try:
            with aws_errors("GetQueueAttributes", name):
                got = self._c.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        except NotFound:  # deleted between the two calls
            return None
        attrs = got.get("Attributes") or {}
        return QueueDepth(name, url, int(attrs.get("ApproximateNumberOfMessages", 0)))
