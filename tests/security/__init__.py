"""Security tests: the authorization matrix (who gets which answer on every route) and the fields
a form or API call may not set."""
