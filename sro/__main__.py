"""`python -m sro` runs the `sro` CLI."""

from sro.cli import main

main()
