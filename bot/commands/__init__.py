"""Chat commands written once over the application core, for every platform."""
