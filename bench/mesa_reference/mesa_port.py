"""An idiomatic Mesa port of innostate's self-funded R&D, adoption and finance steps.

One ``mesa.Agent`` per actor row of a built innostate state (firms, research
organisations, funds and the other institutions), each holding its attributes
as Python floats and its capability slots as small :class:`Slot` objects;
the model drives them with ``AgentSet.do``/``map`` calls and keeps the
technology nodes as plain :class:`Node` objects (they have no behaviour). It is
written the way a Mesa user would write it: per-agent methods with scalar
``math``, no numpy inside a step.

The ported subset, one step (a quarter) in the engine's order:

1. **finance** (``innostate.model.mechanisms.finance.step`` without the
   co-investment and loans of mission projects, which need programmes): every
   enterprise slot is valued by its expected multiple (the production function
   for a deal of ``deal_size`` over ``deal_duration_years``, the node's open
   market, market growth and the firm's traction), the share of real firms
   clearing the hurdle (lognormal judging error ``deal_noise``) is rounded to
   whole firms at random; VC funds (private firms, hurdle ``hurdle_multiple``)
   and guidance funds (all enterprises, policy-weighted score and hurdle)
   deploy ``vc_deploy_rate``/``guidance_deploy_rate`` a year of their cash, cut
   into ``floor(capital / deal_size)`` deals taken by the best slots, each fund
   paying the same share of what it could deploy. Deals are recorded (firm,
   node, number) but not spent: the port has no project table.
2. **R&D** (``rnd.step`` without projects: no project spending, knowledge
   grants or spillover): firms with cash spend ``self_rd_rate`` a year of it on
   their slots, ``revenue_focus`` where they sold last step and the rest
   evenly; each funded slot progresses by ``production.progress`` (difficulty
   lowered by knowledge, absorptive capacity, talent, the market throttle of
   prerequisites by entity listing, platform relief for small private firms,
   catch-up with foreign access, mean-one lognormal noise) and ``advance``
   (braked beyond the frontier); unfunded slots depreciate; knowledge and
   services decay; the leading firm on each node closes ``transfer_rate`` of
   its gap to the best research level; domestic and research levels are
   updated.
3. **adoption** (``adoption.step`` without the projects' revenue and uptake
   records): domestic shares move towards ``target_share``; domestic revenue
   is split among usable enterprise slots by ``weight * level **
   revenue_concentration``; ``rd_reinvestment`` of it and the co-development
   money of users cut off from foreign supply return as cash; suppliers learn
   by doing; domestic levels are updated.

Every formula and parameter is innostate's (``innostate.model.params``); the
numpy side of the comparison (``numpy_driver.py``) calls innostate's own
functions for the same subset.
"""

from __future__ import annotations

import math
from typing import Any

import mesa

from innostate.model.codebook import IS_ENTERPRISE, IS_RESEARCH, KIND, OWNER
from innostate.model.params import Params, per_step, steps_in
from innostate.model.production import REFERENCE_LEVEL
from innostate.model.state import State

VC, GUIDANCE = KIND["vc_fund"], KIND["guidance_fund"]


class Slot:
    """One capability of an actor: a node, its level and last step's domestic revenue."""

    def __init__(self, position: int, node: int, level: float, revenue: float) -> None:
        self.position = position  # column of the slot in innostate's (N, K) tables
        self.node = node
        self.level = level
        self.revenue = revenue


class Node:
    """A technology node: frontier, market and the stocks that lower difficulty."""

    def __init__(self, state: State, j: int) -> None:
        n = state.nodes
        self.index = j
        self.frontier = float(n.frontier[j])
        self.requirement = float(n.requirement[j])
        self.difficulty = float(n.difficulty[j])
        self.market_size = float(n.market_size[j])
        self.market_growth = float(n.market_growth[j])
        self.access = float(n.access[j])
        self.domestic_share = float(n.domestic_share[j])
        self.domestic_level = float(n.domestic_level[j])
        self.research_level = float(n.research_level[j])
        self.knowledge = float(n.knowledge[j])
        self.services = float(n.services[j])
        self.chokepoint = bool(n.chokepoint[j])
        self.priority = float(n.priority[j])
        self.prereqs = [
            (int(k), float(n.prereq_weight[j, k])) for k in range(n.count) if n.prereq_weight[j, k]
        ]
        # filled by the model at the start of a mechanism
        self.effective_difficulty = self.difficulty
        self.market_throttle = (1.0, 1.0)  # (open to imports, entity-listed)
        self.revenue = 0.0
        self.forced = 0.0
        self.supply_weight = 0.0
        self.best_sales = 0.0
        self.policy = 0.0


class Actor(mesa.Agent):
    """Any actor of the innovation system; one agent per row of innostate's actor table."""

    def __init__(self, model: InnovationModel, state: State, row: int) -> None:
        super().__init__(model)
        a = state.actors
        self.row = row
        self.kind = int(a.kind[row])
        self.ownership = int(a.ownership[row])
        self.strategic_force = bool(a.strategic_force[row])
        self.entity_listed = bool(a.entity_listed[row])
        self.cash = float(a.cash[row])
        self.talent = float(a.talent[row])
        self.weight = float(a.weight[row])  # real actors the row stands for
        self.slots = [
            Slot(k, int(a.cap_node[row, k]), float(a.cap_level[row, k]), 0.0)
            for k in range(a.cap_node.shape[1])
            if a.cap_node[row, k] >= 0
        ]
        for slot in self.slots:
            slot.revenue = float(a.slot_revenue[row, slot.position])

    def do_rnd(self) -> None:
        """No own R&D: unused capability depreciates."""
        self.depreciate(self.slots)

    def depreciate(self, slots: list[Slot]) -> None:
        keep = 1.0 - self.model.depreciation_per_step
        for slot in slots:
            slot.level *= keep

    def sell(self) -> None:
        """Only enterprises supply the market."""
        for slot in self.slots:
            slot.revenue = 0.0


class ResearchOrganisation(Actor):
    """A national lab, university or research institute."""


class Fund(Actor):
    """A VC or guidance fund: deploys a share of its cash a year into deals."""

    def deployable(self, rate_per_year: float) -> float:
        return self.cash * per_step(rate_per_year, self.model.dt)


class Firm(Actor):
    """A state-owned or private enterprise: spends on R&D, sells, attracts deals."""

    def do_rnd(self) -> None:
        """Spend ``self_rd_rate`` a year of cash on own slots and progress on each."""
        model = self.model
        rp = model.params.rnd
        if self.cash <= 0 or not self.slots:
            self.depreciate(self.slots)
            return
        budget = self.cash * model.self_rd_share
        self.cash -= budget
        model.rd_spent += budget * self.weight
        sold_total = sum(slot.revenue for slot in self.slots)
        even = 1.0 / len(self.slots)
        small = self.kind == KIND["private_firm"] and not self.strategic_force
        for slot in self.slots:
            by_sales = slot.revenue / sold_total if sold_total > 0 else even
            money = budget * ((1 - rp.revenue_focus) * even + rp.revenue_focus * by_sales)
            if money <= 0:
                self.depreciate([slot])
                continue
            node = model.nodes[slot.node]
            factor = node.market_throttle[1 if self.entity_listed else 0]
            if small:
                factor *= 1.0 + rp.services_effect * node.services
            noise = self.random.lognormvariate(model.noise_mu, model.noise_sigma)
            gain = model.progress(
                money,
                node.effective_difficulty,
                slot.level,
                node.frontier,
                self.talent,
                factor,
                0.0 if self.entity_listed else node.access,
                noise,
            )
            old = slot.level
            slot.level = model.advance(old, gain, node.frontier)
            realised = slot.level - old  # what innostate's compiled pass yields per slot
            model.rd_gain_sum += realised
            model.rd_gain_sq += realised * realised
            model.rd_funded += 1

    def add_supply(self) -> None:
        """Add this firm's usable slots to their nodes' revenue weights."""
        ap = self.model.params.adoption
        for slot in self.slots:
            node = self.model.nodes[slot.node]
            if slot.level >= node.requirement - ap.usable_band:
                node.supply_weight += self.weight * slot.level**ap.revenue_concentration

    def sell(self) -> None:
        """Earn a share of domestic revenue, reinvest part of it, learn by doing."""
        model = self.model
        ap, dt = model.params.adoption, model.dt
        for slot in self.slots:
            node = model.nodes[slot.node]
            share = 0.0
            if slot.level >= node.requirement - ap.usable_band and node.supply_weight > 0:
                share = slot.level**ap.revenue_concentration / node.supply_weight
            earned = share * node.revenue
            slot.revenue = earned
            income = ap.rd_reinvestment * earned + ap.codevelopment * share * node.forced
            self.cash += income
            model.received += income * self.weight
            gap = max(node.frontier - slot.level, 0.0)
            rate = min(ap.learning_by_doing * share * node.domestic_share, 1.0)
            slot.level += (1.0 - (1.0 - rate) ** dt) * gap

    def appraise(self) -> list[tuple[float, float, float, float, Firm, Slot]]:
        """Investors' view of each slot: (VC score, VC deals offered, guidance ditto)."""
        model = self.model
        f = model.params.finance
        hurdle, w = f.hurdle_multiple, model.policy_weight
        private = self.ownership == OWNER["private"]
        offers = []
        for slot in self.slots:
            node = model.nodes[slot.node]
            traction = slot.revenue / node.best_sales if node.best_sales > 0 else 0.0
            multiple = self.expected_multiple(slot, node, traction)
            vc_share = share_clearing(multiple, hurdle, f.deal_noise) if private else 0.0
            hybrid = (1 - w) * multiple + w * hurdle * node.policy
            gf_share = 0.0
            if hybrid > 0:
                gf_share = share_clearing(multiple, hurdle * (1 - w * node.policy), f.deal_noise)
            vc_offered = math.floor(self.weight * vc_share + self.random.random())
            gf_offered = math.floor(self.weight * gf_share + self.random.random())
            # variance of the random rounding (for the comparison's tolerance only)
            for kind, expected in (
                (VC, self.weight * vc_share),
                (GUIDANCE, self.weight * gf_share),
            ):
                fraction = expected - math.floor(expected)
                model.offer_variance[kind] += fraction * (1.0 - fraction)
            offers.append((multiple, vc_offered, hybrid, gf_offered, self, slot))
        return offers

    def expected_multiple(self, slot: Slot, node: Node, traction: float) -> float:
        """Exit value an investor expects per yuan of a deal in this slot."""
        model = self.model
        f, dt = model.params.finance, model.dt
        steps = model.deal_steps
        gain = model.progress(
            f.deal_size / steps,
            node.effective_difficulty,
            slot.level,
            node.frontier,
            self.talent,
            1.0,
            0.0 if self.entity_listed else node.access,
            1.0,
        )
        growth = (1.0 + node.market_growth) ** (steps * dt)
        open_sales = node.market_size * (1.0 - node.domestic_share)
        value = f.exit_multiple * open_sales * gain * steps / node.frontier * growth * traction
        multiple: float = model.params.regime.ip_appropriability * value / f.deal_size
        return multiple


def share_clearing(multiple: float, hurdle: float, sigma: float) -> float:
    """Share of real firms whose judged multiple (mean-one lognormal error) clears the hurdle."""
    if multiple <= 0:
        return 0.0
    if hurdle <= 0:
        return 1.0
    ratio = math.log(multiple / hurdle)
    if sigma <= 0:
        return 1.0 if ratio >= 0 else 0.0
    return normal_cdf((ratio - 0.5 * sigma**2) / sigma)


def normal_cdf(x: float) -> float:
    """Standard normal distribution function (Abramowitz and Stegun 7.1.26, as innostate)."""
    z = abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = 1.0 - poly * math.exp(-z * z)
    return 0.5 * (1.0 + math.copysign(erf, x)) if x != 0 else 0.5


class InnovationModel(mesa.Model):
    """Firms, research organisations and funds of a built innostate state, as Mesa agents."""

    def __init__(self, state: State, params: Params, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.params = params
        self.dt = state.dt
        rp, f = params.rnd, params.finance
        self.self_rd_share = per_step(rp.self_rd_rate, self.dt)
        self.depreciation_per_step = per_step(rp.depreciation, self.dt)
        cv2_year = math.expm1(rp.noise**2)
        self.noise_sigma = math.sqrt(math.log1p(cv2_year / self.dt))
        self.noise_mu = -0.5 * self.noise_sigma**2
        self.deal_steps = steps_in(f.deal_duration_years, self.dt)
        self.policy_weight = f.guidance_policy_weight * params.regime.fund_alignment
        self.nodes = [Node(state, j) for j in range(state.nodes.count)]
        for row in range(state.actors.count):
            kind = int(state.actors.kind[row])
            if IS_ENTERPRISE[kind]:
                Firm(self, state, row)
            elif IS_RESEARCH[kind]:
                ResearchOrganisation(self, state, row)
            elif kind in (KIND["vc_fund"], KIND["guidance_fund"]):
                Fund(self, state, row)
            else:
                Actor(self, state, row)
        self.deals: list[tuple[int, int, int, int]] = []  # (firm row, node, deals, fund kind)
        self.reset_counters()

    def reset_counters(self) -> None:
        self.rd_spent = self.received = 0.0
        self.rd_gain_sum = self.rd_gain_sq = 0.0
        self.rd_funded = 0
        self.invested = {VC: 0.0, GUIDANCE: 0.0}
        self.deal_count = {VC: 0, GUIDANCE: 0}
        self.offer_variance = {VC: 0.0, GUIDANCE: 0.0}

    def step(self) -> None:
        self.reset_counters()
        self.finance()
        self.rnd()
        self.adoption()

    # ------------------------------------------------------------------ production

    def progress(
        self,
        money: float,
        difficulty: float,
        level: float,
        frontier: float,
        talent: float,
        factor: float,
        access: float,
        noise: float,
    ) -> float:
        """innostate's production function for one actor, node and step."""
        rp, dt = self.params.rnd, self.dt
        absorb = rp.absorptive_floor + (1 - rp.absorptive_floor) * min(level / frontier, 1.0)
        gap = min(max((frontier - level) / frontier, 0.0), 1.0)
        catch_up = 1.0 + rp.catch_up_bonus * access * gap
        talent_term = talent / (talent + rp.talent_half)
        steep = difficulty * math.exp(rp.level_steepness * (level - REFERENCE_LEVEL))
        base = rp.productivity * (max(money / dt, 0.0) / steep) ** rp.returns_exponent * dt
        gain: float = base * absorb * talent_term * factor * catch_up * noise
        return gain

    def advance(self, level: float, gain: float, frontier: float) -> float:
        """New level after a gain: full speed up to the frontier, braked beyond it."""
        rp = self.params.rnd
        used = min(gain, max(frontier - level, 0.0))
        beyond = max(level - frontier, 0.0)
        rest = (gain - used) * rp.frontier_brake
        if rp.beyond_decay > 0:  # the brake integrated over the gain
            decay = rp.beyond_decay
            rest = math.log1p(decay * rest * math.exp(-decay * beyond)) / decay
        return level + used + rest

    def effective_difficulty(self, node: Node) -> float:
        """Difficulty lowered by the node's basic-research knowledge."""
        return node.difficulty / (1.0 + self.params.rnd.knowledge_effect * node.knowledge)

    def throttle(self, node: Node, available: list[float]) -> float:
        """Weighted mean over prerequisites of min(1, available / requirement)."""
        total = sum(w for _, w in node.prereqs)
        if total <= 0:
            return 1.0
        used = sum(w * min(available[k] / self.nodes[k].requirement, 1.0) for k, w in node.prereqs)
        return used / total

    # ------------------------------------------------------------------ mechanisms

    def finance(self) -> None:
        """Funds cut the capital they deploy into deals for the best-valued slots."""
        f = self.params.finance
        firms = self.agents_by_type[Firm]
        top = max(node.priority for node in self.nodes)
        for node in self.nodes:
            node.effective_difficulty = self.effective_difficulty(node)
            node.best_sales = 0.0
            node.policy = 1.0 if node.chokepoint else node.priority / max(top, 1e-12)
        for firm in firms:
            for slot in firm.slots:
                node = self.nodes[slot.node]
                node.best_sales = max(node.best_sales, slot.revenue)
        offers = [offer for firm_offers in firms.map("appraise") for offer in firm_offers]
        vc = [(score, offered, firm, slot) for score, offered, _, _, firm, slot in offers]
        guidance = [(score, offered, firm, slot) for _, _, score, offered, firm, slot in offers]
        self.invest(VC, f.vc_deploy_rate, vc)
        self.invest(GUIDANCE, f.guidance_deploy_rate, guidance)

    def invest(self, kind: int, rate: float, offers: list[tuple[float, float, Any, Slot]]) -> None:
        """Deals of ``deal_size`` from the funds of ``kind`` to the best-scored offers."""
        deal_size = self.params.finance.deal_size
        funds = self.agents_by_type[Fund].select(lambda fund: fund.kind == kind and fund.cash > 0)
        candidates = [offer for offer in offers if offer[1] > 0]
        if len(funds) == 0 or not candidates:
            return
        deployable = {fund: fund.deployable(rate) for fund in funds}
        total = sum(amount * fund.weight for fund, amount in deployable.items())
        deals = math.floor(total / deal_size)
        if deals < 1:
            return
        candidates.sort(key=lambda offer: -offer[0])  # stable: ties keep slot order
        left = deals
        for _, offered, firm, slot in candidates:
            taken = min(left, offered)
            if taken <= 0:
                break
            self.deals.append((firm.row, slot.node, int(taken), kind))
            left -= taken
        invested = (deals - left) * deal_size
        for fund, amount in deployable.items():
            fund.cash -= amount * (invested / total)
        self.invested[kind] += invested
        self.deal_count[kind] += deals - left

    def rnd(self) -> None:
        """Firms' self-funded R&D, depreciation, decay, licensing, new levels."""
        rp, dt = self.params.rnd, self.dt
        open_supply = [
            max(rp.domestic_supply * n.domestic_level, n.access * n.frontier) for n in self.nodes
        ]
        listed_supply = [rp.domestic_supply * n.domestic_level for n in self.nodes]
        for node in self.nodes:
            node.effective_difficulty = self.effective_difficulty(node)
            node.market_throttle = (
                self.throttle(node, open_supply),
                self.throttle(node, listed_supply),
            )
        self.agents.do("do_rnd")
        for node in self.nodes:
            node.knowledge *= (1 - rp.knowledge_decay) ** dt
            node.services *= (1 - rp.services_decay) ** dt
        self.transfer()

    def transfer(self) -> None:
        """The leading firm on each node licenses research results; update levels."""
        transfer = per_step(self.params.rnd.transfer_rate, self.dt)
        research = [0.0] * len(self.nodes)
        leader: list[Slot | None] = [None] * len(self.nodes)
        for agent in self.agents:  # in row order: ties go to the first slot, as in innostate
            if isinstance(agent, ResearchOrganisation):
                for slot in agent.slots:
                    research[slot.node] = max(research[slot.node], slot.level)
            elif isinstance(agent, Firm):
                for slot in agent.slots:
                    best = leader[slot.node]
                    if best is None or slot.level > best.level:
                        leader[slot.node] = slot
        for node, best in zip(self.nodes, leader, strict=True):
            if best is not None:
                best.level += transfer * max(research[node.index] - best.level, 0.0)
            node.research_level = research[node.index]
            node.domestic_level = max(best.level, 0.0) if best is not None else 0.0

    def adoption(self) -> None:
        """Domestic shares move; suppliers earn, reinvest and learn by doing."""
        ap, dt = self.params.adoption, self.dt
        for node in self.nodes:
            logit = (
                ap.sharpness * (node.domestic_level / node.frontier - 1.0)
                + ap.procurement_preference
                + ap.security_premium * (1.0 - node.access)
            )
            chosen = 1.0 / (1.0 + math.exp(-logit))
            usable = min(
                max(1.0 - (node.requirement - node.domestic_level) / ap.usable_band, 0.0), 1.0
            )
            target = max(chosen, (1.0 - node.access) * usable)
            node.domestic_share += per_step(ap.adjustment, dt) * (target - node.domestic_share)
            node.revenue = node.domestic_share * node.market_size * dt
            node.forced = min(node.domestic_share, 1.0 - node.access) * node.market_size * dt
            node.supply_weight = 0.0
        firms = self.agents_by_type[Firm]
        firms.do("add_supply")
        self.agents.do("sell")
        for node in self.nodes:
            node.domestic_level = 0.0
        for firm in firms:
            for slot in firm.slots:
                node = self.nodes[slot.node]
                node.domestic_level = max(node.domestic_level, slot.level)
