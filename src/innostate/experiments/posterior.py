"""Posterior parameter sets from a calibration, and which one each replicate uses.

A posterior folder (written by ``innostate calibrate``, see docs/calibration.md)
holds ``posterior.parquet`` (one row per parameter set: ``set``, ``weight``, one
column per calibrated input by its ``--set`` path), ``calibration.json`` (what
was calibrated, on which scenario, scale and step length, and the backtest's
figures) and ``predictive.parquet`` (the posterior predictive date of each
target milestone). The built-in national scenarios ship one at
``innostate/data/posterior/<name>/``; runs of them draw from it by default
once its backtest meets the acceptance figures (:data:`ACCEPTANCE`, issue 12's
"How it is checked"); until then they use the defaults and say so, and
``--parameters posterior`` uses it on request.

Replicate k of a run or comparison cell uses entry k of
``numpy.random.default_rng(root_seed).choice(n, size=replicates, p=weight)``:
the same sets in every regime and containment cell, so comparisons stay paired.
A single run uses the set of replicate 0. An explicit ``--set`` of a calibrated
input wins over the posterior's value.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from innostate.scenario.errors import Problem, ScenarioError

# built-in scenario -> the packaged posterior its runs draw from by default
# (prc-2019 continues the calibrated prc-2012 model from 2019 on)
BUILTIN_POSTERIORS = {"prc-2012": "prc-2012", "prc-2019": "prc-2012"}
CHOICES = ("posterior", "defaults")  # besides a folder path
PREDICTIVE_COLUMNS = (
    "id", "node", "level", "real_date", "real_year", "precision_years", "split",
    "q10", "q50", "q90", "reached_share", "inside_80", "lag_years",
)  # fmt: skip
BACKTEST_KEYS = (
    "milestones",
    "coverage_80",
    "mean_abs_lag_years",
    "median_interval_width_years",
    "unreached_by_2030",
)
# what a run records of the calibration, so that its report needs no posterior folder
CALIBRATION_SUMMARY = (
    "name", "innostate_version", "scenario", "population_scale", "steps_per_year", "horizon",
    "created", "waves", "runs", "backtest", "non_implausible",
)  # fmt: skip
# what the in-sample backtest must show before a packaged posterior becomes the default:
# figure -> (bound, True when the figure must be at least the bound)
ACCEPTANCE: dict[str, tuple[float, bool]] = {
    "coverage_80": (0.8, True),
    "mean_abs_lag_years": (1.5, False),
    "median_interval_width_years": (3.0, False),
    "unreached_by_2030": (0, False),
}
DEFAULTS: dict[str, Any] = {"source": "defaults", "posterior": None, "set": None, "values": {}}


@dataclass(frozen=True)
class Posterior:
    """A loaded, checked posterior.

    Attributes
    ----------
    name
        The calibration's name (``calibration.json`` ``name``).
    folder
        Where it was read from.
    sets
        One row per parameter set: ``set`` (int id), ``weight`` (sums to 1) and one
        float column per calibrated input (dotted ``--set`` path).
    calibration
        ``calibration.json`` as read.
    predictive
        ``predictive.parquet`` (one row per target milestone), or None when absent.
    """

    name: str
    folder: Path
    sets: pd.DataFrame
    calibration: dict[str, Any]
    predictive: pd.DataFrame | None

    @property
    def paths(self) -> list[str]:
        """The calibrated inputs' dotted paths, in column order."""
        return [c for c in self.sets.columns if c not in ("set", "weight")]

    def draw(self, root_seed: int, replicates: int) -> list[int]:
        """The set id of each replicate: ``default_rng(root_seed).choice(n, replicates, p=weight)``.

        Parameters
        ----------
        root_seed
            The run's or comparison's root seed.
        replicates
            How many replicates (1 for a single run).

        Returns
        -------
        list of int
            Set ids (the ``set`` column), one per replicate.
        """
        weights = self.sets["weight"].to_numpy(dtype=float)
        picks = np.random.default_rng(root_seed).choice(len(weights), size=replicates, p=weights)
        ids = self.sets["set"].to_numpy()
        return [int(ids[k]) for k in picks]

    def values(self, set_id: int) -> dict[str, float]:
        """The calibrated inputs of one set, by dotted path."""
        row = self.sets.loc[self.sets["set"] == set_id]
        if row.empty:
            raise KeyError(f"{self.name} has no parameter set {set_id}")
        return {path: float(row.iloc[0][path]) for path in self.paths}

    def block(self, set_id: int, overridden: list[str] | None = None) -> dict[str, Any]:
        """What a run's manifest records under ``parameters`` for one set.

        ``source``, ``posterior`` (name), ``set`` (id) and ``values`` (the set's
        inputs), plus ``overridden`` (inputs an explicit ``--set`` replaced) and
        ``calibration`` (the calibration's scenario, scale, step length and
        backtest figures, for the credibility box of reports).
        """
        return {
            "source": "posterior",
            "posterior": self.name,
            "set": int(set_id),
            "values": self.values(set_id),
            "overridden": sorted(overridden or []),
            "calibration": self.summary(),
        }

    def summary(self) -> dict[str, Any]:
        """The calibration's facts a report shows (see ``CALIBRATION_SUMMARY``)."""
        return {k: self.calibration[k] for k in CALIBRATION_SUMMARY if k in self.calibration}


def run_key(block: dict[str, Any]) -> dict[str, Any] | None:
    """The part of a ``parameters`` block that decides a run (None for defaults)."""
    if block.get("source") != "posterior":
        return None
    return {k: block[k] for k in ("source", "posterior", "set", "values")}


def misses(calibration: dict[str, Any]) -> list[str]:
    """The acceptance figures a calibration's in-sample backtest misses (empty: accepted).

    Also a miss: no parameter point was non-implausible (the posterior then
    weighs the least implausible points of the last wave).
    """
    backtest = calibration.get("backtest", {}).get("in_sample", {})
    out = []
    if calibration.get("non_implausible") is False:
        out.append("no parameter set matched the record within the error model")
    for key, (bound, at_least) in ACCEPTANCE.items():
        value = backtest.get(key)
        if value is None or (value < bound if at_least else value > bound):
            shown = "none" if value is None else f"{value:g}"
            out.append(f"{key} {shown} ({'at least' if at_least else 'at most'} {bound:g})")
    return out


def packaged_folder(name: str) -> Path | None:
    """The packaged posterior folder ``innostate/data/posterior/<name>``, or None if not shipped."""
    folder = Path(str(resources.files("innostate.data").joinpath("posterior", name)))
    return folder if (folder / "posterior.parquet").is_file() else None


def choose(
    scenario: Any, parameters: str | Path | Posterior | None, option: str = "--parameters"
) -> Posterior | None:
    """The posterior a run draws from, or None for the default parameters.

    Parameters
    ----------
    scenario
        The scenario as the user named it: a built-in name (``prc-2012``), a
        path, or a Scenario object (never calibrated by default).
    parameters
        None: the packaged posterior for the built-in national scenarios when
        one is shipped and its backtest meets :data:`ACCEPTANCE`, else the
        defaults; ``"posterior"``: the packaged one (an error when there is none);
        ``"defaults"``: the model's defaults and the scenario's values; a folder
        path: that posterior; or a loaded Posterior.
    option
        How messages name the choice.

    Raises
    ------
    ScenarioError
        When ``posterior`` is asked for a scenario without a packaged posterior,
        or the folder is not a valid posterior (file, field and fix named).
    """
    if isinstance(parameters, Posterior):
        return parameters
    builtin = scenario if isinstance(scenario, str) and scenario in BUILTIN_POSTERIORS else None
    packaged = packaged_folder(BUILTIN_POSTERIORS[builtin]) if builtin else None
    if parameters is None:
        default = load_posterior(packaged) if packaged else None
        return default if default and not misses(default.calibration) else None
    if str(parameters) == "defaults":
        return None
    if str(parameters) == "posterior":
        if packaged is None:
            shipped = ", ".join(sorted(BUILTIN_POSTERIORS))
            why = (
                f"no posterior is packaged for '{builtin}' yet (uncalibrated)"
                if builtin
                else f"'{scenario}' has no packaged posterior (only the built-in {shipped} do)"
            )
            raise ScenarioError(
                [
                    Problem(
                        option,
                        "posterior",
                        why,
                        "use --parameters defaults, or --parameters FOLDER written by "
                        "`innostate calibrate`",
                    )
                ]
            )
        return load_posterior(packaged)
    return load_posterior(Path(parameters), option)


def load_posterior(folder: Path, option: str = "--parameters") -> Posterior:
    """Read and check a posterior folder.

    Raises
    ------
    ScenarioError
        Naming each file, field and fix: a missing folder or file, an unreadable
        file, missing columns, weights that are not positive or do not sum to 1,
        repeated set ids, a column that no ``--set`` path names, a value out of
        its parameter's range, or calibration.json fields missing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise _error(
            option,
            str(folder),
            "no such folder",
            "give the --out folder of `innostate calibrate`, or --parameters defaults",
        )
    calibration = _calibration(folder / "calibration.json")
    sets = _sets(folder / "posterior.parquet")
    predictive = _predictive(folder / "predictive.parquet")
    return Posterior(str(calibration["name"]), folder, sets, calibration, predictive)


def _error(file: str, field: str, message: str, fix: str) -> ScenarioError:
    return ScenarioError([Problem(file, field, message, fix)])


RECALIBRATE = "write it again with `innostate calibrate ... --out FOLDER`"


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise _error(str(path), "", "missing", RECALIBRATE)
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__
        message = f"not a readable Parquet table ({reason})"
        raise _error(str(path), "", message, RECALIBRATE) from None


def _sets(path: Path) -> pd.DataFrame:
    from innostate.scenario.override import parameter_paths
    from innostate.scenario.schema import Scenario

    sets = _read_table(path)
    file, problems = str(path), []
    for column in ("set", "weight"):
        if column not in sets.columns:
            problems.append(Problem(file, column, "column missing", RECALIBRATE))
    if problems:
        raise ScenarioError(problems)
    if sets.empty:
        raise _error(file, "", "holds no parameter sets", RECALIBRATE)
    if not pd.api.types.is_integer_dtype(sets["set"]) or sets["set"].duplicated().any():
        problems.append(Problem(file, "set", "ids must be distinct whole numbers", RECALIBRATE))
    weight = pd.to_numeric(sets["weight"], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(weight)) or np.any(weight <= 0):
        problems.append(Problem(file, "weight", "every weight must be > 0", RECALIBRATE))
    elif not math.isclose(float(weight.sum()), 1.0, abs_tol=1e-6):
        problems.append(
            Problem(file, "weight", f"weights sum to {weight.sum():.6g}, not 1", RECALIBRATE)
        )
    paths = [str(c) for c in sets.columns if c not in ("set", "weight")]
    known = parameter_paths()
    for column in paths:
        if column not in known and column.split(".")[0] not in Scenario.model_fields:
            problems.append(
                Problem(
                    file,
                    column,
                    "names no parameter or scenario input that --set takes",
                    "see `innostate params`; the calibration was made by another model version: "
                    + RECALIBRATE,
                )
            )
        elif not pd.api.types.is_numeric_dtype(sets[column]) or not np.all(
            np.isfinite(sets[column].to_numpy(dtype=float))
        ):
            problems.append(Problem(file, column, "values must be finite numbers", RECALIBRATE))
    if problems:
        raise ScenarioError(problems)
    _check_ranges(sets, [p for p in paths if p in known], file)
    sets = sets.astype({"set": "int64", "weight": "float64"})
    return sets.astype(dict.fromkeys(paths, "float64")).reset_index(drop=True)


def _check_ranges(sets: pd.DataFrame, paths: list[str], file: str) -> None:
    """Every set's model parameters within their ranges (checked as --set checks them)."""
    from innostate.model.params import Params
    from innostate.scenario.build import apply_settings

    if not paths:
        return
    low, high = sets[paths].min(), sets[paths].max()
    for corner in (low, high):  # the ranges are intervals: the extremes decide
        try:
            apply_settings(Params(), {p: float(corner[p]) for p in paths})
        except ScenarioError as exc:
            raise ScenarioError(
                [Problem(file, p.path, p.message, RECALIBRATE) for p in exc.problems]
            ) from None


def _calibration(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise _error(str(path), "", "missing", RECALIBRATE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        message = f"not readable JSON ({type(exc).__name__})"
        raise _error(str(path), "", message, RECALIBRATE) from None
    if not isinstance(data, dict):
        raise _error(str(path), "", "not a JSON object", RECALIBRATE)
    problems = [
        Problem(str(path), key, "field missing", RECALIBRATE)
        for key in ("name", "scenario", "population_scale", "steps_per_year", "created")
        if key not in data
    ]
    backtest = data.get("backtest", {})
    if not isinstance(backtest, dict):
        problems.append(Problem(str(path), "backtest", "not a mapping", RECALIBRATE))
    else:
        for split, figures in backtest.items():
            given = figures if isinstance(figures, dict) else {}
            missing = [k for k in BACKTEST_KEYS if k not in given]
            problems += [
                Problem(str(path), f"backtest.{split}.{k}", "field missing", RECALIBRATE)
                for k in missing
            ]
    if problems:
        raise ScenarioError(problems)
    return data


def _predictive(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    table = _read_table(path)
    missing = [c for c in PREDICTIVE_COLUMNS if c not in table.columns]
    if missing:
        raise ScenarioError([Problem(str(path), c, "column missing", RECALIBRATE) for c in missing])
    return table
