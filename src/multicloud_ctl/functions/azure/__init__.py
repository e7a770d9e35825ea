"""The Azure Functions (Python v2) side: plain callables in `api` and `consumers`, a thin decorator layer
in `function_app` and `blueprints/`, and `host.json`. Only those two import azure.functions.
"""
