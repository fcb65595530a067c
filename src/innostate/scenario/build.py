"""Build model state from a validated scenario: tables, synthetic populations, schedules."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import NDArray

from innostate.model.codebook import CENTRAL_INSTRUMENTS, EVENT, INSTRUMENTS, KIND, OWNER, SOURCES
from innostate.model.kernels import jit
from innostate.model.mechanisms.rnd import update_levels
from innostate.model.params import Params, describe, replace_path
from innostate.model.select import best_per_node
from innostate.model.state import (
    Actors,
    Floats,
    Ints,
    Ledger,
    Nodes,
    Schedule,
    State,
    empty_projects,
)
from innostate.scenario.calendar import parse_month, step_count, step_index
from innostate.scenario.errors import Problem, ScenarioError
from innostate.scenario.regimes import PRESETS, apply_overrides, regime_from
from innostate.scenario.schema import (
    Budget,
    ContainmentEvent,
    Earmark,
    NamedActor,
    Population,
    Range,
    Scenario,
)
from innostate.scenario.validate import rd_base

if TYPE_CHECKING:
    import pyarrow as pa

MAX_MEMBERS = 8  # width of the members column; consortia.max_members may use fewer


class Labels(Sequence[str]):
    """Actor ids or names: the named actors' own, then each population's numbered ones.

    Behaves as the list of every label (indexing, slicing, ``index``, iteration)
    without holding one: a national world has about 500,000 synthetic actors, and
    making their strings took a fifth of the build. A population's rows are
    labelled ``head + str(i + first)`` for ``i`` from 0 to its row count; a label
    is made when asked for, and :meth:`to_arrow` makes all of them in Arrow.
    """

    def __init__(self, named: list[str], blocks: list[tuple[str, int, int]]) -> None:
        self.named = named
        self.blocks = blocks  # (head, first number, rows) per population, in row order
        self._position = {label: i for i, label in reversed(list(enumerate(named)))}
        self._length = len(named) + sum(rows for _, _, rows in blocks)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._length))]
        i = int(i)  # numpy integers too
        if i < 0:
            i += self._length
        if not 0 <= i < self._length:
            raise IndexError("label index out of range")
        if i < len(self.named):
            return self.named[i]
        i -= len(self.named)
        for head, first, rows in self.blocks:
            if i < rows:
                return f"{head}{i + first}"
            i -= rows
        raise AssertionError("unreachable")

    def __iter__(self) -> Iterator[str]:
        yield from self.named
        for head, first, rows in self.blocks:
            yield from (f"{head}{i}" for i in range(first, first + rows))

    def __contains__(self, label: object) -> bool:
        try:
            self.index(label)
        except ValueError:
            return False
        return True

    def index(self, label: Any, start: int = 0, stop: int | None = None) -> int:
        """Position of the first ``label`` (as ``list.index``), found without a scan."""
        if start != 0 or stop is not None:
            return list(self).index(label, start, self._length if stop is None else stop)
        if label in self._position:
            return self._position[label]
        offset = len(self.named)
        for head, first, rows in self.blocks if isinstance(label, str) else []:
            number = label[len(head) :]
            # only the canonical decimal form: "x-07" or "x-+7" is no label
            if label.startswith(head) and number.isdecimal() and number == str(int(number)):
                if 0 <= int(number) - first < rows:
                    return offset + int(number) - first
            offset += rows
        raise ValueError(f"{label!r} is not an actor label")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Labels):
            return self.named == other.named and self.blocks == other.blocks
        if isinstance(other, list):
            return len(other) == self._length and list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Labels({self._length} labels: {self[:3]}...)"

    def to_arrow(self) -> pa.LargeStringArray:
        """All labels as one Arrow string array, numbered ones formatted by Arrow."""
        import pyarrow as pa
        import pyarrow.compute as pc

        text = pa.large_string()
        parts = [pa.array(self.named, type=text)]
        for head, first, rows in self.blocks:
            numbers = pc.cast(pa.array(np.arange(first, first + rows)), text)
            parts.append(
                pc.binary_join_element_wise(pa.scalar(head, text), numbers, pa.scalar("", text))
            )
        joined: pa.LargeStringArray = pa.concat_arrays(parts)
        return joined


@dataclass
class World:
    """A ready-to-run model state with the names the model itself does not need."""

    scenario: Scenario
    containment: str  # name of the containment timeline in use
    regime_name: str
    state: State
    params: Params
    node_ids: list[str]
    area_ids: list[str]
    region_ids: list[str]
    actor_ids: Labels  # named actors' ids, synthetic ones numbered
    actor_names: Labels
    event_ids: list[str]
    named_count: int


def build(
    scenario: Scenario,
    regime: str | None = None,
    seed: int | None = None,
    containment: str | None = None,
    settings: dict[str, float | str] | None = None,
) -> World:
    """Turn a scenario into model state.

    ``regime`` replaces the scenario's preset (keeping its overrides);
    ``seed`` replaces its seed; ``containment`` picks a containment timeline
    (``real``, the default, ``none`` or one of the scenario's variants);
    ``settings`` sets parameters by dotted path (``regime.alignment``) last;
    paths of scenario inputs among them are skipped (``resolve`` applies those).
    Synthetic populations are drawn from a stream spawned from the seed,
    separate from the run's own streams.
    """
    check_choices(scenario, regime, containment)
    scenario = scenario.model_copy(
        update={"containment": containment_timeline(scenario, containment or "real")}
    )
    regime_name = regime or scenario.regime.preset
    user = {name: (spec.base, _given(spec.overrides)) for name, spec in scenario.regimes.items()}
    params = apply_overrides(Params(), _given(scenario.parameters))
    regime_params = regime_from(regime_name, user, _given(scenario.regime.overrides))
    # settings of scenario inputs are already in the scenario (see resolve); the rest here
    from innostate.scenario.override import parameter_paths

    chosen = {k: float(v) for k, v in (settings or {}).items() if k in parameter_paths()}
    params = apply_settings(apply_overrides(params, {"regime": regime_params}), chosen)
    run_seed = scenario.seed if seed is None else seed
    rng = np.random.default_rng(np.random.SeedSequence([run_seed, 0x5EED]))

    node_ids = [n.id for n in scenario.nodes]
    area_ids = [a.id for a in scenario.areas]
    region_ids = list(scenario.regions)
    nodes = _nodes(scenario, node_ids, area_ids)
    actors, ids, names = _actors(scenario, node_ids, area_ids, region_ids, rng)
    schedule, event_ids = _schedule(scenario, node_ids, ids, area_ids)
    ledger = Ledger(node_flows=np.zeros((len(SOURCES), len(INSTRUMENTS), nodes.count)))
    state = State(
        nodes=nodes,
        actors=actors,
        projects=empty_projects(1024, MAX_MEMBERS),
        ledger=ledger,
        schedule=schedule,
    )
    # the market starts at the scenario's shares; the domestic level is the best firm's
    update_levels(state)
    # a node already meeting its requirement is not a breakthrough of this run
    nodes.reached_step[nodes.domestic_level >= nodes.requirement] = 0
    return World(
        scenario,
        containment or "real",
        regime_name,
        state,
        params,
        node_ids,
        area_ids,
        region_ids,
        ids,
        names,
        event_ids,
        len(scenario.actors),
    )


def apply_settings(params: Params, settings: dict[str, float]) -> Params:
    """Set parameters by dotted path (``regime.alignment``), checking names and ranges.

    Raises ScenarioError naming every unknown path (with a suggestion) and every
    value outside its declared range.
    """
    import difflib

    rows = {row["path"]: row for row in describe()}
    problems = []
    for path, value in settings.items():
        if path not in rows:
            close = difflib.get_close_matches(path, list(rows), n=1, cutoff=0.6)
            fix = f"did you mean '{close[0]}'?" if close else "see docs/model.md for the names"
            problems.append(Problem("--set", path, f"unknown parameter '{path}'", fix))
        elif not rows[path]["low"] <= value <= rows[path]["high"]:
            low, high = rows[path]["low"], rows[path]["high"]
            problems.append(
                Problem(
                    "--set",
                    path,
                    f"{value:g} is out of range",
                    f"use a value from {low:g} to {high:g}",
                )
            )
    if problems:
        raise ScenarioError(problems)
    for path, value in settings.items():
        params = replace_path(params, path, float(value))
    return params


def check_choices(scenario: Scenario, regime: str | None, containment: str | None) -> None:
    """Raise ScenarioError when a run's regime or containment name is not known."""
    problems = []
    known = [*PRESETS, *scenario.regimes]
    if regime is not None and regime not in known:
        problems.append(
            Problem(
                scenario.name,
                "regime",
                f"unknown regime '{regime}'",
                f"use one of: {', '.join(known)}",
            )
        )
    timelines = ["real", "none", *scenario.containment_variants]
    if containment is not None and containment not in timelines:
        problems.append(
            Problem(
                scenario.name,
                "containment",
                f"unknown containment timeline '{containment}'",
                f"use one of: {', '.join(timelines)}",
            )
        )
    if problems:
        raise ScenarioError(problems)


def containment_timeline(scenario: Scenario, name: str) -> list[ContainmentEvent]:
    """The events of a named containment timeline of the scenario."""
    if name == "real":
        return list(scenario.containment)
    if name == "none":
        return []
    check_choices(scenario, None, name)
    return list(scenario.containment_variants[name])


def _given(overrides: Any) -> dict[str, Any]:
    """The fields a user set in an overrides model (nested, without the unset ones)."""
    given: dict[str, Any] = overrides.model_dump(exclude_none=True)
    return given


def _nodes(s: Scenario, node_ids: list[str], area_ids: list[str]) -> Nodes:
    j = len(node_ids)

    def col(name: str) -> Floats:
        return np.array([float(getattr(n, name)) for n in s.nodes])

    weight = np.zeros((j, j))
    for row, n in enumerate(s.nodes):
        for pre, w in n.prereqs.items():
            weight[row, node_ids.index(pre)] = w
    return Nodes(
        area=np.array([area_ids.index(n.area) for n in s.nodes], dtype=np.int64),
        frontier=col("frontier"),
        frontier_growth=col("frontier_growth"),
        requirement=col("requirement"),
        difficulty=col("difficulty"),
        market_size=col("market_size"),
        market_growth=col("market_growth"),
        exposure=col("exposure"),
        mission=np.array([n.mission for n in s.nodes], dtype=bool),
        prereq_weight=weight,
        access=col("access"),
        domestic_share=1.0 - col("foreign_share"),
        domestic_level=np.zeros(j),
        research_level=np.zeros(j),
        knowledge=np.zeros(j),
        services=np.zeros(j),
        priority=np.full(j, 1.0 / j),
        allocation=np.full(j, 1.0 / j),
        instrument_allocation=np.full((len(CENTRAL_INSTRUMENTS), j), 1.0 / j),
        chokepoint=np.zeros(j, dtype=bool),
        key_task=np.zeros(j, dtype=bool),
        task_weight=np.zeros(j),
        performance=np.ones(j),
        reached_step=np.full(j, -1, dtype=np.int64),
    )


def _slots(s: Scenario) -> int:
    named = max((len(a.capabilities) for a in s.actors), default=0)
    synthetic = max((p.nodes_per_actor for p in s.populations), default=0)
    return max(named, synthetic, 1) + 1  # one spare slot for a first project on a new node


def _actors(
    s: Scenario,
    node_ids: list[str],
    area_ids: list[str],
    region_ids: list[str],
    rng: np.random.Generator,
) -> tuple[Actors, Labels, Labels]:
    k = _slots(s)
    parts = [_named(s, node_ids, region_ids, k)]
    id_blocks, name_blocks = [], []
    for number, pop in enumerate(s.populations):
        count = population_rows(s, pop)
        if count == 0:
            continue
        parts.append(_population(s, pop, count, node_ids, area_ids, region_ids, k, rng))
        prefix = pop.name_prefix or pop.kind
        id_blocks.append((f"{prefix}-{number}-", 0, count))  # private_firm-0-17
        name_blocks.append((f"{prefix} ", 1, count))  # private_firm 18
    ids = Labels([a.id for a in s.actors], id_blocks)
    names = Labels([a.name for a in s.actors], name_blocks)
    merged = {field: np.concatenate([p[field] for p in parts]) for field in parts[0]}
    actors = Actors(
        kind=merged["kind"],
        region=merged["region"],
        ownership=merged["ownership"],
        strategic_force=merged["strategic_force"],
        cap_node=merged["cap_node"],
        cap_level=np.ascontiguousarray(merged["cap_level"]),
        cash=merged["cash"],
        talent=merged["talent"],
        alignment=merged["alignment"],
        market_orientation=merged["market_orientation"],
        reputation=np.full(len(ids), 0.5),
        entity_listed=merged["entity_listed"],
        size=merged["size"],
        weight=merged["weight"],
        rd_share=merged["rd_share"],
        slot_revenue=np.zeros(merged["cap_level"].shape),
    )
    return actors, ids, names


def _named(
    s: Scenario, node_ids: list[str], region_ids: list[str], k: int
) -> dict[str, np.ndarray]:
    n = len(s.actors)
    cap_node = np.full((n, k), -1, dtype=np.int64)
    cap_level = np.zeros((n, k))
    for i, a in enumerate(s.actors):
        for slot, (node, level) in enumerate(a.capabilities.items()):
            cap_node[i, slot] = node_ids.index(node)
            cap_level[i, slot] = level

    def arr(name: str, dtype: type = float) -> np.ndarray:
        return np.array([getattr(a, name) for a in s.actors], dtype=dtype)

    return {
        "kind": np.array([KIND[a.kind] for a in s.actors], dtype=np.int64),
        "region": np.array([region_ids.index(a.region) for a in s.actors], dtype=np.int64),
        "ownership": np.array([OWNER[a.ownership] for a in s.actors], dtype=np.int64),
        "strategic_force": arr("strategic_force", bool),
        "cap_node": cap_node,
        "cap_level": cap_level,
        "cash": arr("cash"),
        "talent": arr("talent"),
        "alignment": arr("alignment"),
        "market_orientation": arr("market_orientation"),
        "entity_listed": arr("entity_listed", bool),
        "size": arr("size"),
        "weight": np.ones(n),
        "rd_share": np.array([_rd_share(s, a) for a in s.actors]),
    }


HOLDERS_PER_NODE = 4  # rows a population keeps on each of its nodes at any scale


def population_rows(s: Scenario, pop: Population) -> int:
    """Rows drawn for a population: ``count x population_scale``, with a floor.

    Scaling keeps at least one row of a non-empty population, and enough rows
    for about ``HOLDERS_PER_NODE`` on each node the population works on, so that
    calls on every node meet competing bidders of the population at any scale
    (a row stands for ``count / rows`` real actors; never more rows than actors).
    """
    if pop.count == 0:
        return 0
    covered = sum(1 for n in s.nodes if n.area in set(pop.areas or [a.id for a in s.areas]))
    per_actor = min(pop.nodes_per_actor, covered)
    floor = -(-HOLDERS_PER_NODE * covered // per_actor) if per_actor else 1
    return min(pop.count, max(1, floor, round(pop.count * s.population_scale)))


CERTAINTY_STRATUM = 1000  # the largest real actors of a population, drawn one row each


def gumbel_top_k(rng: np.random.Generator, log_weight: Floats, rows: int, k: int) -> Ints:
    """Per row, ``k`` distinct nodes drawn in proportion to ``exp(log_weight)``, ascending.

    The Gumbel top-k trick: the ``k`` largest of ``log_weight + Gumbel`` noise.
    The Gumbel draws are computed from uniforms the way numpy's ``gumbel`` does
    (``-log(-log(1 - u))``, the same stream and the same bits) and the top ``k``
    are picked in a compiled loop, without the (rows, J) key and sort tables.
    """
    saved = rng.bit_generator.state
    uniform = rng.random((rows, log_weight.size))
    # the distinct weights: a uniform too small to enter the top k is skipped by comparing
    # it with a bound per weight, without the two logarithms of its Gumbel key
    levels, level_of = np.unique(log_weight, return_inverse=True)
    out = np.empty((rows, k), dtype=np.int64)
    if not _gumbel_top_k(uniform, log_weight, levels, level_of.astype(np.int64), out):
        # a uniform of exactly 0 (odds 2**-53): numpy's gumbel redraws it, so let it do so
        rng.bit_generator.state = saved
        keys = log_weight + rng.gumbel(size=(rows, log_weight.size))
        return np.sort(np.argpartition(-keys, k - 1, axis=1)[:, :k], axis=1)
    return out


# Margins of the skip test in _gumbel_top_k, far above the rounding of the key (a few
# 1e-14 for keys below 100 in size) and of the bound (a few 1e-16), so that no uniform
# whose computed key would enter the top k is ever skipped.
KEY_MARGIN = 1e-9
BOUND_MARGIN = 1e-12


@jit
def _gumbel_top_k(
    uniform: Floats, log_weight: Floats, levels: Floats, level_of: Ints, out: Ints
) -> bool:
    """Fill ``out`` with each row's top ``k`` nodes, ascending; False when a uniform is 0.

    A node's key is ``log_weight + (0 - log(-log(t)))`` with ``t = 1 - u``, computed
    exactly as before for the first ``k`` nodes of a row and for any node that may
    beat the row's current k-th key ``low``. The key exceeds ``low`` only when ``t >
    exp(-exp(log_weight - low))`` (the key grows with ``t``), so a node whose ``t`` is
    below that bound (less margins) cannot enter and is skipped. The bound is the same
    for every node of one weight: it is computed per distinct weight, again only when
    ``low`` has changed since, so most uniforms cost one comparison instead of two logs.
    Which nodes enter, and in which order, is unchanged.
    """
    k = out.shape[1]
    key = np.empty(k)
    bound = np.empty(levels.size)
    stamp = np.full(levels.size, -1, dtype=np.int64)
    version = 0
    for r in range(uniform.shape[0]):
        version += 1
        low = 0
        for j in range(log_weight.size):
            u = uniform[r, j]
            if u == 0.0:
                return False
            t = 1.0 - u
            if j >= k:
                level = level_of[j]
                if stamp[level] != version:
                    bound[level] = math.exp(-math.exp(levels[level] - (key[low] - KEY_MARGIN)))
                    stamp[level] = version
                if t <= bound[level] - BOUND_MARGIN:
                    continue
            value = log_weight[j] + (0.0 - 1.0 * math.log(-math.log(t)))
            if j < k:
                out[r, j] = j
                key[j] = value
            elif value > key[low]:
                out[r, low] = j
                key[low] = value
            else:
                continue
            if j >= k - 1:  # the k-th key changed: bounds of this row are stale
                version += 1
                low = 0
                for q in range(1, k):
                    if key[q] < key[low]:
                        low = q
        for q in range(1, k):  # k is a handful: insertion sort, no per-row sort call
            node = out[r, q]
            p = q - 1
            while p >= 0 and out[r, p] > node:
                out[r, p + 1] = out[r, p]
                p -= 1
            out[r, p + 1] = node
    return True


def population_sizes(
    real: int, rows: int, alpha: float, rng: np.random.Generator
) -> tuple[Floats, Floats]:
    """Sizes (Pareto with shape ``alpha``, mean 1 over real actors) and row weights.

    A population of ``real`` actors is drawn as ``rows`` rows. Its largest
    actors decide the extremes (the richest firm, the best-funded lab), which a
    plain subsample would miss at a small scale. So the ``min(rows // 2,
    CERTAINTY_STRATUM)`` largest real actors get a row each (weight 1), at the
    expected sizes of the top order statistics; the other rows are a random
    sample of the rest, each standing for an equal share of it. At any scale
    the same largest actors exist, and the sizes summed over real actors are
    ``real``.
    """
    top = min(rows // 2, CERTAINTY_STRATUM) if rows < real else 0
    rank = np.arange(1, top + 1)
    # Pareto(alpha) above 1: the j-th largest of n sits near the 1 - (j - 1/2)/n quantile
    largest = ((rank - 0.5) / real) ** (-1.0 / alpha)
    tail_share = 1.0 - top / real  # the rest lie below the top's quantile
    u = rng.uniform(0.0, tail_share, rows - top)
    rest = (1.0 - u) ** (-1.0 / alpha)
    size = np.concatenate([largest, rest])
    weight = np.concatenate([np.ones(top), np.full(rows - top, (real - top) / (rows - top))])
    size /= np.dot(size, weight) / real
    order = rng.permutation(rows)  # no meaning in the row order
    return size[order], weight[order]


def rd_performers(size: Floats, weight: Floats, share: float) -> NDArray[np.bool_]:
    """Rows whose real actors do R&D: the largest, ``share`` of the population by weight.

    Rows are ranked by size; a row performs R&D when the weighted count of real
    actors ranked above it, plus half its own weight, is below ``share`` of the
    population. The performers then number ``share x`` the population within
    half a row's weight at any population scale, and no random draw is used.
    Source: R&D activity rises steeply with firm size (Fujian 2019: 65% of large,
    26% of small and 5% of micro industrial firms; population_stats).
    """
    if share >= 1.0:
        return np.ones(size.size, dtype=bool)
    order = np.argsort(-size, kind="stable")
    ranked = weight[order]
    before = np.cumsum(ranked) - ranked
    performs = np.zeros(size.size, dtype=bool)
    performs[order] = before + ranked / 2 < share * weight.sum()
    return performs


def population_talent(pop: Population, size: Floats, weight: Floats) -> Floats:
    """Researcher FTE per real actor of a population's rows.

    The population's researchers, ``talent_mean x rd_performer_share x count``,
    go to its R&D performers (``rd_performers``) in proportion to size; the
    other actors have none. "The long tail's talent comes from R&D-performing
    firms' statistics" (issue 8): enterprise R&D personnel work in the firms that
    do R&D. The weighted total equals the population's researchers at any scale.
    """
    if pop.rd_performer_share >= 1.0:
        talent: Floats = pop.talent_mean * size
        return talent
    performs = rd_performers(size, weight, pop.rd_performer_share)
    mass = float(np.dot(np.where(performs, size, 0.0), weight))
    researchers = pop.talent_mean * pop.rd_performer_share * float(weight.sum())
    if mass <= 0.0:
        return np.zeros(size.size)
    return np.where(performs, size * (researchers / mass), 0.0)


def _rd_share(s: Scenario, actor: NamedActor) -> float:
    """A firm's reported R&D as a share of the enterprise_rd budget's value that year."""
    budget = s.budgets.get("enterprise_rd")
    if actor.rd_spending is None or budget is None or not budget.values:
        return float("nan")
    return actor.rd_spending.bn_yuan / rd_base(budget.values, actor.rd_spending.year)


def _population(
    s: Scenario,
    pop: Population,
    count: int,
    node_ids: list[str],
    area_ids: list[str],
    region_ids: list[str],
    k: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Draw ``count`` actors: regions, ownership, sizes (Pareto), nodes and levels."""
    region_weight = np.array([pop.regions.get(r, 0.0) if pop.regions else 1.0 for r in region_ids])
    region = rng.choice(len(region_ids), size=count, p=region_weight / region_weight.sum())
    owners = list(pop.ownership)
    share = np.array([pop.ownership[o] for o in owners])
    ownership = np.array([OWNER[o] for o in owners])[
        rng.choice(len(owners), count, p=share / share.sum())
    ]
    size, weight = population_sizes(pop.count, count, pop.size_alpha, rng)

    areas = set(pop.areas or area_ids)
    node_ok = np.array([n.area in areas for n in s.nodes])
    market = np.array([n.market_size for n in s.nodes]) + 1e-3
    initial = np.array([n.initial_level for n in s.nodes])
    cap_node = np.full((count, k), -1, dtype=np.int64)
    cap_level = np.zeros((count, k))
    per_actor = min(pop.nodes_per_actor, int(node_ok.sum()), k - 1)
    if per_actor > 0:
        log_weight = np.where(node_ok, np.log(market), -np.inf)
        block = 65536  # Gumbel top-k in blocks keeps memory flat at national scale
        for lo in range(0, count, block):
            hi = min(lo + block, count)
            cap_node[lo:hi, :per_actor] = gumbel_top_k(rng, log_weight, hi - lo, per_actor)
        relative = pop.capability_mean * rng.lognormal(
            -0.5 * pop.capability_sigma**2, pop.capability_sigma, (count, per_actor)
        )
        cap_level[:, :per_actor] = np.minimum(relative, 1.0) * initial[cap_node[:, :per_actor]]
        # the best of a node's real holders is at the node's start level at any scale:
        # pin the top sampled holder there, so subsampling does not lower the maximum
        nodes = cap_node[:, :per_actor].ravel()
        levels = cap_level[:, :per_actor].ravel()
        top = best_per_node(nodes, levels, np.ones(nodes.size, dtype=bool), len(node_ids))
        top = top[top >= 0]
        rows, slots = np.divmod(top, per_actor)
        cap_level[rows, slots] = initial[nodes[top]]

    def uniform(r: Range) -> Floats:
        return rng.uniform(r.low, r.high, count)

    return {
        "kind": np.full(count, KIND[pop.kind], dtype=np.int64),
        "region": region.astype(np.int64),
        "ownership": ownership.astype(np.int64),
        "strategic_force": rng.random(count) < pop.strategic_force_share,
        "cap_node": cap_node,
        "cap_level": cap_level,
        "cash": pop.cash_mean * size,
        "talent": population_talent(pop, size, weight),
        "alignment": uniform(pop.alignment),
        "market_orientation": uniform(pop.market_orientation),
        "entity_listed": np.zeros(count, dtype=bool),
        "size": size,
        "weight": weight,
        "rd_share": np.full(count, np.nan),
    }


def budget_path(
    budget: Budget | Earmark | None, start: str, steps: int, steps_per_year: int
) -> Floats:
    """Money per step: yearly values linearly interpolated, then grown at ``growth_after``.

    A budget's ``share`` (the part reaching the modelled technologies) scales the path.
    """
    if budget is None or not budget.values:
        return np.zeros(steps)
    y0, m0 = parse_month(start)
    t = y0 + (m0 - 1) / 12 + np.arange(steps) / steps_per_year
    years = np.array(sorted(budget.values), dtype=float)
    values = np.array([budget.values[int(y)] for y in years])
    yearly = np.interp(t, years, values)
    after = t > years[-1]
    yearly[after] = values[-1] * (1 + budget.growth_after) ** (t[after] - years[-1])
    per_step: Floats = yearly / steps_per_year * getattr(budget, "share", 1.0)
    return per_step


def _schedule(
    s: Scenario, node_ids: list[str], actor_ids: Labels, area_ids: list[str]
) -> tuple[Schedule, list[str]]:
    cal = s.calendar
    steps = step_count(cal.start, cal.end, cal.steps_per_year)
    budgets = np.stack(
        [budget_path(s.budgets.get(c), cal.start, steps, cal.steps_per_year) for c in SOURCES],
        axis=1,
    )
    events = s.containment
    access = np.full((len(events), len(node_ids)), np.nan)
    talent = np.full(len(events), np.nan)
    listing: list[tuple[int, int, bool]] = []
    for e, ev in enumerate(events):
        for node, value in ev.nodes.items():
            access[e, node_ids.index(node)] = value
        if ev.talent_access is not None:
            talent[e] = ev.talent_access
        listing.extend((e, actor_ids.index(a), ev.kind == "entity_listing") for a in ev.actors)
    y0, m0 = parse_month(cal.start)
    earmarks = [budget_path(e, cal.start, steps, cal.steps_per_year) for e in s.earmarks]
    return Schedule(
        budgets=budgets,
        earmark_budgets=np.stack(earmarks, axis=1) if earmarks else np.zeros((steps, 0)),
        earmark_actor=np.array([actor_ids.index(e.actor) for e in s.earmarks], dtype=np.int64),
        event_step=np.array(
            [step_index(cal.start, ev.date, cal.steps_per_year) for ev in events], dtype=np.int64
        ),
        event_kind=np.array([EVENT[ev.kind] for ev in events], dtype=np.int64),
        event_access=access,
        event_talent=talent,
        listing_event=np.array([x[0] for x in listing], dtype=np.int64),
        listing_actor=np.array([x[1] for x in listing], dtype=np.int64),
        listing_value=np.array([x[2] for x in listing], dtype=bool),
        area_weight=np.array([a.strategic_weight for a in s.areas]),
        start_year=y0 + (m0 - 1) / 12,
        steps_per_year=cal.steps_per_year,
        steps=steps,
    ), [ev.id for ev in events]
