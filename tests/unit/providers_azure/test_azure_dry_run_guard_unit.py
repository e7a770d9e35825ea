"""The provider-neutral dry-run guard: what counts as mutating, refusal, counting."""

from __future__ import annotations

import pytest

from multicloud_ctl.errors import DryRunViolation, SafetyRefused
from multicloud_ctl.providers.azure.guard import azure_guard

SUB = "https://management.azure.com/subscriptions/s"


def test_reads_pass_and_are_counted_under_dry_run() -> None:
    guard = azure_guard(dry_run=True)
    guard.check("GET", f"{SUB}/resourcegroups?api-version=1")
    guard.check("HEAD", f"{SUB}/resourcegroups/rg?api-version=1")
    assert (guard.total, guard.mutating, guard.blocked) == (2, 0, 0)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_mutations_are_refused_under_dry_run(method: str) -> None:
    guard = azure_guard(dry_run=True)
    with pytest.raises(DryRunViolation) as info:
        guard.check(method, f"{SUB}/resourcegroups/rg/providers/Microsoft.Web/sites/app/restart?api-version=1")
    assert isinstance(info.value, SafetyRefused) and info.value.exit_code == 4
    assert (guard.mutating, guard.blocked) == (0, 1)


@pytest.mark.parametrize(
    "path",
    [
        "/providers/Microsoft.CostManagement/query",
        "/resourceGroups/rg/providers/Microsoft.Web/sites/a/config/appsettings/list",
        "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/listKeys",
    ],
)
def test_allow_listed_read_only_posts_pass(path: str) -> None:
    guard = azure_guard(dry_run=True)
    guard.check("POST", f"{SUB}{path}?api-version=1")
    assert guard.blocked == 0


def test_without_dry_run_mutations_pass_and_are_counted() -> None:
    guard = azure_guard(dry_run=False)
    guard.check("PUT", f"{SUB}/resourcegroups/rg?api-version=1")
    guard.check("GET", f"{SUB}/resourcegroups/rg?api-version=1")
    assert (guard.total, guard.mutating, guard.blocked) == (2, 1, 0)
