"""Graduation views: the proposal pages of the pendamping and the Dinsos officer."""
