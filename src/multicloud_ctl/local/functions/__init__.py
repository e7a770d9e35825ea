"""The local functions host: the real handlers served as HTTP on 127.0.0.1, one process per cloud.

    events.py     HTTP <-> API Gateway REST v1 proxy events (AWS side)
    server.py     the threading HTTP front (AWS: router.route; Azure: api.handle_http)
    triggers.py   queue triggers (Lambda SQS event source / Service Bus trigger semantics) and timers
    host.py       one host process: HTTP + triggers (+ Azure's backup timer and SMTP sink)
    bootstrap.py  sandbox resources the functions need (tables, queues + DLQs, bucket, Cognito pool)
    envfile.py    the MCCTL_FN_* settings file the host loads
    component.py  the `functions_aws` / `functions_azure` sandbox components (`mcctl local up|stop|start`)

Stopping one host (`mcctl local stop aws`) is how the sandbox simulates a region outage.
"""
