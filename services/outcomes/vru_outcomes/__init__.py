"""The outcomes service: the cohort of enrolments, outcome records, and the metrics over them."""
