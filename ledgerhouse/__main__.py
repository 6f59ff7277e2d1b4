"""``python -m ledgerhouse``: the same command line as the ``ledgerhouse`` script."""

from ledgerhouse.cli import main

raise SystemExit(main())
