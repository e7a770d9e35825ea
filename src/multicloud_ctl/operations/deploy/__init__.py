"""`mcctl deploy`: package the service functions and roll them out to both clouds.

rollout.py       choose services, build the packages, assemble the plan (read-only calls only)
lambda_plan.py   Lambda steps: upload, create/update, publish, shift the alias (with its rollback)
traffic.py       the alias shift per strategy and the bake watch that rolls back on a breach
azure_plan.py    Azure steps: package to Blob, point each function app at it, slot swap
status.py        `deploy status` and `deploy rollback SERVICE`
fnenv.py         the MCCTL_FN_* settings functions get in an environment
"""
