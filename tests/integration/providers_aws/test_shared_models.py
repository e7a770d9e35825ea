"""Every boto3 session of the process reads botocore's service models through one loader (parsed once), while
credentials and configuration stay per environment."""

from __future__ import annotations

from typing import Any

import pytest

from multicloud_ctl.engine.runtime import Runtime

pytestmark = pytest.mark.integration


def test_two_environments_share_the_parsed_models_and_keep_their_own_credentials(local_env: Any, aws: str) -> None:
    other = local_env.model_copy(
        update={"aws": local_env.aws.model_copy(update={"access_key_id": "literal-dev:other-key"})}
    )
    first, second = Runtime(local_env), Runtime(other)
    one, two = first.aws.client("dynamodb"), second.aws.client("dynamodb")
    assert one.list_tables()["TableNames"] == two.list_tables()["TableNames"] == []

    # the same parsed JSON, not a second parse of the model file
    assert one.meta.service_model._service_description is two.meta.service_model._service_description
    assert one._loader is two._loader
    # but each environment its own session and credentials
    assert first.aws.session() is not second.aws.session()
    assert first.aws.session().get_credentials().access_key == "testing"
    assert second.aws.session().get_credentials().access_key == "other-key"


def test_new_sessions_do_not_grow_the_shared_loaders_search_path(local_env: Any) -> None:
    loader = Runtime(local_env).aws.client("sqs")._loader
    paths = list(loader.search_paths)
    for _ in range(3):
        Runtime(local_env).aws.client("sqs")
    assert loader.search_paths == paths
    assert len(set(paths)) == len(paths)


def test_an_environment_with_its_own_data_path_gets_its_own_loader(
    local_env: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = Runtime(local_env).aws.client("sqs")._loader
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))  # botocore's extra model directories
    own = Runtime(local_env).aws.client("sqs")._loader
    assert own is not shared
    assert str(tmp_path) in own.search_paths and str(tmp_path) not in shared.search_paths


def test_the_permission_scans_models_are_the_clients_parsed_ones(local_env: Any) -> None:
    from multicloud_ctl.providers.aws import service_models

    assert service_models.operations("sqs")["list_queues"] == "ListQueues"
    assert service_models._session().get_component("data_loader") is Runtime(local_env).aws.client("sqs")._loader
