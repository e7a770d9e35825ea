"""One module per resource kind; `registry.py` lists them."""
