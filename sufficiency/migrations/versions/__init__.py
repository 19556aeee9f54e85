"""Schema versions of the scenario library, oldest first."""
