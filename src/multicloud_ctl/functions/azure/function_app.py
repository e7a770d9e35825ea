"""The Azure Functions app (Python v2 model): registers the blueprints. Thin: no logic lives here.

The deployed `function_app.py` at the package root is `from multicloud_ctl.functions.azure.function_app import
app` (or `create_app(backup_core=...)` to bind the backup core).
"""

from __future__ import annotations

import azure.functions as func

from multicloud_ctl.functions.azure.blueprints import consumers, http_api
from multicloud_ctl.functions.azure.blueprints.backup import make_blueprint
from multicloud_ctl.functions.domain.backup import BackupCore


def create_app(backup_core: BackupCore | None = None) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(http_api.bp)
    app.register_functions(consumers.bp)
    app.register_functions(make_blueprint(backup_core))
    return app


app = create_app()
