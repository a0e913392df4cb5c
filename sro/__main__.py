"""`python -m sro` runs the `sro` CLI (reads are forwarded to a running command first, see sro.live)."""

from sro.commands.fast import main

main()
