"""The R&D production function and the rules every mechanism shares about it.

One production function per actor, node and step: all money an actor spends on a
node in a step (its projects and its own R&D) is pooled before diminishing returns
apply, so progress per yuan does not depend on how money is split into projects,
on how often calls are issued or on how long projects run. Rates are per year and
money is annualised before the exponent, so the step length does not matter either.
"""

from __future__ import annotations

import math

import numpy as np

from innostate.model.kernels import jit
from innostate.model.params import Params, RndParams
from innostate.model.state import Floats, Ints, State

# The level at which a node's difficulty class holds (technologies.yaml: 5 = pilot line or
# prototype in limited use). It anchors the unit of `difficulty`, not a behaviour: moving it
# only rescales `rnd.productivity`, so it is not a parameter.
REFERENCE_LEVEL = 5.0


def difficulty(state: State, rp: RndParams) -> Floats:
    """Knowledge-adjusted difficulty of every node at the reference level, shape (J,).

    A slot's own difficulty also rises with its level: :func:`level_factor`.
    """
    n = state.nodes
    return n.difficulty / (1.0 + rp.knowledge_effect * n.knowledge)


def level_factor(steepness: float, level: Floats) -> Floats:
    """How much harder a rung is at ``level`` than at the reference level.

    ``exp(steepness * (level - REFERENCE_LEVEL))``: each level up multiplies the
    money a rung needs by ``exp(steepness)`` (lab work is cheap, qualification,
    volume supply and the frontier are dear). :func:`progress_one` applies the
    same factor per slot.
    """
    return np.exp(steepness * (np.asarray(level, dtype=float) - REFERENCE_LEVEL))


def throttle(state: State, node: Ints, available: Floats) -> Floats:
    """Weighted mean over prerequisites of min(1, available / requirement); 1 without any.

    ``available`` has shape (P, J): the level of every node a team can use.
    """
    n = state.nodes
    weight = n.prereq_weight[node]
    total = weight.sum(axis=1)
    enough = available / n.requirement[None, :]
    np.minimum(enough, 1.0, out=enough)  # in place: (P, J) temporaries are the cost here
    enough *= weight
    return np.where(total > 0, enough.sum(axis=1) / np.where(total > 0, total, 1), 1.0)


def yearly_gain(rp: RndParams, money_per_year: Floats, difficulty: Floats) -> Floats:
    """Levels a year that ``money_per_year`` buys a fully able team: the concave core."""
    return rp.productivity * np.power(
        np.maximum(money_per_year, 0.0) / difficulty, rp.returns_exponent
    )


def progress(
    rp: RndParams,
    dt: float,
    money: Floats,
    difficulty: Floats,
    level: Floats,
    frontier: Floats,
    talent: Floats,
    factor: Floats,
    access: Floats,
    noise: Floats,
) -> Floats:
    """Progress in levels of one actor on one node over one step, arrays of shape (E,).

    ``productivity * dt * (money / dt / difficulty) ** returns_exponent`` (money is
    the step's pooled spending, annualised before the exponent) scaled by
    absorptive capacity (``absorptive_floor`` rising to 1 at the frontier), talent
    saturation ``talent / (talent + talent_half)``, the money-weighted mean of the
    contributions' factors (prerequisite throttle, consortium efficiency, cluster
    bonus) and the catch-up speed-up ``1 + catch_up_bonus * access * relative gap``.
    ``difficulty`` is the node's at the reference level; the slot's own is
    ``difficulty * exp(level_steepness * (level - REFERENCE_LEVEL))``
    (:func:`level_factor`): progress slows as the slot climbs the scale.
    :func:`advance` turns it into a new level, braking at the frontier.
    """
    m, d, lv, f, t, fa, ac, no = (
        np.ravel(x)
        for x in np.broadcast_arrays(
            money, difficulty, level, frontier, talent, factor, access, noise
        )
    )
    out = np.empty(m.shape)
    _progress_loop(out, m, d, lv, f, t, fa, ac, no, *gain_constants(rp), dt)
    return out


def gain_constants(rp: RndParams) -> tuple[float, float, float, float, float, float]:
    """The production function's parameters in the order :func:`progress_one` takes them."""
    return (
        rp.productivity,
        rp.returns_exponent,
        rp.absorptive_floor,
        rp.catch_up_bonus,
        rp.talent_half,
        rp.level_steepness,
    )


@jit
def progress_one(
    money: float,
    difficulty: float,
    level: float,
    frontier: float,
    talent: float,
    factor: float,
    access: float,
    noise: float,
    productivity: float,
    exponent: float,
    floor: float,
    catch_up_bonus: float,
    talent_half: float,
    steepness: float,
    dt: float,
) -> float:
    """:func:`progress` of one slot, compiled; the one place the formula is written.

    Compiled loops (rnd, finance) call it per slot, so they need no temporaries;
    operations run in the order of the numpy expressions they replaced.
    """
    absorb = floor + (1 - floor) * min(level / frontier, 1.0)
    gap = min(max((frontier - level) / frontier, 0.0), 1.0)
    catch_up = 1.0 + catch_up_bonus * access * gap
    talent_term = talent / (talent + talent_half)
    # the rung gets dearer as the slot climbs (level_factor), on the pooled money of the slot
    steep = difficulty * math.exp(steepness * (level - REFERENCE_LEVEL))
    base = productivity * (max(money / dt, 0.0) / steep) ** exponent * dt
    return base * absorb * talent_term * factor * catch_up * noise  # type: ignore[no-any-return]


@jit
def _progress_loop(
    out: Floats,
    money: Floats,
    difficulty: Floats,
    level: Floats,
    frontier: Floats,
    talent: Floats,
    factor: Floats,
    access: Floats,
    noise: Floats,
    productivity: float,
    exponent: float,
    floor: float,
    catch_up_bonus: float,
    talent_half: float,
    steepness: float,
    dt: float,
) -> None:
    for i in range(out.size):
        out[i] = progress_one(
            money[i],
            difficulty[i],
            level[i],
            frontier[i],
            talent[i],
            factor[i],
            access[i],
            noise[i],
            productivity,
            exponent,
            floor,
            catch_up_bonus,
            talent_half,
            steepness,
            dt,
        )


def advance(rp: RndParams, level: Floats, gain: Floats, frontier: Floats) -> Floats:
    """New level after ``gain``: full speed up to the frontier, braked beyond it.

    Each unit of gain past the frontier buys ``frontier_brake * exp(-beyond_decay
    * b)`` levels when the slot is ``b`` levels beyond it: leading the world is
    much slower than catching up. Integrated over the step's gain ``g``, the
    slot moves from ``b0`` to ``b0 + log1p(beyond_decay * frontier_brake * g *
    exp(-beyond_decay * b0)) / beyond_decay`` (``b0 + frontier_brake * g``
    without decay), so one large gain and the same gain in small pieces (a
    shorter step) end at the same level, and no gain can jump far past the
    frontier in one step.
    """
    level, gain, frontier = np.broadcast_arrays(level, gain, frontier)
    out = np.empty(level.shape)
    _advance_loop(
        out.reshape(-1),
        np.ravel(level),
        np.ravel(gain),
        np.ravel(frontier),
        rp.frontier_brake,
        rp.beyond_decay,
    )
    return out


@jit
def advance_one(level: float, gain: float, frontier: float, brake: float, decay: float) -> float:
    """:func:`advance` of one slot, compiled (see :func:`progress_one`)."""
    to_frontier = max(frontier - level, 0.0)
    used = min(gain, to_frontier)
    if gain <= to_frontier:  # below the frontier all the way (most slots): no brake
        return level + used + 0.0
    beyond = max(level - frontier, 0.0)
    rest = (gain - used) * brake
    if decay > 0:  # the brake integrated over the gain (see advance)
        rest = math.log1p(decay * rest * math.exp(-decay * beyond)) / decay
    return level + used + rest


@jit
def _advance_loop(
    out: Floats, level: Floats, gain: Floats, frontier: Floats, brake: float, decay: float
) -> None:
    for i in range(out.size):
        out[i] = advance_one(level[i], gain[i], frontier[i], brake, decay)


def noise(rng: np.random.Generator, rp: RndParams, dt: float, size: int) -> Floats:
    """Mean-one lognormal noise per step whose sum over a year has sigma ``rp.noise``.

    A year's progress sums 1/dt independent steps, so each step's coefficient of
    variation is the year's divided by sqrt(dt): the spread of a year's progress
    does not depend on the step length.
    """
    mean, sigma = noise_parameters(rp, dt)
    return rng.lognormal(mean, sigma, size)


def noise_parameters(rp: RndParams, dt: float) -> tuple[float, float]:
    """Mean and sigma of the log of :func:`noise`.

    ``rng.lognormal(mean, sigma)`` is ``exp(mean + sigma * rng.standard_normal())``
    drawn from the same stream, so a compiled loop can take standard normal
    draws and apply the exp itself (rnd does, saving a pass over the slots).
    """
    cv2_year = np.expm1(rp.noise**2)
    sigma = float(np.sqrt(np.log1p(cv2_year / dt)))
    return -0.5 * sigma**2, sigma


def promised(
    state: State, params: Params, node: Ints, budget: Floats, duration_years: float
) -> Floats:
    """Progress a funder expects over the project: ``ambition`` x what the money buys.

    That is ``ambition * productivity * duration * (budget / duration / difficulty)
    ** returns_exponent`` in levels, with today's knowledge-adjusted difficulty and
    the duration in years.
    """
    rp = params.rnd
    per_year = np.maximum(budget, 0.0) / duration_years
    gain = yearly_gain(rp, per_year, difficulty(state, rp)[node]) * duration_years
    return params.programmes.ambition * gain


def market_value(state: State, params: Params, node: Ints, gain: Floats) -> Floats:
    """Exit value a capability gain creates on a node, bn yuan per real firm.

    ``exit_multiple * market_size * (1 - domestic_share) * gain / frontier``: a
    gain of one per cent of the frontier wins about one per cent of the sales
    domestic suppliers do not yet make (the market still open to them), valued
    at ``exit_multiple`` times those yearly sales. Investors use it to judge
    deals before (expected gain) and after (realised gain and traction) a
    project; the developer captures ``ip_appropriability`` of it.
    """
    n = state.nodes
    open_sales = n.market_size[node] * (1.0 - n.domestic_share[node])
    value: Floats = params.finance.exit_multiple * open_sales * gain / n.frontier[node]
    return value
