"""AWS Lambda entry points: one module per service (`handler(event, context)`), `router.route` for any event.

`cdc.py` in this package belongs to the sync work (DynamoDB Streams -> Azure SQL), not to these services.
"""
