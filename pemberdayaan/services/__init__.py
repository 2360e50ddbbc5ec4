"""Empowerment services: hand-over at graduation, referrals, follow-ups, fall-back risk."""
