"""Demand: forecast entries, exits, transitions and stocks of children looked after."""
