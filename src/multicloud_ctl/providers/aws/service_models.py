"""botocore's service models, read without making a client: operation names and what a waiter polls.

For code that reasons about the AWS calls mcctl makes (`permissions/scan.py`) without calling AWS: the models
ship inside botocore, so this needs no credentials and no network.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _session() -> Any:
    """A bare botocore session reading its models through the loader the clients' sessions share."""
    import botocore.session

    from multicloud_ctl.providers.aws.session import models_loader

    session = botocore.session.get_session()
    session.register_component("data_loader", models_loader(session.get_config_variable("data_path")))
    return session


@cache
def operations(service: str) -> dict[str, str]:
    """boto3 method name -> API operation name for one service (`list_objects_v2` -> `ListObjectsV2`)."""
    from botocore import xform_name

    model = _session().get_service_model(service)
    return {xform_name(op): str(op) for op in model.operation_names}


@cache
def waiter_operation(service: str, waiter: str) -> str:
    """The API operation a boto3 waiter polls (`table_exists` -> `DescribeTable`); KeyError if unknown."""
    from botocore import xform_name

    model = _session().get_waiter_model(service)
    names = {xform_name(n): n for n in model.waiter_names}
    return str(model.get_waiter(names[waiter]).operation)
