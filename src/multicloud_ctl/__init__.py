"""mcctl: operate a multi-cloud e-commerce backend."""

__version__ = "0.1.0"
