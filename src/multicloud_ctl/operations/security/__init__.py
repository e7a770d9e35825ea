"""Security posture: `mcctl security audit` (a registry of checks over both clouds and the local state) and
`mcctl secrets rotate api-key` (zero-downtime rotation of the service API key in both clouds' secret stores)."""
