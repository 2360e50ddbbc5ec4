"""Writes of a pendamping's work, one module per area: visits, commitments, P2K2."""
