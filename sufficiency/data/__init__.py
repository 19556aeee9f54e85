"""Reading, validating and loading data: SSDA903 extracts, published tables, demo data."""
