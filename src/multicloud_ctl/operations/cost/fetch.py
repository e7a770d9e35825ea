"""Open the two cost sources for an environment and fetch a dataset (the one entry point the CLI uses).

Clients are built here from the environment (provider modules own the SDKs); tests pass their own
`CostExplorer` / `CostManagement` objects pointed at the sandbox instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.config.specs.cost import CurrencyPolicy
from multicloud_ctl.operations.cost.currency import apply_currency_policy
from multicloud_ctl.operations.cost.period import Period
from multicloud_ctl.operations.cost.records import CostDataset
from multicloud_ctl.operations.cost.sources import Grouping, collect

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.engine.events import Event

CLOUDS = ("aws", "azure")


@dataclass
class CostSources:
    """The clients of both cost APIs (None for a cloud left out with --provider)."""

    aws: Any | None
    aws_account: str
    azure: Any | None
    azure_subscription: str
    emit: Callable[[Event], None] = field(default=lambda event: None, repr=False)  # progress for the console

    @classmethod
    def for_environment(cls, env: Environment, clouds: tuple[str, ...] = CLOUDS) -> CostSources:
        aws = azure = None
        if "aws" in clouds:
            from multicloud_ctl.providers.aws.cost_explorer import CostExplorer, ce_client

            aws = CostExplorer(ce_client(env))
        if "azure" in clouds:
            from multicloud_ctl.providers.azure.cost_management import CostManagement, cost_management_client

            azure = CostManagement(cost_management_client(env))
        return cls(aws, env.aws.account_id, azure, env.azure.subscription_id)

    def fetch(self, period: Period, *, tag_key: str | None = None, policy: CurrencyPolicy | None = None) -> CostDataset:
        """Daily records of both clouds for the period, with the currency policy applied."""
        from multicloud_ctl.engine.events import Activity
        from multicloud_ctl.operations.collector import collections_rarer

        with Activity(self.emit, "cost-fetch", f"fetch cost {period}", None), collections_rarer():
            dataset = collect(
                period,
                grouping=Grouping(tag_key),
                aws=(self.aws, self.aws_account) if self.aws is not None else None,
                azure=(self.azure, self.azure_subscription) if self.azure is not None else None,
            )
        records, warnings = apply_currency_policy(dataset.records, policy or CurrencyPolicy())
        dataset.records = records
        dataset.warnings.extend(warnings)
        return dataset
