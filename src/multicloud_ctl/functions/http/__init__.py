"""The HTTP surface both clouds serve: request/response dataclasses and one route table."""
