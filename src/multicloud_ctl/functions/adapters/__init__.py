"""SDK-facing implementations of the domain protocols. SDKs are imported inside the modules that need them."""
