from vru_shared.migrations import run_env

from vru_identity.adapters.orm import metadata

run_env(metadata)
