"""Programmes: ministries turn allocations into calls with the regime's instrument mix."""

from __future__ import annotations

import math

import numpy as np

from innostate.model.codebook import INSTRUMENT, IS_PERFORMER, IS_RESEARCH, KIND, OWNER, SOURCE
from innostate.model.kernels import jit
from innostate.model.ledger import record_flow, spend
from innostate.model.params import Params, steps_in
from innostate.model.production import promised
from innostate.model.select import slot_index, top_per_node
from innostate.model.state import Bools, Floats, Ints, State, add_projects

EULER_GAMMA = float(np.euler_gamma)  # the mean of a standard Gumbel


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """At each call round (every ``call_interval_years``), commit the central pool.

    The pool is split by ``regime.instrument_mix`` and, for each instrument,
    across nodes by its ministry's ``nodes.instrument_allocation``. Calls below
    ``min_call_budget`` are not issued and their money stays in the pool.

    Bidders are ranked on what they can deliver (:func:`expected_productivity`):
    observed capability x talent saturation x review record, observed with
    error (:func:`best_impression`).

    - directive: one national team per node, scored
      ``directive_selection * status + (1 - directive_selection) * relative``
      among state-owned actors and strategic forces, where status is
      ``status_force_weight * strategic force + (1 - status_force_weight) * alignment``
      and ``relative`` is the bidder's expected productivity over the best
      national team's on the node (both in [0, 1]);
    - open competition: the bidder expected to deliver most, any ownership
      (private firms eligible with probability ``private_participation``);
    - horse race: the ``horse_race_teams`` best eligible bidders share the
      call; evaluation keeps the best at the first review;
    - basic grants: the best universities, institutes and labs;
    - services: platform money raises the node's services stock at once.
    """
    p = params.programmes
    if not state.every(p.call_interval_years) or state.ledger.central_pool <= 0:
        return state
    n, a = state.nodes, state.actors
    pool = state.ledger.central_pool
    mix = np.asarray(params.regime.instrument_mix.shares())
    mix = mix / mix.sum()
    # each ministry splits its instruments' money over nodes (coordination)
    budget = pool * mix[:, None] * n.instrument_allocation  # (instrument, node)
    issued = budget >= p.min_call_budget
    budget = np.where(issued, budget, 0.0)
    state.ledger.central_pool = pool - budget.sum()

    index = slot_index(a)
    actor, node = index.actor, index.node
    gumbel = rng.gumbel(0.0, 1.0, actor.size)  # each bidder's impression (best_impression)
    bidder_ok = rng.random(a.count) < params.regime.private_participation
    # one compiled pass scores every slot as a bid and finds who may lead which call, and
    # each node's best national team; a second puts status and productivity on one scale
    # for directive calls (about fifteen slot-sized temporaries before)
    observed, directive = np.empty(actor.size), np.empty(actor.size)
    eligible = np.empty((3, actor.size), dtype=np.bool_)  # national team, open, researcher
    _bids(
        index.flat,
        actor,
        node,
        a.cap_level.ravel(),
        a.talent,
        a.reputation,
        a.weight,
        gumbel,
        a.kind,
        IS_PERFORMER,
        IS_RESEARCH,
        a.ownership == OWNER["private"],
        a.strategic_force,
        a.alignment,
        bidder_ok,
        p.selection_noise,
        params.rnd.talent_half,
        p.reputation_weight,
        p.status_force_weight,
        params.regime.directive_selection,
        n.count,
        observed,
        directive,
        eligible,
    )
    national_team, open_eligible, researcher = eligible
    calls = (  # score, who may lead, instrument, teams funded per node (mix order)
        (directive, national_team, "directive", 1),
        (observed, open_eligible, "open_competition", 1),
        (observed, open_eligible, "horse_race", int(p.horse_race_teams)),
        (observed, researcher, "basic_grant", int(p.grants_per_node)),
    )
    for k, (score, eligible, name, teams) in enumerate(calls):
        _fund_group(state, params, node, actor, score, eligible, budget[k], INSTRUMENT[name], teams)
    _fund_services(state, params, budget[4])
    return state


@jit
def expected_productivity(
    level: float, talent: float, reputation: float, talent_half: float, reputation_weight: float
) -> float:
    """What a bidder can deliver: capability x talent saturation x review record.

    ``level * talent / (talent + talent_half) * max(0, 1 + reputation_weight *
    (reputation - 0.5))``: the level and the talent factor are those of the
    production function (:func:`innostate.model.production.progress`), so a
    firm with a handful of researchers ranks low however capable it looks, and
    the record is the reputation earned at reviews (evaluation). Seed: "What's
    New": the market allocates "funding, talent, and intellectual property" to
    those who deliver; "Regulatory and institutional mechanisms": "allocate
    resources efficiently", "performance evaluation". Compiled, per bid.
    """
    talent_term = talent / (talent + talent_half)
    record = max(1.0 + reputation_weight * (reputation - 0.5), 0.0)
    return level * talent_term * record


@jit
def best_impression(gumbel: float, log_weight: float, scale: float) -> float:
    """Multiplicative error of the best-looking of ``weight`` equally able bidders.

    The log error is Gumbel with scale ``selection_noise`` (mean zero for one
    bidder): ``exp(scale * (gumbel - euler_gamma + ln weight))`` for a standard
    Gumbel draw ``gumbel``. The Gumbel is max-stable: the best of w independent
    draws is the same Gumbel shifted by ``scale * ln w``, so a synthetic row
    standing for w real firms bids as the best of them, and who wins a call
    does not depend on the population scale. Compiled, per bid.
    """
    return math.exp(scale * (gumbel - EULER_GAMMA + log_weight))


@jit
def _bids(
    flat: Ints,
    actor: Ints,
    node: Ints,
    level: Floats,
    talent: Floats,
    reputation: Floats,
    weight: Floats,
    gumbel: Floats,
    kind: Ints,
    is_performer: Bools,
    is_research: Bools,
    private: Bools,
    strategic_force: Bools,
    alignment: Floats,
    bidder_ok: Bools,
    scale: float,
    talent_half: float,
    reputation_weight: float,
    force_weight: float,
    directive_selection: float,
    n_nodes: int,
    observed: Floats,
    directive: Floats,
    eligible: Bools,
) -> None:
    best_team = np.zeros(n_nodes)  # select.node_max of national teams' bids (never negative)
    previous, log_weight = -1, 0.0
    for e in range(flat.size):
        i = actor[e]
        if i != previous:  # an actor's slots are consecutive: one log per actor
            previous, log_weight = i, math.log(weight[i])
        bid = expected_productivity(
            level[flat[e]], talent[i], reputation[i], talent_half, reputation_weight
        ) * best_impression(gumbel[e], log_weight, scale)
        observed[e] = bid
        performer = is_performer[kind[i]]
        # directive: state-owned actors and strategic forces; open calls: private
        # performers only where they take part
        eligible[0, e] = performer and (not private[i] or strategic_force[i])
        eligible[1, e] = performer and (not private[i] or bidder_ok[i])
        eligible[2, e] = is_research[kind[i]]
        if eligible[0, e] and bid > best_team[node[e]]:
            best_team[node[e]] = bid
    for e in range(flat.size):
        # directive: status and productivity on one scale, productivity relative to the
        # best national team on the node (both in [0, 1])
        i, best = actor[e], best_team[node[e]]
        relative = observed[e] / best if best > 0 else 0.0
        force = 1.0 if strategic_force[i] else 0.0
        status = force_weight * force + (1 - force_weight) * alignment[i]
        directive[e] = directive_selection * status + (1 - directive_selection) * relative


def _fund_group(
    state: State,
    params: Params,
    node: Ints,
    actor: Ints,
    score: Floats,
    eligible: Bools,
    budget: Floats,
    instrument: int,
    teams: int,
) -> None:
    picks = top_per_node(node, score, eligible, state.nodes.count, teams)  # (J, teams)
    teams_found = (picks >= 0).sum(axis=1)
    per_team = np.where(teams_found > 0, budget / np.maximum(teams_found, 1), 0.0)
    state.ledger.central_pool += float(budget[teams_found == 0].sum())  # nobody could bid
    for rank in range(teams):  # a handful of ranks, each vectorised over nodes
        has_team = picks[:, rank] >= 0
        rows = _commit(
            state, params, picks[:, rank], np.where(has_team, per_team, 0.0), instrument, actor
        )
        if instrument == INSTRUMENT["horse_race"]:
            state.projects.race[rows] = state.race_counter + state.projects.node[rows]
    state.race_counter += state.nodes.count


def _commit(
    state: State, params: Params, entry: Ints, budget: Floats, instrument: int, actor: Ints
) -> Ints:
    """Create a project on every funded node led by its winning entry.

    Money of a funded node without any winner goes back to the pool.
    """
    funded = budget > 0
    state.ledger.central_pool += float(budget[funded & (entry < 0)].sum())
    filled = np.flatnonzero(funded & (entry >= 0))
    leads = actor[entry[filled]]
    amounts = budget[filled]
    duration = steps_in(params.programmes.project_duration_years, state.dt)
    rows = add_projects(
        state,
        filled,
        leads,
        instrument,
        amounts,
        SOURCE["central"],
        duration,
        promised(state, params, filled, amounts, duration * state.dt),
    )
    state.projects.next_review[rows] = state.step + steps_in(
        params.evaluation.review_interval_years, state.dt
    )
    record_flow(state, SOURCE["central"], instrument, leads, filled, amounts)
    return rows


def _fund_services(state: State, params: Params, budget: Floats) -> None:
    """Platforms are built at once: the money is spent and becomes services stock."""
    state.nodes.services += params.rnd.services_per_bn * budget
    total = float(budget.sum())
    spend(state, total)
    # platforms are run by ministries: they are the performer in the flow records
    state.ledger.flows[SOURCE["central"], INSTRUMENT["services"], KIND["ministry"]] += total
    state.ledger.node_flows[SOURCE["central"], INSTRUMENT["services"]] += budget
