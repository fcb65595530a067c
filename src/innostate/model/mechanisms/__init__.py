"""One module per mechanism, each with ``step(state, params, rng) -> state``."""
