"""The benchmark suite: measures the platform against its goals in one run, as ratios."""
