"""Azure Functions v2 blueprints: thin decorators over the plain callables (the azure.functions users)."""
