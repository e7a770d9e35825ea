"""Azure Monitor metrics over REST (azure-core pipeline): read a resource's metrics, publish custom metrics.

Read: `GET {arm}{resourceId}/providers/Microsoft.Insights/metrics?api-version=2023-10-01&metricnames=...`.
Publish: `POST https://{region}.monitoring.azure.com{resourceId}/metrics` (the sandbox: the fake ARM).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from multicloud_ctl import errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.clients import AzureClients

API_VERSION = "2023-10-01"


@dataclass
class AzureMetrics:
    clients: AzureClients

    def _arm(self) -> str:
        return (self.clients.environment.endpoints().arm or "https://management.azure.com").rstrip("/")

    def _ingest_base(self, region: str) -> str:
        env = self.clients.environment
        return self._arm() if env.is_local else f"https://{region}.monitoring.azure.com"

    def _send(self, method: str, url: str, body: Any = None, scope: str = "") -> dict[str, Any]:
        from azure.core import PipelineClient
        from azure.core.exceptions import ServiceRequestError
        from azure.core.pipeline.policies import RetryPolicy
        from azure.core.rest import HttpRequest

        from multicloud_ctl.providers.azure.clients import retry_settings
        from multicloud_ctl.providers.azure.credential import ARM_SCOPE, authentication_policy
        from multicloud_ctl.providers.azure.guard import DryRunPolicy

        policies = [
            RetryPolicy(**retry_settings(self.clients.environment)),
            authentication_policy(self.clients.credential, scope or ARM_SCOPE),
            DryRunPolicy(self.clients.guard),
        ]
        client: Any = PipelineClient(base_url=url, policies=policies)
        try:
            resp = client.send_request(
                HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
            )
        except ServiceRequestError as exc:
            raise errors.EndpointUnreachable(f"Azure Monitor unreachable: {exc}") from exc
        if resp.status_code == 404:
            raise errors.NotFound(f"Azure Monitor: {url.split('?')[0]} not found")
        if resp.status_code >= 400:
            raise errors.ProviderError(f"Azure Monitor {method}: HTTP {resp.status_code}: {resp.text()[:200]}")
        return dict(json.loads(resp.text() or "{}"))

    def get(
        self, resource_id: str, names: list[str], start: datetime, end: datetime
    ) -> dict[str, list[dict[str, Any]]]:
        """metric name -> data points (timeStamp, total, count, average, minimum, maximum)."""
        span = f"{start.isoformat()}/{end.isoformat()}".replace("+00:00", "Z")
        url = (
            f"{self._arm()}{resource_id}/providers/Microsoft.Insights/metrics?api-version={API_VERSION}"
            f"&metricnames={','.join(names)}&timespan={span}&interval=PT1M&aggregation=Total,Count,Average"
        )
        out: dict[str, list[dict[str, Any]]] = {}
        for metric in self._send("GET", url).get("value", []):
            series = metric.get("timeseries") or [{}]
            out[metric["name"]["value"]] = list(series[0].get("data") or [])
        return out

    def publish(
        self,
        resource_id: str,
        region: str,
        metric: str,
        when: datetime,
        values: dict[str, float],
        namespace: str = "mcctl",
    ) -> None:
        """One custom metric point (min, max, sum, count)."""
        body = {
            "time": when.isoformat(),
            "data": {
                "baseData": {
                    "metric": metric,
                    "namespace": namespace,
                    "dimNames": [],
                    "series": [{"dimValues": [], **values}],
                }
            },
        }
        self._send(
            "POST",
            f"{self._ingest_base(region)}{resource_id}/metrics?api-version=2018-09-01-preview",
            body,
            scope="https://monitoring.azure.com/.default",
        )
