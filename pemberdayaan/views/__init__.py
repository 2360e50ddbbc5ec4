"""Empowerment views: referrals, follow-ups and families at risk of falling back."""
