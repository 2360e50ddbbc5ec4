"""Pendamping pages, one module per area: visits, commitments, P2K2."""
