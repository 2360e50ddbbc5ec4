"""KPM pages, one module per area: imports (Dinsos), caseload and profile, household changes."""
