"""Loaded by pytest before Django: the environment the test suite runs in.

Production-like settings (DEBUG off), minus HTTPS redirects and secure-only cookies, which a
plain-HTTP live server in tests cannot honour. Tasks run in-process unless a test starts a
real worker against Redis.
"""

import os

os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"
os.environ["DJANGO_SECURE_COOKIES"] = "false"
os.environ["DJANGO_STATIC_MANIFEST"] = "false"
os.environ["DJANGO_STATIC_FINDERS"] = "true"
# Playwright's event loop runs in the test thread; Django must allow its sync calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The audit tables refuse TRUNCATE unless the session allows it (audit migration 0007); a
# transactional test's flush empties every table, so this disposable database's sessions do.
os.environ["PGOPTIONS"] = " ".join(
    filter(None, [os.environ.get("PGOPTIONS"), "-c audit.allow_truncate=on"])
)
