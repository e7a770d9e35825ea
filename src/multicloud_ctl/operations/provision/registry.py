"""The resource-kind registry: adding a kind = one module under `kinds/` + one line here.

The order of this list is the default apply order (explicit `depends_on` edges refine it); destroy runs
in reverse. Kind modules import no cloud SDK at import time, so the playbook schema can list them cheaply.
"""

from __future__ import annotations

from multicloud_ctl.operations.provision.kind import ResourceKind
from multicloud_ctl.operations.provision.kinds.dynamodb_table import DynamoDbTable
from multicloud_ctl.operations.provision.kinds.s3_bucket import S3Bucket

KIND_CLASSES: list[type[ResourceKind]] = [
    DynamoDbTable,
    S3Bucket,
]

KINDS: dict[str, ResourceKind] = {cls.name: cls() for cls in KIND_CLASSES}
