"""Shared test configuration."""

import logging

# Prophet's Stan backend logs every fit at INFO; keep test output readable.
logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
