"""innostate: China's new national system (新型举国体制) as an executable agent-based model.

Public API::

    import innostate
    result = innostate.simulate("tiny", regime="market_led", seed=1)
    result.nodes        # pandas DataFrame, one row per step and node
    result.summary      # headline indicators
    result.save("runs/my-run"); innostate.load("runs/my-run")
    cmp = innostate.compare("tiny", ["new_national_system"], ["real", "none"], replicates=10)
    cmp.differences     # paired differences with 95% bootstrap intervals

See ``docs/model.md`` for the model and README.md for the command line.
"""

from typing import TYPE_CHECKING, Any

from innostate._version import __version__
from innostate.scenario.errors import Problem, ScenarioError
from innostate.scenario.load import load_scenario, parse_scenario
from innostate.scenario.regimes import PRESETS as REGIMES

if TYPE_CHECKING:
    from innostate.experiments.compare import Comparison, compare
    from innostate.experiments.run import Result, simulate


def __getattr__(name: str) -> Any:
    # pandas and pyarrow load only when a run is asked for, keeping `import innostate` light
    if name in ("Result", "simulate"):
        from innostate.experiments import run

        return getattr(run, name)
    if name in ("Comparison", "compare"):
        from innostate.experiments import compare

        return getattr(compare, name)
    if name == "load":
        from innostate.experiments.run import Result

        return Result.load
    raise AttributeError(f"module 'innostate' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "REGIMES",
    "Comparison",
    "Problem",
    "Result",
    "ScenarioError",
    "__version__",
    "compare",
    "load",
    "load_scenario",
    "parse_scenario",
    "simulate",
]
