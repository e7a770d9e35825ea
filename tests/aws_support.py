"""AWS set-up helpers for tests that call boto3 directly (against the session's moto server)."""

from __future__ import annotations

import time
from typing import Any


def create_function(client: Any, **kwargs: Any) -> dict[str, Any]:
    """`client.create_function(**kwargs)`, retried while the new role "cannot be assumed by Lambda" yet.

    The sandbox's moto refuses the first CreateFunction with a freshly created role, as AWS does until IAM has
    propagated (`local/moto_strict.py`); set-up code that calls boto3 directly must retry like mcctl does.
    """
    from botocore.exceptions import ClientError

    for _ in range(10):
        try:
            return dict(client.create_function(**kwargs))
        except ClientError as exc:
            if "cannot be assumed by Lambda" not in str(exc):
                raise
            time.sleep(0.1)
    raise AssertionError("the role never became assumable")
