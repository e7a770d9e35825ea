"""`python -m multicloud_ctl` runs the mcctl CLI."""

from __future__ import annotations

from multicloud_ctl.cli.entry import main

if __name__ == "__main__":
    main()
