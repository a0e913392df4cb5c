"""The `sro` command line: one module per area registers its commands; cli wires them."""
