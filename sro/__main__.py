"""`python -m sro` and the `sro` script run the CLI (reads are forwarded to a running command first, see
sro.live)."""

from sro.commands.fast import main

if __name__ == "__main__":
    main()
