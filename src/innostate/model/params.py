"""Every tunable number of the model, with its unit, range and meaning.

Parameters are plain frozen dataclasses so the numpy core stays free of
pydantic; the scenario layer builds its validating schema from the metadata
declared here, and ``docs/model.md`` lists the same fields. A parameter is
addressed by a dotted path, e.g. ``regime.alignment`` or ``rnd.returns_exponent``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


def param(default: float, low: float, high: float, unit: str, meaning: str) -> Any:
    """Declare a numeric parameter with its default, closed range, unit and meaning."""
    return field(
        default=default,
        metadata={"low": low, "high": high, "unit": unit, "meaning": meaning},
    )


def group(factory: type, meaning: str) -> Any:
    """Declare a nested parameter group."""
    return field(default_factory=factory, metadata={"meaning": meaning})


# ---------------------------------------------------------------- regime


@dataclass(frozen=True)
class InstrumentMix:
    """Shares of the central mission budget per programme instrument (sum to 1)."""

    directive: float = param(0.35, 0, 1, "share", "directive assignment to a national team")
    open_competition: float = param(
        0.2, 0, 1, "share", "open competition (揭榜挂帅): any eligible bidder, best capability wins"
    )
    horse_race: float = param(
        0.15, 0, 1, "share", "horse race (赛马): several teams funded, the best kept at review"
    )
    basic_grant: float = param(
        0.2, 0, 1, "share", "basic research grants to universities, institutes and labs"
    )
    services: float = param(
        0.1, 0, 1, "share", "innovation services and shared platforms for small firms"
    )

    def shares(self) -> tuple[float, float, float, float, float]:
        """The five shares in the order of ``MISSION_INSTRUMENTS`` plus grants and services."""
        return (
            self.directive,
            self.open_competition,
            self.horse_race,
            self.basic_grant,
            self.services,
        )


@dataclass(frozen=True)
class EvaluationWeights:
    """Weights of the technical and application scores in project evaluation."""

    technical: float = param(0.5, 0, 1, "weight", "weight of technical progress in the score")
    application: float = param(
        0.5, 0, 1, "weight", "weight of real-world application (users, revenue) in the score"
    )


@dataclass(frozen=True)
class Regime:
    """A governance regime: the rules of the game, never code branches."""

    instrument_mix: InstrumentMix = group(InstrumentMix, "how central mission money is split")
    directive_selection: float = param(
        0.5,
        0,
        1,
        "weight",
        "weight of status and political alignment (vs capability) when picking a directive team",
    )
    alignment: float = param(
        0.8, 0, 1, "weight", "weight ministries and regions give to central priorities"
    )
    coordination: float = param(
        0.7, 0, 1, "0-1", "strength of leading groups: lowers the friction of cross-silo consortia"
    )
    monitoring: float = param(
        0.7, 0, 1, "0-1", "oversight: lowers misreporting and duplicate local projects"
    )
    evaluation_weights: EvaluationWeights = group(
        EvaluationWeights, "how reviews weigh technical and application scores"
    )
    private_participation: float = param(
        0.9,
        0,
        1,
        "probability",
        "chance a private firm is eligible to bid in open competitions and horse races",
    )
    market_finance: float = param(
        1.0, 0, 3, "multiplier", "scale of venture and guidance-fund capital inflows"
    )
    concentration: float = param(
        1.5, 0, 8, "exponent", "how sharply central money follows node priority"
    )
    local_autonomy: float = param(
        0.4, 0, 1, "0-1", "freedom of local governments to run their own projects"
    )
    ip_appropriability: float = param(
        0.6, 0, 1, "0-1", "share of an innovation's market value its developer can capture"
    )
    talent_programs: float = param(
        0.6, 0, 1, "0-1", "strength of talent programmes attracting returnee researchers"
    )
    fund_alignment: float = param(
        1.0,
        0,
        1,
        "0-1",
        "how far guidance funds follow national priorities (scales their policy weight "
        "and their co-investment in chokepoint missions)",
    )


# ---------------------------------------------------------------- mechanisms
# Every rate is per year and every interval in years: mechanisms convert them with the
# step length dt (``per_step`` below), so the answers do not depend on steps_per_year.


def per_step(rate_per_year: float, dt: float) -> float:
    """Share per step equivalent to a share per year: ``1 - (1 - rate) ** dt``."""
    return float(1.0 - (1.0 - min(rate_per_year, 1.0)) ** dt)


def steps_in(years: float, dt: float) -> int:
    """Whole steps closest to an interval in years (at least one)."""
    return max(1, round(years / dt))


@dataclass(frozen=True)
class EnvironmentParams:
    """Frontier, markets and exogenous money."""

    idle_lapse: float = param(
        0.2,
        0,
        1,
        "share/year",
        "share of local-government and policy-bank balances left idle that lapses to the treasury",
    )


@dataclass(frozen=True)
class TopLevelDesignParams:
    """Central leadership: priorities, key tasks and the central budget."""

    plan_period_years: float = param(5, 1, 10, "years", "length of a five-year plan")
    plan_start_year: float = param(
        2021, 2016, 2025, "year", "first year of a plan in the cycle (2021: the 14th plan)"
    )
    replan_interval_years: float = param(
        1, 0.25, 10, "years", "how often priorities are revisited between plans"
    )
    key_task_bonus: float = param(
        1.0, 0, 10, "multiplier", "extra priority of a node on the plan's key-task list"
    )
    chokepoint_dependence: float = param(
        0.5, 0, 1, "share", "foreign market share above which a lagging node is a chokepoint"
    )
    threat_perception: float = param(
        0.5, 0, 1, "0-1", "how much exposure to a containing coalition counts as threat of cut-off"
    )
    exposure_threshold: float = param(
        0.5, 0, 1, "share", "exposure to the coalition above which supply counts as at risk"
    )
    shortfall_floor: float = param(
        0.05, 0, 1, "share", "priority a node keeps once it meets its requirement"
    )
    crisis_budget: float = param(
        0.2,
        0,
        2,
        "years of central budget",
        "extra mission money the centre adds to the pool after a containment shock",
    )
    crisis_fund: float = param(
        0.2,
        0,
        2,
        "years of guidance inflow",
        "extra capital the state pays into guidance funds after a containment shock",
    )
    tractability_weight: float = param(
        1.0,
        0,
        5,
        "exponent",
        "how strongly priority follows prerequisite readiness (0 ignores feasibility)",
    )
    sequencing: float = param(
        1.0,
        0,
        1,
        "0-1",
        "how far a key task waits for its unmet chokepoint prerequisites (1: they go first)",
    )
    envelope_response: float = param(
        0.5,
        0,
        3,
        "yuan/yuan",
        "extra mission money per yuan of central budget at a full chokepoint gap",
    )
    mission_weight: float = param(
        10.0,
        0,
        20,
        "weight",
        "priority a named national major project or flagship mission gets whatever its "
        "foreign dependence, against 1 for a node with neither dependence nor threat",
    )


@dataclass(frozen=True)
class CoordinationParams:
    """Leading groups and ministries: alignment, mandates and monitoring."""

    prestige_weight: float = param(
        1.0,
        0,
        5,
        "exponent",
        "how sharply each ministry's own preference follows its mandate (0: spread evenly)",
    )
    prestige_floor: float = param(
        0.001,
        0,
        1,
        "relative level",
        "standing MOST and MIIT give a node where the country has no capability",
    )
    reallocation: float = param(
        1.0,
        0,
        5,
        "exponent",
        "how strongly leading groups shift central money towards nodes whose programmes deliver",
    )
    performance_memory: float = param(
        0.5,
        0,
        1,
        "share/year",
        "weight leading groups give to the latest year's review results in a node's record",
    )


@dataclass(frozen=True)
class ProgrammeParams:
    """Ministries turning allocations into calls."""

    call_interval_years: float = param(1, 0.25, 10, "years", "time between call rounds")
    project_duration_years: float = param(3, 0.5, 20, "years", "planned length of a project")
    min_call_budget: float = param(0.05, 0, 100, "bn yuan", "smallest call worth issuing")
    horse_race_teams: float = param(3, 2, 8, "teams", "teams funded in parallel per horse race")
    grants_per_node: float = param(3, 1, 50, "grants", "basic research grants per node and round")
    selection_noise: float = param(
        0.1, 0, 2, "Gumbel scale", "log error with which programme managers observe capability"
    )
    status_force_weight: float = param(
        0.5,
        0,
        1,
        "weight",
        "weight of being a strategic force (vs political alignment) in a directive team's status",
    )
    reputation_weight: float = param(
        1.0, 0, 5, "multiplier", "how much a bidder's review record raises its selection score"
    )
    ambition: float = param(
        0.5,
        0.01,
        5,
        "share",
        "progress a call expects, as a share of what its money buys a fully capable team",
    )


@dataclass(frozen=True)
class ConsortiumParams:
    """Innovation consortia and task-based alliances."""

    max_members: float = param(4, 0, 8, "actors", "partners a lead may recruit")
    cover_threshold: float = param(
        0.8, 0, 2, "fraction of requirement", "a lead lacks a prerequisite below this level"
    )
    member_funding_share: float = param(
        0.3, 0, 1, "utility", "utility of the funding share a member receives"
    )
    political_incentive: float = param(
        0.5, 0, 2, "utility", "political credit of joining a national task (times alignment)"
    )
    market_return_weight: float = param(
        0.5, 0, 2, "utility", "value of expected market return (times orientation, size, IP)"
    )
    join_cost: float = param(0.4, 0, 2, "utility", "cost of joining a consortium")
    silo_friction: float = param(
        0.5,
        0,
        3,
        "utility and efficiency",
        "cost of crossing ownership or sector silos, reduced by coordination",
    )
    member_overhead: float = param(
        0.05, 0, 1, "efficiency per member", "coordination cost each extra member adds"
    )
    candidates: float = param(5, 1, 20, "actors", "best candidates considered per prerequisite")


@dataclass(frozen=True)
class FinanceParams:
    """Venture capital, guidance funds and policy banks."""

    vc_deploy_rate: float = param(
        0.35, 0, 1, "share/year", "share of VC capital invested in a year"
    )
    guidance_deploy_rate: float = param(
        0.3, 0, 1, "share/year", "share of guidance-fund capital invested in a year"
    )
    guidance_policy_weight: float = param(
        0.6, 0, 1, "weight", "weight guidance funds give to policy priority over return"
    )
    guidance_coinvest: float = param(
        0.5,
        0,
        2,
        "ratio",
        "guidance-fund equity per yuan of central money in new mission projects on chokepoints",
    )
    hurdle_multiple: float = param(
        1.0,
        0,
        10,
        "multiple",
        "expected exit value captured per yuan invested that a deal must clear",
    )
    deal_size: float = param(
        0.1, 0.001, 10, "bn yuan", "size of one equity deal (deals = capital deployed / size)"
    )
    deal_noise: float = param(
        0.3, 0, 2, "lognormal sigma", "error with which investors judge a deal's prospects"
    )
    deal_duration_years: float = param(2, 0.25, 10, "years", "length of an equity-backed project")
    exit_multiple: float = param(
        2.5,
        0,
        20,
        "yuan per yuan/year",
        "exit value per yuan a year of sales a project wins (price-to-sales multiple)",
    )
    stop_score: float = param(
        0.1,
        0,
        1,
        "score",
        "investors stop an equity project whose progress/expected x traction falls below this",
    )
    bank_leverage: float = param(
        0.5, 0, 5, "ratio", "policy-bank loan per yuan of central money on priority projects"
    )
    bank_lend_rate: float = param(
        0.7, 0, 1, "share/year", "share of policy-bank capital lendable in a year"
    )
    priority_lending_quantile: float = param(
        0.5, 0, 1, "quantile", "banks lend only to nodes at or above this priority quantile"
    )


@dataclass(frozen=True)
class LocalGovernmentParams:
    """Local governments and regional clusters."""

    match_rate: float = param(
        0.3, 0, 3, "ratio", "local matching per yuan of central money on projects in the region"
    )
    programme_share: float = param(
        0.5,
        0,
        1,
        "share/year",
        "share of local cash spent on own projects in a year at full autonomy",
    )
    duplicate_rate: float = param(
        3.0,
        0,
        20,
        "projects/year",
        "extra local projects per region a year at full autonomy and no monitoring",
    )
    cluster_bonus: float = param(
        0.3, 0, 2, "efficiency", "productivity bonus of a region's capability mass on a node"
    )


@dataclass(frozen=True)
class RndParams:
    """Stochastic R&D progress."""

    productivity: float = param(
        0.26,
        0,
        10,
        "levels/year",
        "levels a year a fully able team gains spending `difficulty` bn yuan a year",
    )
    returns_exponent: float = param(
        0.6, 0.05, 1, "exponent", "diminishing returns of money (below 1)"
    )
    absorptive_floor: float = param(
        0.2, 0, 1, "0-1", "progress factor of a team with no prior capability"
    )
    talent_half: float = param(
        200, 1, 1e6, "FTE", "researchers at which talent gives half its effect"
    )
    catch_up_bonus: float = param(
        1.0, 0, 10, "multiplier", "extra speed while catching up with foreign access"
    )
    level_steepness: float = param(
        0.3,
        0,
        2,
        "1/level",
        "rise of difficulty per level climbed (exp), from the pilot-line level 5: later rungs "
        "take longer",
    )
    frontier_brake: float = param(0.3, 0, 1, "multiplier", "progress factor at the frontier")
    beyond_decay: float = param(
        3.0, 0, 20, "1/level", "further exponential slow-down per level beyond the frontier"
    )
    domestic_supply: float = param(
        0.7, 0, 1, "0-1", "usefulness of buying a prerequisite domestically vs having it in team"
    )
    knowledge_effect: float = param(
        0.5, 0, 10, "1/level", "difficulty reduction per unit of basic-research knowledge"
    )
    knowledge_per_bn: float = param(
        0.05, 0, 10, "knowledge/bn yuan", "knowledge built per bn yuan of grants"
    )
    knowledge_decay: float = param(0.05, 0, 1, "share/year", "obsolescence of knowledge")
    services_effect: float = param(
        0.5, 0, 10, "1/stock", "cost reduction small firms get per unit of platform stock"
    )
    services_per_bn: float = param(0.05, 0, 10, "stock/bn yuan", "platform stock per bn yuan")
    services_decay: float = param(0.2, 0, 1, "share/year", "depreciation of platforms")
    spillover: float = param(
        0.35, 0, 1, "share/year", "share of the gap to the lead a member closes in a year"
    )
    transfer_rate: float = param(
        0.2,
        0,
        1,
        "share/year",
        "share of the gap to the best research level the leading firm on a node closes a year",
    )
    depreciation: float = param(
        0.03, 0, 1, "share/year", "capability lost in a year on a node with no R&D spending"
    )
    self_rd_rate: float = param(
        0.7, 0, 1, "share/year", "share of a firm's cash spent on own R&D in a year"
    )
    revenue_focus: float = param(
        0.5,
        0,
        1,
        "share",
        "share of a firm's own R&D spent on its nodes in proportion to what it sells there",
    )
    noise: float = param(
        0.15, 0, 2, "lognormal sigma", "randomness of a year's progress (mean one)"
    )


@dataclass(frozen=True)
class AdoptionParams:
    """Domestic adoption, revenue and learning by doing."""

    sharpness: float = param(
        4.0, 0, 50, "1/relative level", "how strongly buyers react to the quality gap"
    )
    procurement_preference: float = param(
        0.0, -5, 5, "logit", "preference for domestic suppliers at equal quality"
    )
    security_premium: float = param(
        1.0, 0, 10, "logit", "extra domestic preference as foreign access falls"
    )
    usable_band: float = param(
        2.0, 0.01, 10, "levels", "below requirement by this much, domestic supply is unusable"
    )
    adjustment: float = param(
        0.7, 0, 1, "share/year", "share of the way market shares move to their target in a year"
    )
    revenue_concentration: float = param(
        2.0, 0, 10, "exponent", "how strongly revenue favours the better suppliers (level power)"
    )
    rd_reinvestment: float = param(
        0.08, 0, 1, "share", "share of domestic revenue reinvested as firm R&D cash"
    )
    learning_by_doing: float = param(
        0.2,
        0,
        1,
        "share/year",
        "gap to frontier a supplier closes in a year making all sales of a node bought at home",
    )
    codevelopment: float = param(
        0.05,
        0,
        1,
        "yuan/yuan",
        "development money users cut off from foreign supply pay their domestic suppliers "
        "per yuan they buy from them",
    )


@dataclass(frozen=True)
class EvaluationParams:
    """Reviews, misreporting, cuts and follow-on funding."""

    review_interval_years: float = param(1, 0.25, 10, "years", "time between reviews")
    cut_threshold: float = param(0.4, 0, 1, "score", "reported score below which a project is cut")
    follow_on_threshold: float = param(
        0.8, 0, 2, "score", "reported score at completion that earns follow-on funding"
    )
    follow_on_share: float = param(
        0.5, 0, 2, "ratio", "follow-on budget per yuan of original central funding"
    )
    misreporting: float = param(
        0.4, 0, 2, "score", "largest upward bias of a report with no monitoring"
    )
    application_revenue_ratio: float = param(
        0.5,
        0.01,
        100,
        "yuan/yuan",
        "domestic sales a project promises to add per yuan it spends (full application score)",
    )
    reputation_rate: float = param(0.3, 0, 1, "share", "weight of the latest review in reputation")


@dataclass(frozen=True)
class TalentParams:
    """Researchers: graduation, returnees, hiring and attrition."""

    graduation_rate: float = param(
        0.15, 0, 2, "FTE/FTE/year", "new researchers per university researcher per year"
    )
    returnee_rate: float = param(
        0.01, 0, 1, "FTE/FTE/year", "returnees per domestic researcher per year at full programmes"
    )
    hire_share: float = param(
        0.6, 0, 1, "share", "share of new researchers hired by funded project teams"
    )

    attrition: float = param(0.08, 0, 1, "share/year", "researchers leaving R&D per year")


@dataclass(frozen=True)
class Params:
    """All parameters of one run: the regime plus every mechanism's own group."""

    regime: Regime = group(Regime, "the governance regime")
    environment: EnvironmentParams = group(EnvironmentParams, "environment")
    top_level_design: TopLevelDesignParams = group(TopLevelDesignParams, "top-level design")
    coordination: CoordinationParams = group(CoordinationParams, "coordination")
    programmes: ProgrammeParams = group(ProgrammeParams, "programmes")
    consortia: ConsortiumParams = group(ConsortiumParams, "consortia")
    finance: FinanceParams = group(FinanceParams, "finance")
    local_governments: LocalGovernmentParams = group(LocalGovernmentParams, "local governments")
    rnd: RndParams = group(RndParams, "R&D")
    adoption: AdoptionParams = group(AdoptionParams, "adoption")
    evaluation: EvaluationParams = group(EvaluationParams, "evaluation")
    talent: TalentParams = group(TalentParams, "talent")


def describe(cls: type = Params, prefix: str = "") -> list[dict[str, Any]]:
    """Flatten a parameter dataclass into rows of path, default, range, unit and meaning."""
    rows: list[dict[str, Any]] = []
    for f in dataclasses.fields(cls):
        path = f"{prefix}{f.name}"
        if f.default_factory is not dataclasses.MISSING:
            rows.extend(describe(f.default_factory, path + "."))  # type: ignore[arg-type]
        else:
            rows.append({"path": path, "default": f.default, **f.metadata})
    return rows


def replace_path(obj: Any, path: str, value: Any) -> Any:
    """Return a copy of a parameter object with the dotted ``path`` set to ``value``."""
    head, _, rest = path.partition(".")
    if not rest:
        return dataclasses.replace(obj, **{head: value})
    return dataclasses.replace(obj, **{head: replace_path(getattr(obj, head), rest, value)})
