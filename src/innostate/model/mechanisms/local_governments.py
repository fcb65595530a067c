"""Local governments: matching funds, own programmes and duplicate projects."""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import INSTRUMENT, IS_ENTERPRISE, IS_PERFORMER, KIND, SOURCE, STATUS
from innostate.model.kernels import jit
from innostate.model.ledger import pay, record_flow
from innostate.model.params import Params, per_step, steps_in
from innostate.model.production import promised
from innostate.model.select import ensure_slot, slot_index
from innostate.model.state import Bools, Floats, Ints, State, add_projects


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Co-fund this step's projects in each region and, at call rounds, start local projects.

    Matching: ``match_rate`` yuan per central yuan for projects whose lead is
    in the region, scaled down pro rata when local cash runs short.

    Own programmes: at each call round each region's government spends
    ``local_autonomy`` times the round's part of ``programme_share`` a year of
    its cash on ``Poisson(lambda)`` projects,
    ``lambda = (1 + local_autonomy * (1 - monitoring) * duplicate_rate) * years per round``,
    on nodes drawn from its allocation (central priority mixed with local
    preference by ``alignment``). The lead is the region's most capable actor
    on the node, or its largest firm when nobody there works on it (a weak
    team). A local project on a node that already has an active local project
    is a duplicate; monitoring vetoes each duplicate with probability
    ``monitoring``.
    """
    gov_of_region = _governments(state)
    _match(state, params, gov_of_region)
    if state.every(params.programmes.call_interval_years):
        _local_programmes(state, params, gov_of_region, rng)
    return state


def _governments(state: State) -> Ints:
    """The local government of each region, -1 where none (kinds and regions never change)."""
    a = state.actors

    def find() -> Ints:
        gov = np.full(int(a.region.max()) + 1, -1, dtype=np.int64)
        govs = np.flatnonzero(a.kind == KIND["local_government"])
        gov[a.region[govs]] = govs
        return gov

    return a.derived("local_governments.government", find)


def _match(state: State, params: Params, gov_of_region: Ints) -> None:
    a, pr = state.actors, state.projects
    central = pr.funding[: pr.count, SOURCE["central"]]
    rows = np.flatnonzero((pr.start[: pr.count] == state.step) & (central > 0))
    gov = gov_of_region[a.region[pr.lead[rows]]]
    rows, gov = rows[gov >= 0], gov[gov >= 0]
    if rows.size == 0:
        return
    wanted = params.local_governments.match_rate * central[rows] * pr.weight[rows]
    # per matching government (sums in row order, as np.bincount over all actors gave them)
    govs, group = np.unique(gov, return_inverse=True)
    demand = np.bincount(group, weights=wanted)
    held = a.cash[govs] * a.weight[govs]
    scale = np.divide(held, demand, out=np.ones(govs.size), where=demand > 0)
    paid = wanted * np.minimum(scale[group], 1.0)
    pay(state, gov, -paid)
    a.cash[gov] = np.maximum(a.cash[gov], 0.0)  # only rounding can push below zero
    pr.budget[rows] += paid / pr.weight[rows]
    pr.funding[rows, SOURCE["local"]] += paid / pr.weight[rows]
    pr.local_funder[rows] = gov
    record_flow(state, SOURCE["local"], pr.instrument[rows], pr.lead[rows], pr.node[rows], paid)


def _local_programmes(
    state: State, params: Params, gov_of_region: Ints, rng: np.random.Generator
) -> None:
    a, n, pr, r = state.actors, state.nodes, state.projects, params.regime
    lg = params.local_governments
    regions = np.flatnonzero(gov_of_region >= 0)
    govs = gov_of_region[regions]
    years = steps_in(params.programmes.call_interval_years, state.dt) * state.dt
    spend_share = per_step(lg.programme_share, years) * r.local_autonomy
    purse = a.cash[govs] * a.weight[govs] * spend_share
    active = regions[purse >= params.programmes.min_call_budget]
    if active.size == 0:
        return
    # one own project a year plus extra, unmonitored ones: counts per year do not
    # depend on how often rounds come
    lam = (1.0 + r.local_autonomy * (1 - r.monitoring) * lg.duplicate_rate) * years
    count = rng.poisson(lam, active.size)
    active, count = active[count > 0], count[count > 0]
    region = np.repeat(active, count)
    alloc = state.region_allocation[region]
    cumulative = alloc.cumsum(axis=1)
    draw = rng.random(region.size) * cumulative[:, -1]
    node = np.minimum((cumulative < draw[:, None]).sum(axis=1), n.count - 1)

    running = (pr.status[: pr.count] == STATUS["active"]) & (
        pr.instrument[: pr.count] == INSTRUMENT["local_programme"]
    )
    busy = np.zeros(n.count, dtype=bool)
    busy[pr.node[: pr.count][running]] = True
    _, first = np.unique(node, return_index=True)
    first_in_round = np.zeros(region.size, dtype=bool)
    first_in_round[first] = True
    duplicate = busy[node] | ~first_in_round
    vetoed = duplicate & (rng.random(region.size) < r.monitoring)
    region, node, duplicate = region[~vetoed], node[~vetoed], duplicate[~vetoed]
    if region.size == 0:
        return

    lead = _local_leads(state, region, node)
    ok = lead >= 0
    region, node, duplicate, lead = region[ok], node[ok], duplicate[ok], lead[ok]
    gov = gov_of_region[region]
    per_project = (a.cash[gov] * a.weight[gov] * spend_share) / np.bincount(gov, minlength=a.count)[
        gov
    ]
    pay(state, gov, -per_project)
    a.cash[gov] = np.maximum(a.cash[gov], 0.0)
    ensure_slot(a, lead, node)
    duration = steps_in(params.programmes.project_duration_years, state.dt)
    rows = add_projects(
        state,
        node,
        lead,
        INSTRUMENT["local_programme"],
        per_project,
        SOURCE["local"],
        duration,
        promised(state, params, node, per_project, duration * state.dt),
    )
    pr.local_funder[rows] = gov
    pr.duplicate[rows] = duplicate
    pr.next_review[rows] = state.step + steps_in(params.evaluation.review_interval_years, state.dt)
    record_flow(state, SOURCE["local"], INSTRUMENT["local_programme"], lead, node, per_project)


def _local_leads(state: State, region: Ints, node: Ints) -> Ints:
    """Most capable actor of the region on the node, else the region's largest firm."""
    a, j = state.actors, state.nodes.count
    regions = _governments(state).size
    index = slot_index(a)
    best = np.full(regions * j, -1, dtype=np.int64)
    _best_in_regions(
        index.flat,
        index.actor,
        index.node,
        a.cap_level.ravel(),
        a.kind,
        IS_PERFORMER,
        a.region,
        j,
        best,
    )
    entry = best[region * j + node]
    lead = np.where(entry >= 0, index.actor[np.maximum(entry, 0)], -1)

    def largest_firms() -> Ints:
        largest = np.full(regions, -1, dtype=np.int64)
        _largest_firms(a.kind, IS_ENTERPRISE, a.region, a.size, largest)
        return largest

    # sizes and regions never change: find the firms once a run, not at every call round
    largest = a.derived("local_governments.largest_firm", largest_firms)
    return np.where(lead >= 0, lead, largest[region])


@jit
def _best_in_regions(
    flat: Ints,
    actor: Ints,
    node: Ints,
    level: Floats,
    kind: Ints,
    is_performer: Bools,
    region: Ints,
    n_nodes: int,
    out: Ints,
) -> None:
    # select.best_per_node of the performers' levels per region and node cell (the first
    # strict maximum: the lowest entry on ties), without the slot-sized keys and gathers
    best = np.empty(out.size)
    for e in range(flat.size):
        i = actor[e]
        cell = region[i] * n_nodes + node[e]
        if is_performer[kind[i]] and (out[cell] < 0 or level[flat[e]] > best[cell]):
            out[cell] = e
            best[cell] = level[flat[e]]


@jit
def _largest_firms(
    kind: Ints, is_enterprise: Bools, region: Ints, size: Floats, largest: Ints
) -> None:
    # each region's largest enterprise, the lowest row among equals (a stable sort's first)
    for i in range(kind.size):
        if is_enterprise[kind[i]]:
            r = region[i]
            if largest[r] < 0 or size[i] > size[largest[r]]:
                largest[r] = i
