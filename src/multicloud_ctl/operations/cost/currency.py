"""Currency policy: amounts in different currencies are never summed silently.

`separate` keeps every total per currency and warns when more than one currency is present; `convert` turns
each record into the target currency with the playbook's explicit rate, and leaves (and warns about) any
currency without a rate. No rate is ever looked up on the network.
"""

from __future__ import annotations

from dataclasses import replace

from multicloud_ctl.config.specs.cost import CurrencyPolicy
from multicloud_ctl.operations.cost.records import CostRecord


def apply_currency_policy(records: list[CostRecord], policy: CurrencyPolicy) -> tuple[list[CostRecord], list[str]]:
    """Records after the policy, and the warnings a reader must see."""
    currencies = sorted({r.currency for r in records})
    if policy.mode == "separate" or not records:
        warnings = []
        if len(currencies) > 1:
            warnings.append(
                f"costs are billed in {len(currencies)} currencies ({', '.join(currencies)}); "
                "totals are shown per currency and never summed "
                "(set currency.mode: convert with explicit rates in the Cost playbook to convert)"
            )
        return records, warnings
    missing = [c for c in currencies if c != policy.target and c not in policy.rates]
    out: list[CostRecord] = []
    for r in records:
        rate = 1.0 if r.currency == policy.target else policy.rates.get(r.currency)
        if rate is None:
            out.append(r)
            continue
        out.append(
            r
            if rate == 1.0
            else replace(
                r,
                billed=r.billed * rate,
                effective=r.effective * rate,
                currency=policy.target,
                tags=dict(r.tags),
                pricing_currency=r.pricing_currency or r.currency,
                pricing_rate=r.pricing_rate * rate,
            )
        )
    warnings = []
    converted = [c for c in currencies if c != policy.target and c in policy.rates]
    if converted:
        warnings.append(
            "converted to "
            + policy.target
            + " with playbook rates: "
            + ", ".join(f"1 {c} = {policy.rates[c]:g} {policy.target}" for c in converted)
        )
    if missing:
        warnings.append(
            f"no rate for {', '.join(missing)} in the Cost playbook: those amounts stay in their own "
            f"currency and are not added to {policy.target} totals"
        )
    return out, warnings
