"""AWS JSON-protocol reads sent by us and parsed with orjson, for the one call whose parsing is the cost.

botocore parses every JSON response against the operation's output shape, member by member. For GetRecords that
walk is per attribute of every stream record: 43 us of CPU per record of `bench/sync.py --fake-stream` (869 bytes
of JSON each), against 5.0 us for orjson (5.6 for the standard library), and more than applying the record to SQL
costs. The wire format needs none of it: the AWS JSON 1.0 protocol is one POST with `X-Amz-Target:
<targetPrefix>.<Operation>` and a JSON body, answered with a JSON body
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html and "Common
Parameters"). The stream record in it is the JSON a Lambda event carries, which the apply core already
reads (ApproximateCreationDateTime as epoch seconds, B as base64 text).

What stays botocore's: the endpoint, region and signing name (`client.meta`), the credentials (the session's,
refreshed by botocore) and the SigV4 signature (`botocore.auth.SigV4Auth`). Only a 200 is parsed here: any other
status is handed back so that the caller repeats the call through the boto3 client, whose error mapping,
adaptive retries and error codes then apply unchanged (GetRecords is a read: asking twice changes nothing).
Only read-only operations are sent (`is_read_only`): this path skips the client's dry-run guard, so it must never
carry a mutating call. Each request is counted where the client's calls are.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from multicloud_ctl.providers.aws.rawhttp import pool, unreachable
from multicloud_ctl.providers.aws.session import is_read_only

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


class JsonWire:
    """Signed JSON-protocol POSTs for one boto3 client's service, endpoint and region."""

    def __init__(self, client: Any, clients: AwsClients) -> None:
        meta = client.meta
        model = meta.service_model
        self._url = meta.endpoint_url
        self._region = meta.region_name
        self._signing_name = model.signing_name
        self._target = model.metadata["targetPrefix"]
        self._content_type = f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"
        self._clients = clients

    def call(self, operation: str, params: dict[str, Any]) -> tuple[int, Any]:
        """(HTTP status, parsed body when 200 else None); status 0 when no credentials are found.

        Transport failures (refused, reset, timed out past the network deadline) raise `EndpointUnreachable`.
        """
        if not is_read_only(operation):
            raise ValueError(f"{operation} is not a read: send it through the boto3 client and its guard")
        credentials = self._clients.session().get_credentials()
        if credentials is None:
            return 0, None  # the boto3 client raises the mapped "no credentials" error
        import urllib3
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        body = json.dumps(params, separators=(",", ":")).encode()
        headers = {"Content-Type": self._content_type, "X-Amz-Target": f"{self._target}.{operation}"}
        request = AWSRequest(method="POST", url=self._url, data=body, headers=headers)
        SigV4Auth(credentials.get_frozen_credentials(), self._signing_name, self._region).add_auth(request)
        counter = self._clients.counter
        if counter is not None:
            counter.add(operation, False, False)
        try:
            response = pool().request(
                "POST", self._url, body=body, headers=dict(request.headers.items()), **self._bounds()
            )
        except urllib3.exceptions.HTTPError as exc:
            raise unreachable(operation, "", exc) from exc
        if response.status != 200:
            return response.status, None
        import orjson

        return 200, orjson.loads(response.data)

    def _bounds(self) -> dict[str, Any]:
        """Timeouts and a deadline-bound Retry (`providers/deadline.py`); 5xx is left to the boto3 repeat."""
        from multicloud_ctl.providers.deadline import urllib3_retry, urllib3_timeout

        network = self._clients.environment.network
        retry = urllib3_retry(network, total=2, backoff_factor=0.2, status_forcelist=(), raise_on_status=False)
        return {"retries": retry, "timeout": urllib3_timeout(network)}
