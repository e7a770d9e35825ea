"""What mcctl needs from each cloud, derived from its code: `mcctl permissions`.

`scan.py` finds every API call in `providers/` (the only place SDK calls live), `catalog.py` says what each
call needs in the cloud's own terms, `documents.py` turns the union into an IAM policy, an Azure custom role
definition and the Cloudflare token's permission groups. `tests/unit/permissions` fails on a call without a
catalog entry, so the documents cannot fall behind the code.
"""
