"""Small hand-made worlds for mechanism tests, built through the scenario layer."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from innostate.model.params import Params
from innostate.scenario.build import World, build
from innostate.scenario.load import validate_data

NODE = {
    "frontier": 8.0,
    "frontier_growth": 0.0,
    "requirement": 6.0,
    "difficulty": 10.0,
    "market_size": 10.0,
    "market_growth": 0.0,
    "initial_level": 4.0,
    "foreign_share": 0.8,
}


def node(ident: str, **fields: Any) -> dict[str, Any]:
    return {"id": ident, "area": fields.pop("area", "chips"), **NODE, **fields}


def actor(ident: str, kind: str = "private_firm", **fields: Any) -> dict[str, Any]:
    base = {
        "id": ident,
        "name": ident,
        "kind": kind,
        "region": "north",
        "ownership": "private" if kind == "private_firm" else "state",
    }
    return {**base, **fields}


def world(
    nodes: list[dict[str, Any]] | None = None,
    actors: list[dict[str, Any]] | None = None,
    regime: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
    **extra: Any,
) -> World:
    """A world with one area, two regions and the given nodes and actors."""
    raw: dict[str, Any] = {
        "name": "hand-made",
        "calendar": {"start": "2020Q1", "end": "2022Q4"},
        "regions": ["north", "south"],
        "areas": [{"id": "chips"}, {"id": "space"}],
        "nodes": nodes or [node("a")],
        "actors": actors or [actor("firm", capabilities={"a": 4.0}, cash=1.0, talent=100)],
        "regime": {"preset": "new_national_system", "overrides": regime or {}},
        "parameters": parameters or {},
        **extra,
    }
    return build(validate_data(copy.deepcopy(raw)))


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def params_with(w: World, **groups: dict[str, Any]) -> Params:
    from innostate.scenario.regimes import apply_overrides

    return apply_overrides(w.params, groups)  # type: ignore[no-any-return]


def index(w: World, ident: str) -> int:
    return w.actor_ids.index(ident)


def write_posterior(
    folder: Any,
    sets: int = 12,
    scenario: str = "tiny",
    population_scale: float = 1.0,
    steps_per_year: int = 4,
    seed: int = 0,
) -> Any:
    """A small posterior folder as `innostate calibrate` writes it (docs/calibration.md).

    Two calibrated inputs with correlated draws (|r| > 0.5), weights summing to 1,
    a predictive table with in-sample and held-out milestones (one censored), and
    emulator leave-one-out diagnostics.
    """
    import json
    from pathlib import Path

    import pandas as pd

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    gen = np.random.default_rng(seed)
    productivity = gen.uniform(0.15, 0.4, sets)
    exponent = np.clip(0.3 + 0.8 * productivity + gen.normal(0, 0.02, sets), 0.05, 1)
    weight = gen.uniform(0.5, 1.5, sets)
    pd.DataFrame(
        {
            "set": np.arange(sets, dtype=np.int64),
            "weight": weight / weight.sum(),
            "rnd.productivity": productivity,
            "rnd.returns_exponent": exponent,
        }
    ).to_parquet(folder / "posterior.parquet", index=False)
    rows = [
        ("a@5.0", "a", 5.0, "2014-06", 2014.42, 0.5, "in_sample", 2013.9, 2014.5, 2015.6, 1.0),
        ("b@6.0", "b", 6.0, "2016", 2016.5, 1.0, "in_sample", 2016.0, 2017.25, 2018.0, 1.0),
        ("c@7.0", "c", 7.0, "2019-03", 2019.17, 0.25, "in_sample", 2021.0, 2022.0, 2024.0, 0.9),
        ("d@6.5", "d", 6.5, "2021-10", 2021.75, 0.25, "held_out", 2020.5, 2021.5, 2023.0, 0.95),
        ("e@8.0", "e", 8.0, "2022", 2022.5, 1.0, "held_out", 2026.0, float("inf"), float("inf"),
         0.4),
    ]  # fmt: skip
    columns = [
        "id", "node", "level", "real_date", "real_year", "precision_years", "split",
        "q10", "q50", "q90", "reached_share",
    ]  # fmt: skip
    predictive = pd.DataFrame(rows, columns=columns)
    predictive["inside_80"] = (predictive["q10"] <= predictive["real_year"]) & (
        predictive["real_year"] <= predictive["q90"]
    )
    predictive["lag_years"] = predictive["q50"] - predictive["real_year"]
    predictive.to_parquet(folder / "predictive.parquet", index=False)
    runs = 20
    observed = gen.normal(2016, 2, (3, runs))
    sd = np.full((3, runs), 0.5)
    predicted = observed + gen.normal(0, 0.5, (3, runs)) * sd
    pd.DataFrame(
        {
            "target": np.repeat(["a@5.0", "b@6.0", "c@7.0"], runs),
            "run": np.tile(np.arange(runs), 3),
            "observed": observed.ravel(),
            "predicted": predicted.ravel(),
            "sd": sd.ravel(),
            "standardised": ((observed - predicted) / sd).ravel(),
        }
    ).to_parquet(folder / "emulator.parquet", index=False)
    pd.DataFrame(
        {
            "wave": [1, 2],
            "runs": [40, 40],
            "points": [20, 20],
            "non_implausible_share": [0.3, 0.6],
            "cutoff": [3.0, 3.0],
        }
    ).to_parquet(folder / "waves.parquet", index=False)
    backtest = {
        "in_sample": {
            "milestones": 3,
            "coverage_80": 2 / 3,
            "mean_abs_lag_years": 1.4,
            "median_interval_width_years": 2.0,
            "unreached_by_2030": 0,
        },
        "held_out": {
            "milestones": 2,
            "coverage_80": 0.5,
            "mean_abs_lag_years": 0.25,
            "median_interval_width_years": 2.5,
            "unreached_by_2030": 1,
        },
    }
    calibration = {
        "name": f"{scenario}-test",
        "innostate_version": "0.0",
        "scenario": scenario,
        "population_scale": population_scale,
        "steps_per_year": steps_per_year,
        "horizon": "2030Q4",
        "created": "2025-01-15",
        "seed": 7,
        "parameters": {
            "rnd.productivity": {"low": 0.1, "high": 0.5},
            "rnd.returns_exponent": {"low": 0.3, "high": 0.9},
        },
        "waves": 2,
        "runs": 80,
        "backtest": backtest,
        "error_model": {},
    }
    (folder / "calibration.json").write_text(json.dumps(calibration, indent=2), encoding="utf-8")
    return folder
