"""Dashboards and reports for Dinsos and the ministry. They read only what the nightly
pipeline wrote (graduasi_regionsummary, graduasi_regionmonth, the run record), never the
case tables, so a national page costs the same as a kecamatan's."""
