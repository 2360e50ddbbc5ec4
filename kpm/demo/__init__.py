"""Demo data: deterministic KPM, members, pendamping and one login per role.

`plan` and `households` are pure (no database, no clock); `writer` streams them into
PostgreSQL with COPY. The `seed_demo` command is the entry point.
"""
