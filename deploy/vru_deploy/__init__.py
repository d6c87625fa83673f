"""How the platform runs: the `vru` command, the embedded mode and the local full-mode supervisor."""
