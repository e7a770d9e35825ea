"""Observability across both clouds: span assembly (`mcctl trace show`), log shipping CloudWatch Logs ->
Log Analytics and the merged log query (`mcctl logs`)."""
