"""A thin typed client for deploying Azure Functions: function apps (Microsoft.Web/sites), their app settings,
deployment slots, and the Blob container that holds the packages they run from.

Deploy points an app at a package with the `WEBSITE_RUN_FROM_PACKAGE` app setting (the app mounts the zip
read-only from that URL), so a rollback is one settings write and an unchanged package is never re-uploaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound, ProviderError
from multicloud_ctl.providers.azure.errors import azure_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.clients import AzureClients

RUN_FROM_PACKAGE = "WEBSITE_RUN_FROM_PACKAGE"


class FunctionApps:
    """Function apps in the environment's resource group."""

    def __init__(self, clients: AzureClients) -> None:
        self._clients = clients
        self._web = clients.web
        self.group = clients.environment.azure.resource_group

    def group_exists(self) -> bool:
        with azure_errors(f"check resource group {self.group}"):
            return bool(self._clients.resources.resource_groups.check_existence(self.group))

    def create_group(self, location: str, tags: Mapping[str, str]) -> None:
        with azure_errors(f"create resource group {self.group}"):
            self._clients.resources.resource_groups.create_or_update(
                self.group, {"location": location, "tags": dict(tags)}
            )

    def exists(self, app: str, slot: str | None = None) -> bool:
        try:
            with azure_errors(f"get function app {app}{'/' + slot if slot else ''}"):
                if slot:
                    self._web.web_apps.get_slot(self.group, app, slot)
                else:
                    self._web.web_apps.get(self.group, app)
        except NotFound:
            return False
        return True

    def create(self, app: str, location: str, tags: Mapping[str, str], slot: str | None = None) -> None:
        from azure.mgmt.web.models import ManagedServiceIdentity, Site

        # the system-assigned identity is what the functions reach Service Bus with (as provision creates apps)
        site = Site(
            location=location,
            kind="functionapp,linux",
            tags=dict(tags),
            identity=ManagedServiceIdentity(type="SystemAssigned"),
        )
        with azure_errors(f"create function app {app}{'/' + slot if slot else ''}"):
            if slot:
                self._web.web_apps.begin_create_or_update_slot(self.group, app, slot, site).result()
            else:
                self._web.web_apps.begin_create_or_update(self.group, app, site).result()

    def settings(self, app: str, slot: str | None = None, *, group: str | None = None) -> dict[str, str]:
        """The app's settings (`group`: another resource group than the environment's, e.g. a secondary's)."""
        rg = group or self.group
        with azure_errors(f"list app settings of {app}"):
            if slot:
                out = self._web.web_apps.list_application_settings_slot(rg, app, slot)
            else:
                out = self._web.web_apps.list_application_settings(rg, app)
        return dict(out.properties or {})

    def set_settings(self, app: str, settings: Mapping[str, str], slot: str | None = None) -> None:
        from azure.mgmt.web.models import StringDictionary

        body = StringDictionary(properties=dict(settings))
        with azure_errors(f"update app settings of {app}"):
            if slot:
                self._web.web_apps.update_application_settings_slot(self.group, app, slot, body)
            else:
                self._web.web_apps.update_application_settings(self.group, app, body)

    def swap_into_production(self, app: str, slot: str) -> None:
        from azure.mgmt.web.models import CsmSlotEntity

        with azure_errors(f"swap slot {slot} of {app} into production"):
            self._web.web_apps.begin_swap_slot(
                self.group, app, slot, CsmSlotEntity(target_slot="production", preserve_vnet=True)
            ).result()


class PackageContainer:
    """The Blob container of hash-named function packages."""

    def __init__(self, clients: AzureClients, container: str) -> None:
        self._container = clients.blob.get_container_client(container)
        self.name = container

    def exists(self) -> bool:
        with azure_errors(f"check container {self.name}"):
            return bool(self._container.exists())

    def create(self) -> None:
        try:
            with azure_errors(f"create container {self.name}"):
                self._container.create_container()
        except ProviderError as exc:
            if exc.status != 409:  # already there: fine
                raise

    def has(self, blob: str) -> bool:
        with azure_errors(f"check blob {self.name}/{blob}"):
            return bool(self._container.get_blob_client(blob).exists())

    def upload(self, blob: str, data: bytes, sha256_hex: str) -> None:
        from azure.storage.blob import ContentSettings

        with azure_errors(f"upload blob {self.name}/{blob}"):
            self._container.upload_blob(
                blob,
                data,
                overwrite=True,
                metadata={"sha256": sha256_hex},
                content_settings=ContentSettings(content_type="application/zip"),
            )

    def url(self, blob: str) -> str:
        return str(self._container.get_blob_client(blob).url)

    def download(self, blob: str) -> bytes:
        with azure_errors(f"download blob {self.name}/{blob}"):
            return bytes(self._container.download_blob(blob).readall())


def describe(settings: Mapping[str, Any]) -> str:
    """The package name an app runs from ('' when none)."""
    url = str(settings.get(RUN_FROM_PACKAGE, ""))
    return url.rsplit("/", 1)[-1] if url else ""
