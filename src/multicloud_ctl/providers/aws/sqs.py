"""Thin typed SQS clients: a queue's depth and ARN by name (read-only, for reporting), and the receive/delete
calls of a drain (`SqsMessages`, used by `mcctl sync replay` on the CDC failure queue)."""

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

    def arn(self, name: str) -> str | None:
        """The queue's ARN (GetQueueAttributes QueueArn), or None when no queue has that name."""
        url = self.queue_url(name)
        if url is None:
            return None
        try:
            with aws_errors("GetQueueAttributes", name):
                got = self._c.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        except NotFound:
            return None
        return str((got.get("Attributes") or {})["QueueArn"])

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


@dataclass(frozen=True)
class Message:
    id: str
    receipt: str
    body: str


class SqsMessages:
    """ReceiveMessage / DeleteMessage on one queue URL, mapped to our errors."""

    def __init__(self, clients: AwsClients, url: str, region: str | None = None) -> None:
        self._c = clients.client("sqs", region)
        self.url = url

    def receive(self, *, limit: int = 10, visibility: int = 300) -> list[Message]:
        """Up to `limit` (at most 10) messages, hidden from other readers for `visibility` seconds; no long poll."""
        with aws_errors("ReceiveMessage", self.url):
            got = self._c.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=min(limit, 10), VisibilityTimeout=visibility, WaitTimeSeconds=0
            )
        return [Message(str(m["MessageId"]), str(m["ReceiptHandle"]), str(m["Body"])) for m in got.get("Messages", [])]

    def delete(self, message: Message) -> None:
        with aws_errors("DeleteMessage", self.url):
            self._c.delete_message(QueueUrl=self.url, ReceiptHandle=message.receipt)

    def release(self, message: Message) -> None:
        """Make a received message visible again at once (ChangeMessageVisibility 0): it stays for the next run."""
        with aws_errors("ChangeMessageVisibility", self.url):
            self._c.change_message_visibility(QueueUrl=self.url, ReceiptHandle=message.receipt, VisibilityTimeout=0)
