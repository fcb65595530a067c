"""Running simulations: single runs, ensembles, experiment designs and their files.

Experiment designs (see ``docs/experiments.md``)::

    from innostate.experiments import factorial, run_design, model_function
    runs = run_design(factorial({"regime.alignment": [0.2, 0.6, 1.0]}), "tiny", replicates=5)
    f = model_function("tiny", outputs=["self_reliance_end"])
    f(**{"regime.alignment": 0.5})   # {"self_reliance_end": ...}
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from innostate.experiments.design import (
        ModelFunction,
        Sweep,
        factorial,
        from_csv,
        latin_hypercube,
        load_sweep,
        model_function,
        run_design,
        sweep,
    )

__all__ = [
    "ModelFunction",
    "Sweep",
    "factorial",
    "from_csv",
    "latin_hypercube",
    "load_sweep",
    "model_function",
    "run_design",
    "sweep",
]


def __getattr__(name: str) -> Any:
    # loaded on first use, so that importing the store (as the command line does) stays light
    if name in __all__:
        from innostate.experiments import design

        return getattr(design, name)
    raise AttributeError(f"module 'innostate.experiments' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
