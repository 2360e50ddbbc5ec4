"""How an API caller signs in. Kept apart from config/api.py: DRF imports the classes its
settings name while rest_framework.views is still loading, so this module imports nothing else."""

from __future__ import annotations

from rest_framework import authentication
from rest_framework.request import Request


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in web session (writes need the CSRF token). Naming a scheme in
    `WWW-Authenticate` makes DRF answer a caller who is not signed in with 401, not 403."""

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="api"'
