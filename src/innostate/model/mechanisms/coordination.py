"""Coordination: leading groups monitor programmes; ministries and regions allocate.

Seed, table of components: leading small groups / central commissions, "high-level
policy coordination bodies under the CCP", "align ministries and regions with Party
directives"; the State Council and ministries (MOST, NDRC, MIIT), "central government
bodies responsible for policy implementation".
"""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import (
    CENTRAL_INSTRUMENTS,
    MINISTRIES,
    MINISTRY,
    MINISTRY_OF_INSTRUMENT,
    MISSION_INSTRUMENTS,
    SOURCE,
    STATUS,
)
from innostate.model.kernels import jit
from innostate.model.params import Params, per_step, steps_in
from innostate.model.select import slot_index
from innostate.model.state import Floats, Ints, State


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Update the leading groups' record, then let ministries and regions allocate.

    Leading groups keep a record of each node's mission programmes
    (:func:`monitor`) and steer the centre's priority towards nodes that
    deliver: ``guided_j ∝ priority_j x performance_j ** reallocation``. Each
    ministry splits the money of the instruments it runs over nodes by
    ``alignment x guided + (1 - alignment) x its own preference``
    (:func:`ministry_preferences`), giving ``nodes.instrument_allocation``
    (I, J); ``nodes.allocation`` (J,) is the mix-weighted share of a call round
    per node. Each region mixes the centre's priority with its own industry
    the same way (``state.region_allocation``, (R, J)); ``state.region_capability``
    (R, J) is the capability mass clusters are built on.
    """
    n = state.nodes
    cp = params.coordination
    align = params.regime.alignment
    monitor(state, params)
    guided = n.priority * np.power(n.performance, cp.reallocation)
    guided = guided / guided.sum() if guided.sum() > 0 else n.priority
    own = ministry_preferences(state, params)  # (ministries, J)
    mandate = np.array([MINISTRY[MINISTRY_OF_INSTRUMENT[i]] for i in CENTRAL_INSTRUMENTS])
    n.instrument_allocation = align * guided[None, :] + (1 - align) * own[mandate]
    mix = np.asarray(params.regime.instrument_mix.shares())
    mix = mix / mix.sum() if mix.sum() > 0 else np.full(mix.size, 1.0 / mix.size)
    n.allocation = np.dot(mix, n.instrument_allocation)
    state.region_capability = capability_mass(state)
    state.region_allocation = align * n.priority[None, :] + (1 - align) * local_preference(
        state.region_capability
    )
    return state


def monitor(state: State, params: Params) -> None:
    """Leading groups learn from the reviews of each node's central mission projects.

    Seed: leading groups are "coordination bodies" that "align ministries";
    D8 of the model review: their "monitoring learns from reviews". What they
    see of a reviewed project is ``monitoring x tech_score + (1 - monitoring)
    x reported_score`` (good oversight sees the true technical delivery; weak
    oversight believes the report). A node's observation is the mean over its
    directive, open-competition and horse-race projects that are running and
    past their first review, or were stopped (cut or completed) within the
    last review interval, weighted by central money (so splitting a programme into more
    projects does not change it). Nodes without such projects are assumed to
    perform at the national mean. ``nodes.performance`` moves
    ``performance_memory`` a year of the way to the observation.
    """
    n, pr, cp = state.nodes, state.projects, params.coordination
    t, rows = state.step, np.arange(pr.count)
    mission = np.isin(pr.instrument[rows], MISSION_INSTRUMENTS)
    # reviews of steps before this one are known; a round of reviews spans one interval
    interval = steps_in(params.evaluation.review_interval_years, state.dt)
    running = (pr.status[rows] == STATUS["active"]) & (pr.start[rows] + interval < t)
    recent = (pr.stopped[rows] >= 0) & (pr.stopped[rows] >= t - interval)
    seen = rows[mission & (running | recent)]
    if seen.size == 0:
        return
    m = params.regime.monitoring
    observed = m * pr.tech_score[seen] + (1 - m) * pr.reported_score[seen]
    money = pr.funding[seen, SOURCE["central"]] * pr.weight[seen]
    mass = np.bincount(pr.node[seen], weights=money, minlength=n.count)
    if mass.sum() <= 0:
        return
    total = np.bincount(pr.node[seen], weights=money * observed, minlength=n.count)
    national = float(total.sum() / mass.sum())
    target = np.divide(total, mass, out=np.full(n.count, national), where=mass > 0)
    n.performance += per_step(cp.performance_memory, state.dt) * (target - n.performance)


def ministry_preferences(state: State, params: Params) -> Floats:
    """Each ministry's own split of its money over nodes, shape (ministries, J), rows sum to 1.

    Seed: ministries' role shifts "from administrative R&D control to innovation
    services"; each keeps its mandate:

    - MOST (science): nodes where research is strong, by
      ``(research_level / frontier + prestige_floor) ** prestige_weight``;
    - MIIT (industry): large markets where domestic firms are strong, by
      ``market_size x (domestic_level / frontier + prestige_floor) ** prestige_weight``;
    - NDRC (planning, infrastructure): nodes many others build on, by
      ``(sum_j prereq_weight[j, k]) ** prestige_weight`` (column sums).

    A ministry whose criterion is zero everywhere spreads its money evenly.
    """
    n, cp = state.nodes, params.coordination
    w = cp.prestige_weight
    raw = np.zeros((len(MINISTRIES), n.count))
    raw[MINISTRY["most"]] = np.power(n.research_level / n.frontier + cp.prestige_floor, w)
    raw[MINISTRY["miit"]] = n.market_size * np.power(
        n.domestic_level / n.frontier + cp.prestige_floor, w
    )
    raw[MINISTRY["ndrc"]] = np.power(n.prereq_weight.sum(axis=0), w)
    total = raw.sum(axis=1, keepdims=True)
    even = np.full_like(raw, 1.0 / n.count)
    shares: Floats = np.where(total > 0, raw / np.where(total > 0, total, 1.0), even)
    return shares


def capability_mass(state: State) -> np.ndarray:
    """Sum of real actors' capability levels per region and node, shape (R, J)."""
    a, j = state.actors, state.nodes.count
    index = slot_index(a)
    regions = int(a.region.max()) + 1
    mass = np.zeros(regions * j)
    _mass(index.flat, index.actor, index.node, a.cap_level.ravel(), a.weight, a.region, j, mass)
    return mass.reshape(regions, j)


@jit
def _mass(
    flat: Ints,
    actor: Ints,
    node: Ints,
    level: Floats,
    weight: Floats,
    region: Ints,
    n_nodes: int,
    mass: Floats,
) -> None:
    # np.bincount over region x node cells without its four slot-sized temporaries
    for e in range(flat.size):
        i = actor[e]
        mass[region[i] * n_nodes + node[e]] += level[flat[e]] * weight[i]


def local_preference(mass: np.ndarray) -> np.ndarray:
    """Each region's share of its own capability mass per node (even where it has none)."""
    total = mass.sum(axis=1, keepdims=True)
    even = np.full_like(mass, 1.0 / mass.shape[1])
    return np.where(total > 0, mass / np.where(total > 0, total, 1.0), even)
