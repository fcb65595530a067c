"""Model state as structure-of-arrays tables: nodes, actors, projects, ledger.

Every table is a dataclass of equally long numpy arrays (one row per entity).
Mechanisms update these arrays in place with vectorised index operations; no
Python object stands for a single actor or project.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from innostate.model.codebook import ACTOR_KINDS, INSTRUMENTS, SOURCES, STATUS
from innostate.model.kernels import weighted_total

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
T = TypeVar("T")


@dataclass
class Nodes:
    """Technology nodes, shape (J,) unless noted."""

    area: Ints
    frontier: Floats
    frontier_growth: Floats  # levels per year
    requirement: Floats
    difficulty: Floats  # bn yuan per level near the frontier
    market_size: Floats  # bn yuan per year
    market_growth: Floats  # share per year
    exposure: Floats  # share of foreign supply from the containing coalition
    mission: Bools  # a national major S&T project or flagship mission named in a public plan
    prereq_weight: Floats  # (J, J): prereq_weight[j, k] = weight of node k for node j
    access: Floats  # foreign access A_j in [0, 1]
    domestic_share: Floats
    domestic_level: Floats  # best level held by a domestic supplier (an enterprise)
    research_level: Floats  # best level held by a university, institute or national lab
    knowledge: Floats  # basic-research stock lowering difficulty
    services: Floats  # platform stock lowering small firms' costs
    priority: Floats  # share of central mission money (sums to 1)
    allocation: Floats  # share of a call round's central pool per node (mix-weighted, sums to 1)
    # (I, J): each central programme instrument's split over nodes by its ministry (rows sum to 1)
    instrument_allocation: Floats
    chokepoint: Bools
    key_task: Bools  # on the current plan's key-task list
    # weight of the node as a key task now: 1 for a key task whose key-task prerequisites are
    # met, 1 - sequencing for one still waiting for them, 0 off the list
    task_weight: Floats
    # leading groups' record of the node's mission programmes: exponential average of the
    # observed review scores of its central mission projects (1 before any review)
    performance: Floats
    reached_step: Ints  # first step the domestic level met the requirement, -1 if not yet

    @property
    def count(self) -> int:
        return int(self.area.shape[0])


@dataclass(frozen=True)
class SlotIndex:
    """Positions of the used capability slots, and the same grouped by node."""

    flat: Ints  # (E,) positions in the flattened (N, K) tables, row-major
    actor: Ints  # (E,)
    node: Ints  # (E,)
    by_node: Ints  # (E,) order that sorts the entries by node
    starts: Ints  # (G,) first sorted entry of each node present
    nodes: Ints  # (G,) those nodes
    count: Ints  # (N,) used slots of each actor


@dataclass
class Actors:
    """Actors, shape (N,) unless noted. Capabilities are sparse: K slots per actor."""

    kind: Ints
    region: Ints
    ownership: Ints
    strategic_force: Bools
    cap_node: Ints  # (N, K) node of each capability slot, -1 when empty
    cap_level: Floats  # (N, K) level of each slot
    cash: Floats  # bn yuan
    talent: Floats  # researcher FTE
    alignment: Floats  # political alignment 0-1
    market_orientation: Floats  # 0-1
    reputation: Floats  # 0-1, from past evaluations
    entity_listed: Bools
    size: Floats  # relative size, weights the exogenous enterprise R&D and fund inflows
    # real actors each row stands for: 1 for named actors, about 1/scale for synthetic ones.
    # Money, talent and revenue columns are per real actor; sums over actors weigh by it.
    weight: Floats
    # share of the enterprise R&D budget a firm's reported R&D stands for; NaN: by size
    rd_share: Floats
    slot_revenue: Floats  # (N, K) domestic revenue earned by each slot in the last step
    # where the used slots are (see select.slot_index); rebuilt when a slot changes node
    slot_cache: SlotIndex | None = field(default=None, repr=False, compare=False)
    # values derived from columns that never change in a run (kind, region, ownership, size,
    # weight, rd_share), computed once by the mechanism that needs them (see :meth:`derived`)
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def count(self) -> int:
        return int(self.kind.shape[0])

    def derived(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``name`` is asked for, then the stored value.

        For groupings and sort orders of actors that a step would otherwise
        rebuild every time (the columns they come from never change in a run).
        """
        if name not in self.cache:
            self.cache[name] = compute()
        value: T = self.cache[name]
        return value


@dataclass
class Projects:
    """Funded projects, a preallocated table of which the first ``count`` rows are used."""

    node: Ints
    lead: Ints
    members: Ints  # (P, M), -1 padded
    instrument: Ints
    status: Ints
    start: Ints
    end: Ints  # planned last step (inclusive)
    next_review: Ints
    budget: Floats  # remaining, bn yuan
    funding: Floats  # (P, S) money committed by source, per real project
    # real projects each row stands for (equity deals on a synthetic firm may be many)
    weight: Floats
    spent: Floats
    progress: Floats  # levels gained by the lead on the node
    target: Floats  # progress the call expects over the whole duration
    # progress expected so far: ambition x what the project's share of its lead's pooled
    # money bought a fully able team, accrued each step (reviews compare progress with it)
    expected: Floats
    revenue: Floats  # lead's revenue on the node while the project ran
    # application (adoption.record_uptake): the supplier carrying the project's result to
    # users, its market share and level at the project's first step, the domestic sales it
    # added since then (signed, bn yuan per real firm) and the part of them due to the project
    base_share: Floats
    base_level: Floats
    base_usable: Floats  # usability of the node's domestic supply at the project's first step
    added_sales: Floats
    uptake: Floats
    efficiency: Floats  # consortium efficiency multiplier on R&D
    race: Ints  # horse-race group id, -1 otherwise
    duplicate: Bools
    local_funder: Ints  # local government actor that co-funded, -1 if none
    investor: Ints  # fund actor of an equity-backed project, -1 otherwise
    lender: Ints  # policy bank actor, -1 otherwise
    loan: Floats  # outstanding policy-bank loan
    tech_score: Floats
    app_score: Floats
    reported_score: Floats
    stopped: Ints  # step the project was completed or cut, -1 while active
    count: int = 0

    @property
    def capacity(self) -> int:
        return int(self.node.shape[0])

    @property
    def active(self) -> Bools:
        active: Bools = self.status[: self.count] == STATUS["active"]
        return active


@dataclass
class Ledger:
    """Money outside the actor and project accounts, plus this step's external flows."""

    central_pool: float = 0.0
    inflow: float = 0.0  # exogenous budgets, reinvested revenue and exit proceeds this step
    outflow: float = 0.0  # R&D spending this step
    lapsed: float = 0.0  # idle appropriations returned to the treasury this step
    # flows[source, instrument, performer kind] of this step, bn yuan
    flows: Floats = field(
        default_factory=lambda: np.zeros((len(SOURCES), len(INSTRUMENTS), len(ACTOR_KINDS)))
    )
    # node_flows[source, instrument, node] of this step, bn yuan (sized by the builder)
    node_flows: Floats = field(
        default_factory=lambda: np.zeros((len(SOURCES), len(INSTRUMENTS), 0))
    )


@dataclass
class Schedule:
    """Exogenous paths precomputed by the scenario layer, indexed by step."""

    budgets: Floats  # (T, S) bn yuan per step, columns in SOURCES order
    earmark_budgets: Floats  # (T, E) bn yuan per step paid to one named actor each
    earmark_actor: Ints  # (E,) the actor receiving each earmark
    event_step: Ints  # (E,)
    event_kind: Ints  # (E,)
    event_access: Floats  # (E, J) new foreign access, NaN where the event leaves a node alone
    event_talent: Floats  # (E,) new talent-flow access, NaN if unchanged
    listing_event: Ints  # (L,) event index of each listing change
    listing_actor: Ints  # (L,) actor concerned
    listing_value: Bools  # (L,) True lists the actor, False delists it
    area_weight: Floats  # (A,) strategic weight of each mission area
    start_year: float
    steps_per_year: int
    steps: int


@dataclass
class State:
    """Everything a step reads and writes."""

    nodes: Nodes
    actors: Actors
    projects: Projects
    ledger: Ledger
    schedule: Schedule
    step: int = 0
    talent_access: float = 1.0  # share of returnee flows still open
    crisis: bool = False  # a containment shock hit this step
    race_counter: int = 0
    region_allocation: Floats = field(default_factory=lambda: np.zeros((0, 0)))  # (R, J)
    region_capability: Floats = field(default_factory=lambda: np.zeros((0, 0)))  # (R, J)
    events: list[tuple[int, str, int, int, float]] = field(default_factory=list)

    @property
    def dt(self) -> float:
        """Length of a step in years."""
        return 1.0 / self.schedule.steps_per_year

    def every(self, years: float) -> bool:
        """True on the steps of a cycle of ``years`` (steps 0, n, 2n, ... with n = years / dt)."""
        return self.step % max(1, round(years * self.schedule.steps_per_year)) == 0

    @property
    def year(self) -> float:
        return self.schedule.start_year + self.step * self.dt

    def money_stock(self) -> float:
        """All money held inside the system: pool, actor cash, project budgets (weighted)."""
        p, a = self.projects, self.actors
        held = weighted_total(a.cash, a.weight) + weighted_total(
            p.budget[: p.count], p.weight[: p.count]
        )
        return self.ledger.central_pool + held


def empty_projects(capacity: int, members: int) -> Projects:
    """A project table with room for ``capacity`` rows and ``members`` partners each."""

    def ints() -> Ints:
        return np.full(capacity, -1, dtype=np.int64)

    def floats() -> Floats:
        return np.zeros(capacity)

    return Projects(
        node=ints(),
        lead=ints(),
        members=np.full((capacity, members), -1, dtype=np.int64),
        instrument=ints(),
        status=ints(),
        start=ints(),
        end=ints(),
        next_review=ints(),
        budget=floats(),
        funding=np.zeros((capacity, len(SOURCES))),
        weight=np.ones(capacity),
        spent=floats(),
        progress=floats(),
        target=floats(),
        expected=floats(),
        revenue=floats(),
        base_share=floats(),
        base_level=floats(),
        base_usable=floats(),
        added_sales=floats(),
        uptake=floats(),
        efficiency=np.ones(capacity),
        race=ints(),
        duplicate=np.zeros(capacity, dtype=bool),
        local_funder=ints(),
        investor=ints(),
        lender=ints(),
        loan=floats(),
        tech_score=floats(),
        app_score=floats(),
        reported_score=floats(),
        stopped=ints(),
    )


def add_projects(
    state: State,
    node: Ints,
    lead: Ints,
    instrument: int,
    budget: Floats,
    source: int,
    duration: int,
    target: Floats,
    weight: Floats | None = None,
) -> Ints:
    """Append new active projects funded from one source; return their row indices.

    The caller has already taken ``budget`` out of the funding account;
    ``target`` is the progress (levels) the funder expects over ``duration`` steps;
    ``weight`` is how many real projects each row stands for (one by default), and
    ``budget`` is per real project.
    """
    p = state.projects
    n = int(node.shape[0])
    if p.count + n > p.capacity:
        _grow(p, max(2 * p.capacity, p.count + n))
    rows = np.arange(p.count, p.count + n)
    p.count += n
    t = state.step
    p.node[rows] = node
    p.lead[rows] = lead
    p.instrument[rows] = instrument
    p.status[rows] = STATUS["active"]
    p.start[rows] = t
    p.end[rows] = t + duration - 1
    p.next_review[rows] = t + duration - 1
    p.budget[rows] = budget
    p.funding[rows, source] = budget
    p.target[rows] = target
    p.weight[rows] = 1.0 if weight is None else weight
    return rows


def _grow(p: Projects, capacity: int) -> None:
    """Enlarge every column of the project table to ``capacity`` rows."""
    bigger = empty_projects(capacity, p.members.shape[1])
    for f in fields(p):
        if f.name == "count":
            continue
        old = getattr(p, f.name)
        new = getattr(bigger, f.name)
        new[: old.shape[0]] = old
        setattr(p, f.name, new)
