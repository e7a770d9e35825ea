"""The provider scan finds a new call, however it is written: fed small modules, it must see each one."""

from __future__ import annotations

import textwrap

from multicloud_ctl.permissions.scan import scan_sources


def ops(cloud: str, **modules: str) -> set[str]:
    sources = {f"{cloud}/{name}.py": textwrap.dedent(src) for name, src in modules.items()}
    return set(scan_sources(cloud, sources).operations(cloud))


def test_a_new_boto3_call_on_a_client_property_is_found() -> None:
    src = """
        class Queues:
            @property
            def _c(self):
                return self.clients.client("sqs", self.region)

            def purge(self, url):
                self._c.purge_queue(QueueUrl=url)
        """
    assert ops("aws", queues=src) == {"sqs:PurgeQueue"}


def test_boto3_helpers_name_the_operation_they_send() -> None:
    src = """
        class Things:
            def __init__(self, clients):
                self._ddb = clients.client("dynamodb")
                self._s3 = clients.client("s3")
                self._wire = JsonWire(clients.client("dynamodbstreams"), clients)

            def run(self, table, get):
                self._ddb.get_waiter("table_not_exists").wait(TableName=table)
                for page in self._ddb.get_paginator("list_tables").paginate():
                    pass
                url = self._s3.generate_presigned_url("put_object", Params={})
                self._wire.call("ListStreams", {})
                get("x", self._s3.get_bucket_acl)  # named now, called later
        """
    assert ops("aws", things=src) == {
        "dynamodb:DescribeTable",
        "dynamodb:ListTables",
        "s3:PutObject",
        "dynamodbstreams:ListStreams",
        "s3:GetBucketAcl",
    }


def test_a_factory_with_the_service_as_parameter_and_locals() -> None:
    src = """
        class Status:
            def _client(self, service):
                return self._clients.client(service, self._region)

            def look(self):
                ddb = self._client("dynamodb")
                ddb.describe_time_to_live(TableName="t")
                self._client(service="sqs").list_queues()
        """
    assert ops("aws", status=src) == {"dynamodb:DescribeTimeToLive", "sqs:ListQueues"}


def test_our_own_methods_with_operation_names_are_not_calls() -> None:
    src = """
        class Wrapper:
            def __init__(self, clients):
                self._c = clients.client("lambda")

            def get_function(self, name):
                return self._c.get_function(FunctionName=name)

            def use(self, other):
                self.get_function("x")
                other.get_function("y")  # positional: never boto3
        """
    result = scan_sources("aws", {"aws/wrapper.py": textwrap.dedent(src)})
    assert set(result.operations("aws")) == {"lambda:GetFunction"}
    assert result.unresolved == []


def test_a_boto3_looking_call_on_an_unknown_client_is_reported() -> None:
    src = """
        class Handed:
            client: object

            def go(self):
                self.client.create_table(TableName="t")
        """
    other = 'def make(clients):\n    return clients.client("dynamodb")\n'
    result = scan_sources("aws", {"aws/handed.py": textwrap.dedent(src), "aws/other.py": other})
    assert [(c.file, c.operation) for c in result.unresolved] == [("aws/handed.py", "?:create_table")]


def test_a_new_cloudflare_sdk_call_is_found() -> None:
    src = """
        class Cf:
            def purge(self):
                self.sdk.cache.purge(zone_id=self.zone_id, purge_everything=True)

            def _api(self, kind):
                sdk = self.client.sdk
                return {"pools": (sdk.load_balancers.pools, {}), "dns": (sdk.dns.records, {})}[kind]

            def remove(self, kind, item):
                api, scope = self._api(kind)
                api.delete(item, **scope)
        """
    assert ops("cloudflare", cf=src) == {"cache.purge", "load_balancers.pools.delete", "dns.records.delete"}


def test_a_new_azure_call_is_found() -> None:
    mgmt = """
        class Apps:
            def __init__(self, clients):
                self._web = clients.web

            def restart(self, group, app):
                self._web.web_apps.restart(group, app)
                self._clients.sql.databases.get(group, "s", "d")
        """
    blob = """
        class Box:
            @property
            def container(self):
                return self.clients.blob.get_container_client(self.name)

            def blob(self, name):
                return self.container.get_blob_client(name)

            def tier(self, name):
                self.blob(name).set_standard_blob_tier("Cool")
        """
    cas = """
        def lease(box, name):
            box.blob(name).acquire_lease()
        """
    assert ops("azure", mgmt=mgmt, box=blob, cas=cas) == {
        "web.web_apps.restart",
        "sql.databases.get",
        "BlobClient.set_standard_blob_tier",
        "BlobClient.acquire_lease",
    }


def test_raw_rest_requests_are_keyed_by_class_and_http_method() -> None:
    src = """
        class Vault:
            def _send(self, method, name):
                return PipelineClient(base_url=self.url).send_request(HttpRequest(method, name))

            def get(self, name):
                return self._send("GET", name)

            def delete(self, name):
                return self._send("DELETE", name)
        """
    assert ops("azure", vault=src) == {"vault.Vault GET", "vault.Vault DELETE"}


def test_getattr_with_a_computed_name_counts_the_operations_the_module_spells() -> None:
    src = """
        DELETES = {"vpc": ("DeleteVpc", "VpcId"), "subnet": ("DeleteSubnet", "SubnetId")}

        class Network:
            @property
            def _c(self):
                return self.clients.client("ec2", self.region)

            def delete(self, kind, rid):
                op, arg = DELETES[kind]
                getattr(self._c, _snake(op))(**{arg: rid})

            def tags(self, rid):
                return getattr(self._c, "describe_tags")(Filters=[])
        """
    assert ops("aws", network=src) == {"ec2:DeleteVpc", "ec2:DeleteSubnet", "ec2:DescribeTags"}


def test_getattr_with_a_name_the_module_never_spells_is_unresolved() -> None:
    src = """
        class Network:
            @property
            def _c(self):
                return self.clients.client("ec2", self.region)

            def run(self, op):
                getattr(self._c, op)()
        """
    result = scan_sources("aws", {"aws/network.py": textwrap.dedent(src)})
    assert [c.operation for c in result.unresolved] == ["?:getattr(ec2)"]
