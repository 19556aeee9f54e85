"""One module per ``sufficiency`` subcommand; see :mod:`sufficiency.cli`."""
