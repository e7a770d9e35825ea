"""The Azure Functions app (Python v2 model): registers the blueprints. Thin: no logic lives here.

The deployed `function_app.py` at the package root is `from multicloud_ctl.functions.azure.function_app import
app` (or `create_app(backup_core=...)` to bind the backup core).
"""

from __future__ import annotations

import azure.functions as func

from multicloud_ctl.functions.azure.blueprints import backup, consumers, http_api
from multicloud_ctl.functions.domain.backup import BackupCore


def create_app(backup_core: BackupCore | None = None) -> func.FunctionApp:
    """A FunctionApp: the HTTP API, the four queue triggers, the backup timer bound to `backup_core`."""
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(http_api.make_blueprint())
    app.register_functions(consumers.make_blueprint())
    app.register_functions(backup.make_blueprint(backup_core))
    return app


app = create_app()
