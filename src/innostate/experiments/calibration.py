"""Calibration: history matching on dated milestones with Gaussian-process emulators.

The targets are data (:func:`calibration_targets`): each dated milestone of a
scenario (``scenario.milestones``: a node reached a level on a date) is a
target *date* for the run's domestic level of that node; milestones dated up
to 2020 are fitted (``in_sample``), 2021-2022 are held out and only reported,
later ones and those before the scenario's start are excluded. Optional soft
targets are the judged 2019 levels of technologies.yaml.

:func:`calibrate` runs waves of history matching (Craig, Goldstein, Seheult and
Smith 1997; Vernon, Goldstein and Bower 2010):

1. a maximin design over the current non-implausible region (wave 1: a maximin
   Latin hypercube over the box), run through :func:`~innostate.experiments.design.sweep`
   into ``OUT/wave-K`` (resumable; Ctrl-C keeps the finished runs);
2. one scikit-learn Gaussian process per in-sample target, emulating the run
   date of the target's level (a run that never reaches it by the horizon is
   *censored*: emulated as the horizon plus :attr:`ErrorModel.censor_penalty`);
3. implausibility ``I = |z - min(E[f], horizon)| / sqrt(V_emulator + V_date +
   V_level + V_discrepancy + V_seed)`` per target, and the second-largest over
   targets (the largest with fewer than five) against a cut-off of 3.

The posterior is importance sampling on the last wave's emulators: uniform
points of the non-implausible region, weighted by the Gaussian likelihood of
the targets, resampled to at most 200 weighted sets. The posterior predictive
runs the model for draws of those sets, each with its own seed, and compares
the run dates with the real ones (in-sample and held-out apart).

See docs/calibration.md for the method, the error model and how to read it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from innostate._version import __version__
from innostate.experiments.design import check_design, latin_hypercube, open_backend
from innostate.experiments.ensemble import Planned, compute, replicate_seeds, stored
from innostate.experiments.gsa import check_ranges, problem_list
from innostate.experiments.run import resolve
from innostate.experiments.store import (
    folder_lock,
    write_json,
    write_table,
)
from innostate.scenario.calendar import parse_month
from innostate.scenario.errors import Problem, ScenarioError
from innostate.scenario.override import Setting
from innostate.scenario.schema import Milestone, Scenario

# the last year of the fitted record, and of the held-out check; later milestones are never used
IN_SAMPLE_LAST_YEAR = 2020
HELD_OUT_LAST_YEAR = 2022
TARGET_COLUMNS = (
    "id",
    "node",
    "level",
    "real_date",
    "real_year",
    "precision_years",
    "confidence",
    "kind",
    "source",
    "split",
    "reason",
)
# the file names written into the output folder (the contract other modules read)
FILES = ("posterior.parquet", "predictive.parquet", "emulator.parquet", "waves.parquet")
POSTERIOR_SETS = 200  # at most this many weighted parameter sets
REFERENCE_POINTS = 20_000  # uniform points measuring the non-implausible share of the box
CANDIDATE_BATCH = 20_000  # uniform points drawn at a time inside the region's bounding box
MIN_CANDIDATES = 2_000  # non-implausible points wanted for a design or the posterior
MAX_BATCHES = 10
MAXIMIN_TRIES = 20  # Latin hypercubes drawn for wave 1; the most spread one is kept

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


# ---------------------------------------------------------------------------- targets


def target_id(node: str, level: float) -> str:
    """A target's id: ``node@level`` with at least one decimal (``beidou@7.0``)."""
    text = f"{level:.1f}" if round(level * 10) == level * 10 else f"{level:g}"
    return f"{node}@{text}"


def date_period(text: str) -> tuple[float, float]:
    """The decimal year in the middle of a date's stated period, and the period's width.

    A year-only date (``2019``) is the middle of the year with a precision of 1.0;
    a quarter (``2015-Q3``) its middle with 0.25; a month (``2012-12``) its middle,
    and a day (``2020-06-23``) the day itself, both with a precision of 1/12: a
    dated event stands for a state reached around it, and a month is as fine as
    the claim goes (the model steps are quarters).

    Raises
    ------
    ValueError
        When the text is not a date.
    """
    text = str(text).strip()
    q = _QUARTER.match(text)
    if q:
        return int(q.group(1)) + (int(q.group(2)) - 1) / 4 + 1 / 8, 0.25
    m = _ISO.match(text)
    if not m:
        raise ValueError(f"'{text}' is not a date")
    year = int(m.group(1))
    if m.group(2) is None:
        return year + 0.5, 1.0
    month = int(m.group(2))
    if m.group(3) is None:
        return year + (month - 1) / 12 + 1 / 24, 1 / 12
    day = datetime(year, month, int(m.group(3)), tzinfo=UTC)
    start = datetime(year, 1, 1, tzinfo=UTC)
    days = (datetime(year + 1, 1, 1, tzinfo=UTC) - start).days
    return year + ((day - start).days + 0.5) / days, 1 / 12


def calibration_targets(scenario: Scenario, soft_targets: bool = False) -> pd.DataFrame:
    """The calibration target table of a scenario, from its dated milestones.

    Parameters
    ----------
    scenario
        A validated scenario; its ``milestones`` (node, level, date, source,
        confidence) are the targets.
    soft_targets
        Add the judged 2019 levels of technologies.yaml (``level_2019``) for the
        scenario's nodes as targets dated end of 2019 (year precision, low
        confidence); a node whose start level is already at its 2019 level is
        excluded (``met_at_start``), and a milestone with the same id wins.

    Returns
    -------
    DataFrame
        One row per target, columns :data:`TARGET_COLUMNS`: ``id`` (``node@level``),
        ``node``, ``level``, ``real_date`` (as in the facts), ``real_year``
        (decimal year, middle of the stated period), ``precision_years`` (the
        period's width), ``confidence``, ``kind`` (``milestone`` or ``soft``),
        ``source``, ``split`` (``in_sample`` up to 2020, ``held_out`` 2021-2022,
        ``excluded``) and ``reason`` (why excluded: ``after_2022``,
        ``before_start``, ``met_at_start``; empty otherwise).
    """
    start = _start_year(scenario)
    rows: list[dict[str, Any]] = []
    for m in scenario.milestones:
        rows.append(_target_row(m.node, m.level, str(m.date), m.confidence, "milestone", m.source))
    if soft_targets:
        from innostate.data import load_facts

        initial = {n.id: n.initial_level for n in scenario.nodes}
        for n in load_facts("technologies")["nodes"]:
            if n["id"] not in initial:
                continue
            row = _target_row(
                n["id"], float(n["level_2019"]), "2019-12", "low", "soft", "technologies.yaml"
            )
            row["real_year"], row["precision_years"] = 2020.0 - 1 / 24, 1.0
            if n["level_2019"] <= initial[n["id"]]:
                row["reason"] = "met_at_start"
            rows.append(row)
    seen: set[str] = set()
    table = []
    for row in rows:
        if row["id"] in seen:  # a soft target never replaces a dated milestone
            continue
        seen.add(row["id"])
        year = int(row["real_year"])
        if row["reason"]:
            pass
        elif row["real_year"] < start:
            row["reason"] = "before_start"
        elif year > HELD_OUT_LAST_YEAR:
            row["reason"] = f"after_{HELD_OUT_LAST_YEAR}"
        if row["reason"]:
            row["split"] = "excluded"
        else:
            row["split"] = "in_sample" if year <= IN_SAMPLE_LAST_YEAR else "held_out"
        table.append(row)
    return pd.DataFrame(table, columns=list(TARGET_COLUMNS))


def _target_row(
    node: str, level: float, date: str, confidence: str, kind: str, source: str
) -> dict[str, Any]:
    year, precision = date_period(date)
    return {
        "id": target_id(node, float(level)),
        "node": node,
        "level": float(level),
        "real_date": date,
        "real_year": year,
        "precision_years": precision,
        "confidence": confidence,
        "kind": kind,
        "source": source,
        "split": "",
        "reason": "",
    }


def with_targets(scenario: Scenario, targets: pd.DataFrame) -> Scenario:
    """The scenario whose milestones are the targets (fitted and held out), so that every
    run's record carries the date it reached each of them."""
    used = targets[targets["split"] != "excluded"]
    milestones = [
        Milestone(
            node=str(t["node"]),
            level=float(t["level"]),
            date=str(t["real_date"]),
            what=str(t["id"]),
            source=str(t["source"]),
            confidence=str(t["confidence"]),  # type: ignore[arg-type]
        )
        for t in used.to_dict("records")
    ]
    return scenario.model_copy(update={"milestones": milestones})


def check_targets(targets: pd.DataFrame, scenario: Scenario) -> None:
    """Refuse a target table the calibration cannot use, naming every problem."""
    problems = []
    missing = [
        c for c in ("id", "node", "level", "real_date", "real_year", "split") if c not in targets
    ]
    if missing:
        raise ScenarioError(
            [
                Problem(
                    "targets", c, "missing column", "build the table with calibration_targets()"
                )
                for c in missing
            ]
        )
    nodes = {n.id for n in scenario.nodes}
    for t in targets.to_dict("records"):
        if t["node"] not in nodes:
            problems.append(
                Problem(
                    "targets",
                    str(t["id"]),
                    f"unknown node '{t['node']}'",
                    "use a node of the scenario",
                )
            )
        if t["split"] not in ("in_sample", "held_out", "excluded"):
            problems.append(
                Problem(
                    "targets",
                    str(t["id"]),
                    f"split '{t['split']}'",
                    "use in_sample, held_out or excluded",
                )
            )
    if targets["id"].duplicated().any():
        problems.append(
            Problem("targets", "id", "an id is given twice", "give each node@level once")
        )
    if not (targets["split"] == "in_sample").any():
        problems.append(
            Problem(
                "targets",
                "split",
                "no in-sample target to fit",
                "the scenario needs milestones dated between its start and "
                f"{IN_SAMPLE_LAST_YEAR} (scenario.milestones)",
            )
        )
    if problems:
        raise ScenarioError(problems)


# ---------------------------------------------------------------------------- error model


@dataclass(frozen=True)
class ErrorModel:
    """What separates a real milestone date from a run's date, as variances in years².

    Attributes
    ----------
    years_per_level
        Years per level unit, turning the level-mapping uncertainty into years;
        None: the median pace between consecutive dated milestones of the same
        node in the targets (prc-2012: about 4), or 4.0 when there are none.
    level_sd
        Standard deviation of the level a milestone is mapped to, in level
        units, by the milestone's confidence (a judgement of milestone_map.yaml).
    discrepancy
        Model discrepancy: the standard deviation, in years, as this fraction of
        the years from the scenario's start to the milestone.
    censor_penalty
        Years past the horizon a run that never reaches a level is emulated at.
    cutoff
        Implausibility above which a parameter point is ruled out.
    """

    years_per_level: float | None = None
    level_sd: Mapping[str, float] = field(
        default_factory=lambda: {"high": 0.1, "medium": 0.2, "low": 0.3}
    )
    discrepancy: float = 0.1
    censor_penalty: float = 1.0
    cutoff: float = 3.0
    default_years_per_level: float = 4.0

    def pace(self, targets: pd.DataFrame) -> float:
        """Years per level unit: as given, or measured on the targets' dated milestones."""
        if self.years_per_level is not None:
            return float(self.years_per_level)
        paces = []
        dated = targets[targets["kind"] != "soft"] if "kind" in targets else targets
        for _, group in dated.groupby("node"):
            group = group.sort_values("level")
            levels, years = group["level"].to_numpy(), group["real_year"].to_numpy()
            for k in range(1, len(group)):
                if levels[k] > levels[k - 1] and years[k] > years[k - 1]:
                    paces.append((years[k] - years[k - 1]) / (levels[k] - levels[k - 1]))
        return float(np.median(paces)) if paces else self.default_years_per_level

    def variances(self, targets: pd.DataFrame, start_year: float, pace: float) -> pd.DataFrame:
        """Per target: the date-precision, level-mapping and discrepancy variances (years²),
        with ``pace`` years per level unit (see :meth:`pace`)."""
        sd_level = targets["confidence"].map(
            lambda c: self.level_sd.get(str(c), max(self.level_sd.values()))
        )
        return pd.DataFrame(
            {
                "id": targets["id"].to_numpy(),
                "date_precision": (targets["precision_years"].to_numpy() ** 2) / 12,
                "level_mapping": (pace * sd_level.to_numpy(dtype=float)) ** 2,
                "discrepancy": (
                    self.discrepancy * np.maximum(targets["real_year"].to_numpy() - start_year, 0.0)
                )
                ** 2,
            }
        )


# ---------------------------------------------------------------------------- run dates


def run_years(
    records: Sequence[Mapping[str, Any]], targets: pd.DataFrame, start: str, steps_per_year: int
) -> np.ndarray:
    """The decimal year each run first reached each target's level; +inf when it never did.

    A level first recorded in step t was reached during that step: its date is
    the middle of the step.

    Returns
    -------
    ndarray
        Shape (runs, targets).

    Raises
    ------
    ValueError
        When a record does not carry a target (made by an older innostate).
    """
    ids = list(targets["id"])
    out = np.full((len(records), len(ids)), np.inf)
    for i, record in enumerate(records):
        dates = {
            target_id(m["node"], float(m["level"])): m["run_date"]
            for m in record.get("milestones", [])
        }
        for k, tid in enumerate(ids):
            if tid not in dates:
                raise ValueError(
                    f"a stored run has no date for {tid}; it was made by an older innostate. "
                    "Fix: run again with --fresh."
                )
            label = dates[tid]
            if label is not None:
                year, month = parse_month(label)
                out[i, k] = year + (month - 1) / 12 + 0.5 / steps_per_year
    return out


def censored(years: np.ndarray, horizon: float, penalty: float) -> np.ndarray:
    """Run dates with the never-reached ones (+inf) put at ``horizon + penalty``."""
    return np.where(np.isfinite(years), years, horizon + penalty)


def implausibility(
    observed: np.ndarray, mean: np.ndarray, variance: np.ndarray, horizon: float
) -> np.ndarray:
    """``|z - min(E, horizon)| / sqrt(V)`` per point and target.

    An emulated date past the horizon says only "not reached by the horizon":
    it is compared as the horizon itself, the date closest to the real one that
    such a run could have (so censoring never inflates the implausibility).
    """
    expected = np.minimum(mean, horizon)
    measure: np.ndarray = np.abs(observed - expected) / np.sqrt(variance)
    return measure


def combined(measures: np.ndarray, order: int) -> np.ndarray:
    """The ``order``-th largest implausibility over targets (axis 1) of each point."""
    if measures.shape[1] == 0:
        return np.zeros(measures.shape[0])
    order = min(order, measures.shape[1])
    return -np.partition(-measures, order - 1, axis=1)[:, order - 1]


def order_for(targets: int) -> int:
    """Second-largest implausibility with 5 targets or more (one emulator or milestone may
    be off), else the largest."""
    return 2 if targets >= 5 else 1


def quantiles(values: np.ndarray, probs: Sequence[float], horizon: float) -> np.ndarray:
    """Quantiles of run dates where +inf means "after the horizon": a quantile past the
    horizon is +inf. ``values`` shape (runs, targets); returns (len(probs), targets)."""
    big = horizon + 1e6  # finite stand-in: interpolation towards it lands past the horizon
    found = np.quantile(np.where(np.isfinite(values), values, big), probs, axis=0)
    return np.where(found > horizon, np.inf, found)


# ---------------------------------------------------------------------------- emulators


class Emulator:
    """A Gaussian process of one target's run date over the unit cube of the parameters.

    ``ConstantKernel * Matern(nu=2.5, one length scale per input) + WhiteKernel``
    on standardised outputs (the normalize_y of scikit-learn, done here so that
    the fitted noise is known in years); a constant output is emulated exactly.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, seed: int) -> None:
        self.x, self.y = np.asarray(x, float), np.asarray(y, float)
        self.mean, scale = float(self.y.mean()), float(self.y.std())
        self.constant = scale < 1e-9 or len(self.y) < 3
        self.scale = scale if not self.constant else 1.0
        self.gp: Any = None
        self.noise_var = 0.0
        if self.constant:
            return
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        d = self.x.shape[1]
        kernel = ConstantKernel(1.0, (1e-2, 1e2)) * Matern(
            length_scale=np.full(d, 0.3), length_scale_bounds=(0.1, 10.0), nu=2.5
        ) + WhiteKernel(0.1, (1e-4, 1.0))
        self.gp = GaussianProcessRegressor(kernel, n_restarts_optimizer=2, random_state=seed)
        with warnings.catch_warnings(), _one_thread():
            # a hyperparameter at a bound is expected for flat or noisy outputs
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.gp.fit(self.x, (self.y - self.mean) / self.scale)
        self.noise_var = float(self.gp.kernel_.k2.noise_level) * self.scale**2

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance (without the fitted noise) of the emulated date at ``x``."""
        x = np.asarray(x, float)
        if self.constant:
            return np.full(len(x), self.mean), np.zeros(len(x))
        with _one_thread():
            mean, sd = self.gp.predict(x, return_std=True)
        # scikit-learn's sd includes the WhiteKernel noise: take it out, it is seed noise
        latent = np.maximum(sd**2 * self.scale**2 - self.noise_var, 0.0)
        return self.mean + mean * self.scale, latent

    def leave_one_out(self) -> tuple[np.ndarray, np.ndarray]:
        """Leave-one-out prediction and sd of each training output (closed form, same
        hyperparameters; the sd includes the noise, as an observed value carries it)."""
        if self.constant:
            return np.full(len(self.y), self.mean), np.zeros(len(self.y))
        k = self.gp.kernel_(self.x) + self.gp.alpha * np.eye(len(self.x))
        inverse = np.linalg.inv(k)
        y = (self.y - self.mean) / self.scale
        diag = np.diag(inverse)
        predicted = y - (inverse @ y) / diag
        return self.mean + predicted * self.scale, np.sqrt(1.0 / diag) * self.scale


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    # one BLAS thread: the same fit and predictions, to the last digit, on any machine
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@dataclass
class Wave:
    """One wave: its design (unit cube), the emulators and the seed variance per target."""

    number: int
    unit: np.ndarray  # (points, d) the emulators' training points in the unit cube
    points: int  # design points of this wave
    runs: int
    emulators: list[Emulator]
    seed_var: np.ndarray  # (targets,)
    non_implausible_share: float = 0.0


@dataclass
class Matcher:
    """The fitted targets and error model: implausibility and likelihood of parameter points."""

    observed: np.ndarray  # (targets,) real years of the in-sample targets
    fixed_var: np.ndarray  # (targets,) date precision + level mapping + discrepancy
    horizon: float
    cutoff: float
    order: int
    waves: list[Wave] = field(default_factory=list)

    def moments(self, wave: Wave, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Emulated mean and total variance (points, targets) under one wave's emulators."""
        means, variances = [], []
        for k, emulator in enumerate(wave.emulators):
            mean, var = emulator.predict(x)
            means.append(mean)
            variances.append(var + self.fixed_var[k] + wave.seed_var[k])
        return np.column_stack(means), np.column_stack(variances)

    def measure(self, wave: Wave, x: np.ndarray) -> np.ndarray:
        """The combined implausibility of each point under one wave's emulators."""
        mean, var = self.moments(wave, x)
        return combined(implausibility(self.observed, mean, var, self.horizon), self.order)

    def worst(self, x: np.ndarray, waves: int | None = None) -> np.ndarray:
        """The largest combined implausibility over the first ``waves`` waves (all: None)."""
        found = np.zeros(len(x))
        for wave in self.waves[: waves if waves is not None else len(self.waves)]:
            found = np.maximum(found, self.measure(wave, x))
        return found

    def log_likelihood(self, x: np.ndarray) -> np.ndarray:
        """Gaussian log-likelihood of the in-sample targets under the last wave's emulators."""
        mean, var = self.moments(self.waves[-1], x)
        expected = np.minimum(mean, self.horizon)
        terms = -0.5 * ((self.observed - expected) ** 2 / var + np.log(2 * np.pi * var))
        total: np.ndarray = terms.sum(axis=1)
        return total


# ---------------------------------------------------------------------------- designs


def maximin_lhs(dims: int, points: int, seed: int) -> np.ndarray:
    """The most spread of several Latin hypercubes in the unit cube (largest minimum
    distance between points), shape (points, dims)."""
    best, best_distance = None, -1.0
    ranges = {f"x{k}": (0.0, 1.0) for k in range(dims)}
    for attempt in range(MAXIMIN_TRIES):
        unit = latin_hypercube(ranges, points, seed=seed * 1000 + attempt).to_numpy()
        distance = _min_distance(unit)
        if distance > best_distance:
            best, best_distance = unit, distance
    assert best is not None
    return best


def maximin_subset(candidates: np.ndarray, points: int, rng: np.random.Generator) -> np.ndarray:
    """``points`` of the candidates chosen one at a time, each the farthest from those chosen."""
    if len(candidates) <= points:
        return candidates.copy()
    chosen = [int(rng.integers(len(candidates)))]
    distance = np.linalg.norm(candidates - candidates[chosen[0]], axis=1)
    for _ in range(points - 1):
        nxt = int(np.argmax(distance))
        chosen.append(nxt)
        distance = np.minimum(distance, np.linalg.norm(candidates - candidates[nxt], axis=1))
    return candidates[chosen]


def _min_distance(x: np.ndarray) -> float:
    if len(x) < 2:
        return 0.0
    diff = x[:, None, :] - x[None, :, :]
    dist = np.sqrt((diff**2).sum(axis=2))
    return float(dist[np.triu_indices(len(x), 1)].min())


def region_sample(
    matcher: Matcher, reference: np.ndarray, rng: np.random.Generator, wanted: int
) -> tuple[np.ndarray, bool]:
    """Uniform points of the non-implausible region under every wave so far.

    Draws uniformly in the bounding box of the reference points that are not
    ruled out (widened by a tenth of the range), so the points stay uniform over
    the region. When no reference point survives, returns the least implausible
    reference points and False (the region is empty under this error model).
    """
    worst = matcher.worst(reference)
    keep = reference[worst <= matcher.cutoff]
    if len(keep) == 0:
        least = np.argsort(worst, kind="stable")[: max(wanted // 10, 1)]
        return reference[least], False
    low = np.clip(keep.min(axis=0) - 0.1, 0.0, 1.0)
    high = np.clip(keep.max(axis=0) + 0.1, 0.0, 1.0)
    found = [keep]
    count = len(keep)
    for _ in range(MAX_BATCHES):
        if count >= wanted:
            break
        batch = low + rng.random((CANDIDATE_BATCH, reference.shape[1])) * (high - low)
        batch = batch[matcher.worst(batch) <= matcher.cutoff]
        found.append(batch)
        count += len(batch)
    return np.concatenate(found), True


# ---------------------------------------------------------------------------- calibration


@dataclass
class Calibration:
    """What a calibration produced (the tables written to its output folder)."""

    posterior: pd.DataFrame  # set, weight, one column per calibrated path
    predictive: pd.DataFrame  # one row per fitted or held-out target
    emulator: pd.DataFrame  # leave-one-out diagnostics of the last wave's emulators
    waves: pd.DataFrame  # one row per wave
    targets: pd.DataFrame  # the target table used
    meta: dict[str, Any]  # calibration.json

    def __repr__(self) -> str:
        b = self.meta["backtest"]["in_sample"]
        return (
            f"<Calibration {self.meta['scenario']}: {self.meta['waves']} wave(s), "
            f"{self.meta['runs']} runs, {len(self.posterior)} parameter sets; in-sample "
            f"coverage {b['coverage_80']}, mean |lag| {b['mean_abs_lag_years']} years>"
        )


def calibrate(
    scenario: Scenario | str | Path,
    ranges: Mapping[str, tuple[float, float]],
    out: str | Path,
    *,
    waves: int = 3,
    points: int | None = None,
    replicates: int = 2,
    predictive: int = 40,
    workers: int | None = None,
    backend: str | Executor | None = None,
    root_seed: int | None = None,
    settings: Mapping[str, Setting] | None = None,
    scale: float | None = None,
    targets: pd.DataFrame | None = None,
    soft_targets: bool = False,
    error_model: ErrorModel | None = None,
    fresh: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> Calibration:
    """History-match a scenario's parameters to its dated milestones; write the posterior.

    Parameters
    ----------
    scenario
        A validated scenario, a YAML path or a built-in name.
    ranges
        Calibrated inputs by dotted path (as ``--set`` takes them) -> (low, high):
        the prior is uniform over this box.
    out
        Output folder: ``wave-K/`` (each wave's sweep, resumable), ``predictive/``
        (the posterior predictive runs) and the files of docs/calibration.md.
    waves
        Waves of history matching (at least 1).
    points
        Design points per wave (default 10 per calibrated input, at least 8).
    replicates
        Runs per design point (seeds); with more than one, the seed variance of
        each target is measured, else the emulator's fitted noise stands for it.
    predictive
        Posterior predictive runs: draw k of the posterior sets, with seed k.
    workers, backend
        As for :func:`~innostate.experiments.design.run_design`.
    root_seed
        Seeds the runs, the designs and the posterior sample (default: the scenario's).
    settings
        Inputs set the same in every run (dotted path -> value).
    scale
        Population scale of every run.
    targets
        A target table (see :func:`calibration_targets`; default: the scenario's).
    soft_targets
        Add the judged 2019 levels as targets (when ``targets`` is None).
    error_model
        The error model (default :class:`ErrorModel`).
    fresh
        Discard the stored runs in ``out`` and compute them again.
    on_progress
        Called as ``on_progress(done, total)`` as runs finish (per wave).
    on_stage
        Called with a line saying what starts (a wave, the posterior).

    Returns
    -------
    Calibration
        The tables written to ``out`` (posterior.parquet, predictive.parquet,
        emulator.parquet, waves.parquet, targets.parquet) and calibration.json.

    Raises
    ------
    ScenarioError
        Before any run, for an unknown path, a reversed range or one outside the
        parameter's own range, bad sizes, or a target table with nothing to fit.
    KeyMismatch, FolderBusy, Interrupted
        As :func:`~innostate.experiments.design.sweep`.
    """
    errors = error_model or ErrorModel()
    paths = list(ranges)
    base = resolve(scenario, settings=dict(settings or {}), scale=scale, seed=root_seed)
    problems = _size_problems(waves, points, replicates, predictive)
    problems += problem_list(check_ranges, base.scenario, dict(ranges), settings, "--params")
    if problems:
        raise ScenarioError(problems)
    table = calibration_targets(base.scenario, soft_targets) if targets is None else targets.copy()
    check_targets(table, base.scenario)
    scen = with_targets(base.scenario, table)
    seed = base.seed
    points = points or max(8, 10 * len(paths))
    sched = scen.calendar
    spy = sched.steps_per_year
    start_year = _start_year(scen)
    steps = _steps(scen)
    horizon = start_year + steps / spy
    used = table[table["split"] != "excluded"].reset_index(drop=True)
    fitted = used[used["split"] == "in_sample"].reset_index(drop=True)
    pace = errors.pace(table)  # every dated milestone, held out and excluded ones too
    fixed = errors.variances(fitted, start_year, pace)
    matcher = Matcher(
        observed=fitted["real_year"].to_numpy(float),
        fixed_var=fixed[["date_precision", "level_mapping", "discrepancy"]].sum(axis=1).to_numpy(),
        horizon=horizon,
        cutoff=errors.cutoff,
        order=order_for(len(fitted)),
    )
    low = np.array([float(ranges[p][0]) for p in paths])
    high = np.array([float(ranges[p][1]) for p in paths])
    folder = Path(out)
    stage = on_stage or (lambda _: None)
    reference = np.random.default_rng([seed, 0]).random((REFERENCE_POINTS, len(paths)))
    history: list[tuple[np.ndarray, np.ndarray]] = []  # per wave: unit design, run dates
    total_runs = 0
    with folder_lock(folder):
        for number in range(1, waves + 1):
            rng = np.random.default_rng([seed, number])
            if number == 1:
                unit = maximin_lhs(len(paths), points, seed + number)
                region_ok = True
            else:
                region, region_ok = region_sample(matcher, reference, rng, MIN_CANDIDATES)
                unit = maximin_subset(region, points, rng)
            stage(
                f"wave {number} of {waves}: {len(unit)} points x {replicates} replicate(s)"
                + ("" if region_ok else " (no point is non-implausible: the least implausible)")
            )
            design = pd.DataFrame(low + unit * (high - low), columns=paths)
            seeds = _wave_seeds(seed, number, len(design), replicates)
            names = [
                f"point{i:04d}-r{k:03d}" for i in range(len(design)) for k in range(replicates)
            ]
            rows = [i for i in range(len(design)) for _ in range(replicates)]
            records = run_points(
                scen,
                design,
                rows,
                seeds,
                names,
                folder / f"wave-{number}",
                settings,
                workers,
                backend,
                on_progress,
                fresh,
                "--params",
            )
            years = run_years(records, fitted, str(sched.start), spy)
            total_runs += len(records)
            _write_wave_runs(folder / f"wave-{number}", design, rows, seeds, fitted, years)
            history.append((unit, years.reshape(len(design), replicates, -1)))
            wave = _fit_wave(number, history, matcher, horizon, errors, seed)
            matcher.waves.append(wave)
            wave.non_implausible_share = float(np.mean(matcher.worst(reference) <= errors.cutoff))
            stage(
                f"wave {number}: {100 * wave.non_implausible_share:.1f}% of the box is "
                "non-implausible"
            )
        stage("posterior: weighting points of the non-implausible region")
        rng = np.random.default_rng([seed, waves + 1])
        region, region_ok = region_sample(matcher, reference, rng, 10 * POSTERIOR_SETS)
        posterior = _posterior(matcher, region, rng, paths, low, high)
        stage(f"posterior predictive: {predictive} runs of posterior draws")
        draws = np.random.default_rng(seed).choice(
            len(posterior), size=predictive, p=posterior["weight"].to_numpy()
        )
        records = run_points(
            scen,
            posterior[paths].reset_index(drop=True),
            [int(d) for d in draws],
            replicate_seeds(seed, predictive),  # draw k runs with replicate seed k, as run does
            [f"draw{k:04d}" for k in range(predictive)],
            folder / "predictive",
            settings,
            workers,
            backend,
            on_progress,
            fresh,
            "posterior",
        )
        total_runs += len(records)
        years = run_years(records, used, str(sched.start), spy)
        pred = _predictive_table(used, years, horizon)
        calibration = Calibration(
            posterior=posterior,
            predictive=pred,
            emulator=_loo_table(matcher.waves[-1], fitted, history),
            waves=pd.DataFrame(
                [
                    {
                        "wave": w.number,
                        "runs": w.runs,
                        "points": w.points,
                        "non_implausible_share": w.non_implausible_share,
                        "cutoff": errors.cutoff,
                    }
                    for w in matcher.waves
                ]
            ),
            targets=table,
            meta=_meta(
                scen,
                seed,
                ranges,
                waves,
                total_runs,
                pred,
                fixed,
                matcher,
                errors,
                fitted,
                region_ok,
                replicates,
                predictive,
                pace,
            ),
        )
        write_calibration(calibration, folder)
    return calibration


def _size_problems(
    waves: int, points: int | None, replicates: int, predictive: int
) -> list[Problem]:
    problems = []
    for name, value, least in (
        ("--waves", waves, 1),
        ("--points", points if points is not None else 8, 4),
        ("--replicates", replicates, 1),
        ("--predictive", predictive, 2),
    ):
        if value < least:
            problems.append(Problem(name, "", f"{value} given", f"give at least {least}"))
    return problems


def _start_year(scenario: Scenario) -> float:
    year, month = parse_month(str(scenario.calendar.start))
    return year + (month - 1) / 12


def _steps(scenario: Scenario) -> int:
    from innostate.scenario.calendar import step_count

    c = scenario.calendar
    return step_count(str(c.start), str(c.end), c.steps_per_year)


def _fit_wave(
    number: int,
    history: list[tuple[np.ndarray, np.ndarray]],
    matcher: Matcher,
    horizon: float,
    errors: ErrorModel,
    seed: int,
) -> Wave:
    """Emulators of a wave, trained on its runs and the earlier runs inside its region."""
    unit, years = history[-1]
    xs, ys = [unit], [years]
    for earlier_unit, earlier_years in history[:-1]:
        inside = matcher.worst(earlier_unit) <= matcher.cutoff
        xs.append(earlier_unit[inside])
        ys.append(earlier_years[inside])
    x = np.concatenate(xs)
    dates = censored(np.concatenate(ys), horizon, errors.censor_penalty)  # (points, reps, targets)
    means = dates.mean(axis=1)
    emulators = [Emulator(x, means[:, k], seed + number) for k in range(means.shape[1])]
    if dates.shape[1] > 1:  # measured: the pooled variance between replicates of a point
        seed_var = dates.var(axis=1, ddof=1).mean(axis=0)
    else:  # one run per point: the noise the emulator fitted stands for it
        seed_var = np.array([e.noise_var for e in emulators])
    return Wave(number, x, len(unit), int(years.shape[0] * years.shape[1]), emulators, seed_var)


def _posterior(
    matcher: Matcher,
    region: np.ndarray,
    rng: np.random.Generator,
    paths: list[str],
    low: np.ndarray,
    high: np.ndarray,
) -> pd.DataFrame:
    """Up to POSTERIOR_SETS weighted sets: region points resampled by their likelihood."""
    loglik = matcher.log_likelihood(region)
    weight = np.exp(loglik - loglik.max())
    weight /= weight.sum()
    picks = rng.choice(len(region), size=POSTERIOR_SETS, p=weight)
    chosen, counts = np.unique(picks, return_counts=True)  # sorted: stable set ids
    values = low + region[chosen] * (high - low)
    frame = pd.DataFrame({"set": np.arange(len(chosen)), "weight": counts / counts.sum()})
    for k, path in enumerate(paths):
        frame[path] = values[:, k]
    return frame


def run_points(
    scenario: Scenario,
    design: pd.DataFrame,
    rows: Sequence[int],
    seeds: Sequence[int],
    names: Sequence[str],
    folder: Path,
    settings: Mapping[str, Setting] | None,
    workers: int | None,
    backend: str | Executor | None,
    on_progress: Callable[[int, int], None] | None,
    fresh: bool,
    source: str,
) -> list[dict[str, Any]]:
    """Run design row ``rows[k]`` with seed ``seeds[k]`` for every k; the records, in order.

    The runs go through the experiments store like a sweep's (``folder/runs``,
    one keyed record each, resumable, Ctrl-C keeps the finished ones), but every
    run has a seed of its own: a calibration wants the seed noise spread over
    the design (the emulator's noise term measures it), where a sweep gives
    replicate k the same seed in every row to compare rows.
    """
    points = check_design(design, scenario, settings, source=source)
    planned = [
        Planned(
            name,
            dataclasses.replace(points[row].inputs, seed=seed),
            {"point": row, "run": k, "seed": seed},
            {**points[row].key, "seed": seed, "point": row, "run": k},
        )
        for k, (row, seed, name) in enumerate(zip(rows, seeds, names, strict=True))
    ]
    runs = folder / "runs"
    with folder_lock(folder):
        runs.mkdir(parents=True, exist_ok=True)
        finished = stored(runs, planned, fresh)
        with open_backend(backend, workers) as (executor, count):
            return compute(runs, planned, finished, count, on_progress, executor)


def _wave_seeds(root_seed: int, wave: int, points: int, replicates: int) -> list[int]:
    """A seed of its own for every run of a wave, spawned from the root seed and the wave."""
    children = np.random.SeedSequence([root_seed, wave]).spawn(points * replicates)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def _write_wave_runs(
    folder: Path,
    design: pd.DataFrame,
    rows: Sequence[int],
    seeds: Sequence[int],
    fitted: pd.DataFrame,
    years: np.ndarray,
) -> None:
    """``folder/runs.parquet``: one row per run, its inputs, seed and each target's run
    date (+inf: not reached by the horizon)."""
    table = design.iloc[list(rows)].reset_index(drop=True)
    table.insert(0, "point", list(rows))
    table["seed"] = list(seeds)
    for k, tid in enumerate(fitted["id"]):
        table[str(tid)] = years[:, k]
    write_table(folder / "runs.parquet", table)


def _predictive_table(used: pd.DataFrame, years: np.ndarray, horizon: float) -> pd.DataFrame:
    q10, q50, q90 = quantiles(years, (0.1, 0.5, 0.9), horizon)
    real = used["real_year"].to_numpy(float)
    return pd.DataFrame(
        {
            "id": used["id"].astype(str),
            "node": used["node"].astype(str),
            "level": used["level"].astype(float),
            "real_date": used["real_date"].astype(str),
            "real_year": real,
            "precision_years": used["precision_years"].astype(float),
            "split": used["split"].astype(str),
            "q10": q10,
            "q50": q50,
            "q90": q90,
            "reached_share": np.isfinite(years).mean(axis=0),
            "inside_80": (q10 <= real) & (real <= q90),
            "lag_years": q50 - real,
        }
    )


def backtest(predictive: pd.DataFrame, split: str) -> dict[str, Any]:
    """Coverage, mean absolute lag, median interval width and unreached count of a split.

    The mean absolute lag is over the targets whose median run date is within
    the horizon (the others are counted as unreached); a median width past the
    horizon is None.
    """
    part = predictive[predictive["split"] == split]
    lag = part["lag_years"].to_numpy(float)
    width = (part["q90"] - part["q10"]).to_numpy(float)
    finite = np.isfinite(lag)
    median_width = float(np.median(width)) if len(width) else math.nan
    return {
        "milestones": len(part),
        "coverage_80": _rounded(float(part["inside_80"].mean())) if len(part) else None,
        "mean_abs_lag_years": _rounded(float(np.abs(lag[finite]).mean())) if finite.any() else None,
        "median_interval_width_years": _rounded(median_width),
        "unreached_by_2030": int((~np.isfinite(part["q50"].to_numpy(float))).sum()),
    }


def _rounded(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None


def _loo_table(
    wave: Wave, fitted: pd.DataFrame, history: list[tuple[np.ndarray, np.ndarray]]
) -> pd.DataFrame:
    rows = []
    for k, emulator in enumerate(wave.emulators):
        predicted, sd = emulator.leave_one_out()
        for i, (obs, pred, s) in enumerate(zip(emulator.y, predicted, sd, strict=True)):
            rows.append(
                {
                    "target": str(fitted["id"].iloc[k]),
                    "run": i,
                    "observed": float(obs),
                    "predicted": float(pred),
                    "sd": float(s),
                    "standardised": float((obs - pred) / s) if s > 0 else 0.0,
                }
            )
    return pd.DataFrame(
        rows, columns=["target", "run", "observed", "predicted", "sd", "standardised"]
    )


def _meta(
    scenario: Scenario,
    seed: int,
    ranges: Mapping[str, tuple[float, float]],
    waves: int,
    runs: int,
    predictive: pd.DataFrame,
    fixed: pd.DataFrame,
    matcher: Matcher,
    errors: ErrorModel,
    fitted: pd.DataFrame,
    region_ok: bool,
    replicates: int,
    predictive_runs: int,
    pace: float,
) -> dict[str, Any]:
    from innostate.scenario.calendar import step_label

    c = scenario.calendar
    last = matcher.waves[-1]
    per_target = {
        str(t): {
            "date_precision": round(float(fixed["date_precision"].iloc[k]), 6),
            "level_mapping": round(float(fixed["level_mapping"].iloc[k]), 6),
            "discrepancy": round(float(fixed["discrepancy"].iloc[k]), 6),
            "seed": round(float(last.seed_var[k]), 6),
        }
        for k, t in enumerate(fitted["id"])
    }
    return {
        "name": scenario.name,
        "innostate_version": __version__,
        "scenario": scenario.name,
        "population_scale": scenario.population_scale,
        "steps_per_year": c.steps_per_year,
        "horizon": step_label(str(c.start), _steps(scenario) - 1, c.steps_per_year),
        "created": datetime.now(UTC).date().isoformat(),
        "seed": seed,
        "parameters": {p: {"low": float(lo), "high": float(hi)} for p, (lo, hi) in ranges.items()},
        "waves": waves,
        "runs": runs,
        "replicates": replicates,
        "predictive_runs": predictive_runs,
        "implausibility": "second-largest" if matcher.order == 2 else "largest",
        "cutoff": errors.cutoff,
        "non_implausible": region_ok,
        "backtest": {split: backtest(predictive, split) for split in ("in_sample", "held_out")},
        "error_model": {
            "years_per_level": round(pace, 4),
            "level_sd": dict(errors.level_sd),
            "discrepancy_fraction": errors.discrepancy,
            "censor_penalty_years": errors.censor_penalty,
            "variances_years2": per_target,
        },
    }


def write_calibration(calibration: Calibration, out: str | Path) -> list[Path]:
    """Write the calibration's tables and calibration.json into ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_table(folder / "posterior.parquet", calibration.posterior),
        write_table(folder / "predictive.parquet", calibration.predictive),
        write_table(folder / "emulator.parquet", calibration.emulator),
        write_table(folder / "waves.parquet", calibration.waves),
        write_table(folder / "targets.parquet", calibration.targets),
        write_json(folder / "calibration.json", calibration.meta),
    ]
