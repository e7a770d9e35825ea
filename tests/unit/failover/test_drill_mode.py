"""The drill's failover mode (`failover_mode` in the drill playbook): `auto` fails over ungracefully exactly when
the injected fault cuts this machine off from the source cloud's stores."""

from __future__ import annotations

from typing import Any

import pytest

from multicloud_ctl.operations.failover.drill import failover_is_ungraceful
from multicloud_ctl.operations.failover.inject import Brownout, NsPartition


def partition(scope: str) -> NsPartition:
    return NsPartition(plan=None, cloud="aws", scope=scope)  # type: ignore[arg-type]  # the plan is not read


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (partition("all"), True),
        (partition("edge"), True),
        (partition("clouds"), False),  # both clouds still reached from this machine
        (Brownout.__new__(Brownout), False),
        (None, False),
    ],
)
def test_auto_is_ungraceful_only_when_the_source_is_cut_off_from_this_machine(fault: Any, expected: bool) -> None:
    assert failover_is_ungraceful("auto", fault) is expected
    assert failover_is_ungraceful("graceful", fault) is False
    assert failover_is_ungraceful("ungraceful", fault) is True


def test_the_drill_playbook_refuses_an_unknown_mode() -> None:
    from pydantic import ValidationError

    from multicloud_ctl.config.specs.failover import DrillSpec

    assert DrillSpec().failover_mode == "auto"
    with pytest.raises(ValidationError, match="failover_mode"):
        DrillSpec(failover_mode="sometimes")  # type: ignore[arg-type]
