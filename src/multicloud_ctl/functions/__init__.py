"""The deployable service functions of the shop (AWS Lambda + Azure Functions), cloud-neutral at the core.

This package is zipped and shipped on its own: it imports nothing else from `multicloud_ctl` (a test scans the
imports). Layers, inside out:

- `domain/`: pure business logic (products, inventory, orders, users, payments, notifications, analytics,
  backup). No SDK imports; stores, buses and clocks come in as small protocols.
- `adapters/`: the SDK-facing implementations of those protocols (DynamoDB, SQL via SQLAlchemy Core, SQS and
  Service Bus, Redis, SMTP, Stripe, Cognito JWKS, secrets).
- `http/`: one route table that both clouds serve (request/response dataclasses, error mapping).
- `wiring.py`: builds the services from `config.FunctionConfig` (environment variables only).
- `aws_lambda/`: `handler(event, context)` per service (API Gateway REST v1 proxy events) and `router.route`.
- `azure/`: the Azure Functions v2 app (`function_app.py`, blueprints, `host.json`) over plain callables in
  `api.handle_http` and `consumers.handle_message`.
"""
