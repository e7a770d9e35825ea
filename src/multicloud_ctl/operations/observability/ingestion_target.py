"""Where `mcctl logs ship` uploads: the data collection endpoint's URL and the rule's immutable id.

Both are assigned by Azure when the endpoint and the rule are created (`properties.logsIngestion.endpoint`,
`properties.immutableId`), so they are read from the rule `mcctl provision` made (azure_data_collection_rule,
`mcctl-<env>-functions` in the primary resource group) and the endpoint it names. The Observability playbook's
`log_shipping.ingestion_endpoint` / `dcr_immutable_id` override them (a rule mcctl did not provision). With
neither, the sandbox falls back to its fake ARM (which serves the Logs Ingestion API) and the id
`dcr-mcctl-functions`; a cloud environment stops with a configuration error that says what to provision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.observability import LogShipping
    from multicloud_ctl.engine.runtime import Runtime

SANDBOX_RULE = "dcr-mcctl-functions"


@dataclass(frozen=True)
class IngestionTarget:
    endpoint: str
    rule_id: str  # the data collection rule's immutable id, what the Logs Ingestion API is called with
    source: str  # "playbook", "provisioned" or "sandbox"


def provisioned_target(runtime: Runtime) -> tuple[str, str] | None:
    """(endpoint URL, immutable id) of the provisioned rule and its endpoint, or None when there is none."""
    from multicloud_ctl.operations.provision.kinds.azure_data_collection_rule import API, rule_id
    from multicloud_ctl.providers.azure.resources import ArmResources

    arm = ArmResources(runtime.azure)
    rule = arm.get(rule_id(runtime.environment), API)
    props = (rule or {}).get("properties") or {}
    endpoint_id = props.get("dataCollectionEndpointId")
    if not props.get("immutableId") or not endpoint_id:
        return None
    dce = arm.get(str(endpoint_id), API)
    url = (((dce or {}).get("properties") or {}).get("logsIngestion") or {}).get("endpoint")
    return (str(url), str(props["immutableId"])) if url else None


def ingestion_target(runtime: Runtime, spec: LogShipping) -> IngestionTarget:
    """The playbook's endpoint and rule where it names them, else the provisioned ones (see the docstring)."""
    from multicloud_ctl import errors
    from multicloud_ctl.providers.azure.monitor_logs import ingestion_endpoint

    if spec.ingestion_endpoint and spec.dcr_immutable_id:
        return IngestionTarget(spec.ingestion_endpoint, spec.dcr_immutable_id, "playbook")
    found = provisioned_target(runtime)
    if found is not None:
        return IngestionTarget(spec.ingestion_endpoint or found[0], spec.dcr_immutable_id or found[1], "provisioned")
    if not runtime.environment.is_local:
        raise errors.ConfigError(
            "no data collection rule to ship logs through: none is provisioned and the playbook names none",
            hint="mcctl provision apply (azure_data_collection_rule), or set log_shipping.ingestion_endpoint "
            "and log_shipping.dcr_immutable_id",
        )
    endpoint = ingestion_endpoint(runtime.azure, spec.ingestion_endpoint)
    return IngestionTarget(endpoint, spec.dcr_immutable_id or SANDBOX_RULE, "sandbox")
