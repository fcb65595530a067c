"""The scenario schema: everything a run needs, validated before anything runs.

Units: money in billion yuan (bn yuan) per year, technology levels on the
model's 0-10 scale, talent in researcher full-time equivalents (FTE).
Structural rules (types, ranges, unknown keys) live in these pydantic models.
Every number must be finite and inside a stated range, so that a typo such as
``1e308``, ``.nan`` or ``yes`` in a number field is refused before anything runs;
the upper bounds are far above any real value (China's whole R&D spending is
about 3,600 bn yuan a year) but low enough that a run stays finite and fast.
cross-references (unknown nodes, cycles, dates outside the calendar) are
checked in :mod:`innostate.scenario.validate` so that all problems are
reported together.
"""

from __future__ import annotations

import dataclasses
import datetime
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, create_model

from innostate.model.codebook import ACTOR_KINDS, EVENT_KINDS, OWNERSHIPS, SOURCES
from innostate.model.params import Params, Regime

ActorKind = Literal[ACTOR_KINDS]  # type: ignore[valid-type]
Ownership = Literal[OWNERSHIPS]  # type: ignore[valid-type]
EventKind = Literal[EVENT_KINDS]  # type: ignore[valid-type]
BudgetChannel = Literal[SOURCES]  # type: ignore[valid-type]


def _date_text(value: Any) -> Any:
    """YAML reads 2022-10-07 as a date and 2022 as a number; keep both as text."""
    if isinstance(value, datetime.date | int):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    return value


DateText = Annotated[str, BeforeValidator(_date_text)]

MAX_MONEY = 1e6  # bn yuan (per year for budgets): about 8 times China's GDP
MAX_TALENT = 1e7  # researcher FTE of one actor: more than China's whole R&D workforce
MAX_SIZE = 1e6  # relative size of one actor
MAX_POPULATION = 2_000_000  # actors in one population at scale 1 (prc-2019's largest: 446,200)
MAX_NODES = 1_000  # technology nodes (prc-2019: 52); the model keeps node x node tables
MAX_ENTRIES = 100_000  # entries of any other list (actors, events, milestones ...)
FIRST_YEAR, LAST_YEAR = 1900, 2200  # years a scenario may mention

Money = Annotated[float, Field(ge=0, le=MAX_MONEY)]
Share = Annotated[float, Field(ge=0, le=1)]
Level = Annotated[float, Field(ge=0, le=10)]
Weight = Annotated[float, Field(ge=0, le=MAX_SIZE)]
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
# names become folder names (runs/<name>-...): no path separators, no leading dot
SLUG = r"^[\w][\w.-]{0,79}$"
Slug = Annotated[str, Field(pattern=SLUG)]


# strict: YAML's yes/no (booleans) and quoted numbers are not numbers; finite: no NaN/inf
_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


@cache
def overrides_model(cls: type = Params, exclude: tuple[str, ...] = ()) -> type[BaseModel]:
    """A pydantic model accepting any subset of a parameter dataclass, with its ranges."""
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in exclude:
            continue
        if f.default_factory is not dataclasses.MISSING:
            fields[f.name] = (overrides_model(f.default_factory) | None, None)  # type: ignore[arg-type]
        else:
            m = f.metadata
            fields[f.name] = (
                float | None,  # finite: the model's config below refuses NaN and infinity
                Field(
                    None,
                    ge=m["low"],
                    le=m["high"],
                    description=m["meaning"],
                    json_schema_extra={"unit": m["unit"]},
                ),
            )
    model: type[BaseModel] = create_model(f"{cls.__name__}Overrides", __config__=_CONFIG, **fields)
    # registered under its own name so that scenarios pickle (to worker processes)
    globals().setdefault(model.__name__, model)
    return model


RegimeOverrides = overrides_model(Regime)
ParameterOverrides = overrides_model(Params, ("regime",))


class Strict(BaseModel):
    """Base model: unknown keys are errors (typos get a suggestion)."""

    model_config = _CONFIG


class Calendar(Strict):
    """Start and end of the run, both inclusive, as quarters like ``2019Q1``."""

    start: DateText = Field(description="first quarter simulated, e.g. 2019Q1")
    end: DateText = Field(description="last quarter simulated, e.g. 2030Q4")
    steps_per_year: Literal[1, 2, 4, 12] = Field(4, description="steps per year (4 = quarters)")


class Area(Strict):
    """A mission area grouping technology nodes."""

    id: str
    name: str = ""
    strategic_weight: float = Field(1.0, ge=0, le=100, description="weight in central priorities")


class Node(Strict):
    """A technology node of the DAG."""

    id: str
    name: str = ""
    area: str
    prereqs: dict[str, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=dict, description="prerequisite node -> weight (>= 0)"
    )
    frontier: float = Field(ge=0.1, le=10, description="global best level at the start")
    frontier_growth: float = Field(0.1, ge=0, le=2, description="frontier advance, levels/year")
    requirement: float = Field(ge=0.1, le=10, description="level sufficient for strategic use")
    difficulty: float = Field(
        ge=0.01,
        le=MAX_MONEY,
        description="bn yuan a year at which a fully able team gains `productivity` levels a year",
    )
    market_size: float = Field(ge=0, le=MAX_MONEY, description="domestic demand, bn yuan/year")
    market_growth: float = Field(0.05, ge=-0.5, le=1, description="market growth, share/year")
    initial_level: float = Field(ge=0, le=10, description="best domestic level at the start")
    foreign_share: float = Field(0.5, ge=0, le=1, description="foreign share of the market")
    exposure: float = Field(
        1.0, ge=0, le=1, description="share of foreign supply from the containing coalition"
    )
    access: float = Field(1.0, ge=0, le=1, description="foreign access at the start")
    mission: bool = Field(
        False,
        description="a national major S&T project or flagship mission named in a public plan "
        "(central priority from top_level_design.mission_weight; say which plan in `source`)",
    )
    source: str = ""


class RdSpending(Strict):
    """A firm's own R&D spending in one year, from its annual report."""

    year: Year
    bn_yuan: Money
    source: str = Field(min_length=1, description="where the figure comes from")


class NamedActor(Strict):
    """A real, named actor."""

    id: str
    name: str
    kind: ActorKind
    region: str
    ownership: Ownership = "state"
    strategic_force: bool = False
    capabilities: dict[str, Level] = Field(default_factory=dict, description="node -> level (0-10)")
    cash: float = Field(0.0, ge=0, le=MAX_MONEY, description="bn yuan at the start")
    size: float = Field(1.0, gt=0, le=MAX_SIZE, description="relative size (weights inflows)")
    talent: float = Field(100.0, ge=0, le=MAX_TALENT, description="researcher FTE")
    alignment: float = Field(0.8, ge=0, le=1)
    market_orientation: float = Field(0.5, ge=0, le=1)
    entity_listed: bool = False
    rd_spending: RdSpending | None = Field(
        None,
        description="a firm's reported R&D: it gets the same share of the enterprise_rd "
        "budget as its spending was of the budget's value in that year",
    )
    source: str = ""


class Range(Strict):
    """A uniform draw between low and high."""

    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)


class Population(Strict):
    """A synthetic population of actors drawn from distributions."""

    kind: ActorKind
    count: int = Field(ge=0, le=MAX_POPULATION, description="actors at population_scale 1")
    name_prefix: str = ""
    regions: dict[str, Weight] = Field(
        default_factory=dict, description="region -> weight; empty = even"
    )
    ownership: dict[Ownership, Weight] = Field(
        default_factory=lambda: {"private": 1.0}, description="ownership -> weight (>= 0)"
    )
    strategic_force_share: float = Field(0.0, ge=0, le=1)
    areas: list[str] = Field(default_factory=list, description="areas worked on; empty = all")
    nodes_per_actor: int = Field(2, ge=0, le=8)
    capability_mean: float = Field(
        0.4, ge=0, le=1.5, description="mean level as a share of the node's initial level"
    )
    capability_sigma: float = Field(0.5, ge=0, le=3, description="lognormal sigma of levels")
    size_alpha: float = Field(1.5, gt=0.5, le=10, description="Pareto tail of sizes")
    cash_mean: float = Field(0.01, ge=0, le=MAX_MONEY, description="mean cash, bn yuan")
    talent_mean: float = Field(
        20.0, ge=0, le=MAX_TALENT, description="mean researcher FTE of the R&D performers"
    )
    rd_performer_share: float = Field(
        1.0,
        ge=0,
        le=1,
        description="share of the real actors that do R&D (the largest); the rest have none",
    )
    alignment: Range = Range(low=0.3, high=0.8)
    market_orientation: Range = Range(low=0.5, high=1.0)
    source: str = ""


class Budget(Strict):
    """A yearly money path: values by year, linear between, growth after the last.

    ``share`` is the part of the series that reaches the modelled technologies
    (a national R&D series also pays for work outside the scenario's nodes).
    """

    values: dict[Year, Money] = Field(description="year -> bn yuan per year (>= 0)")
    growth_after: float = Field(0.05, ge=-0.5, le=1, description="yearly growth after the data")
    share: float = Field(1.0, ge=0, le=1, description="share reaching the modelled technologies")
    source: str = ""


class Earmark(Strict):
    """Money paid into one named actor's cash, e.g. a fund phase's capital as it is paid in."""

    id: str
    actor: str = Field(description="named actor receiving the money")
    values: dict[Year, Money] = Field(description="year -> bn yuan per year (>= 0)")
    growth_after: float = Field(0.0, ge=-1, le=1, description="yearly growth after the data")
    source: str = ""


class ContainmentEvent(Strict):
    """A dated containment measure or its relaxation."""

    id: str
    date: DateText = Field(description="quarter (2022Q4) or ISO date (2022-10-07)")
    kind: EventKind
    nodes: dict[str, Share] = Field(
        default_factory=dict, description="node -> foreign access from this date (0-1)"
    )
    actors: list[str] = Field(default_factory=list, description="named actors listed/delisted")
    talent_access: float | None = Field(
        None, ge=0, le=1, description="share of returnee flows still open"
    )
    description: str = ""
    source: str = ""


class Milestone(Strict):
    """A dated real-world milestone: the date a node reached a level, to set a run against."""

    node: str
    level: float = Field(ge=0, le=10, description="level the milestone shows was reached")
    date: DateText
    what: str = ""
    source: str = ""
    confidence: Literal["high", "medium", "low"] = "medium"


class RegimeChoice(Strict):
    """The regime of a run: a preset or user-defined name, plus overrides."""

    preset: str = "new_national_system"
    overrides: RegimeOverrides = Field(default_factory=RegimeOverrides)  # type: ignore[valid-type]


class UserRegime(Strict):
    """A user-defined regime: a base preset plus overrides."""

    base: str = "new_national_system"
    description: str = ""
    overrides: RegimeOverrides = Field(default_factory=RegimeOverrides)  # type: ignore[valid-type]


class Scenario(Strict):
    """A complete scenario."""

    name: str = Field(pattern=SLUG, description="short name, used in output folder names")
    description: str = ""
    seed: int = Field(0, ge=0, le=2**32 - 1)
    calendar: Calendar
    regions: list[str] = Field(min_length=1, max_length=MAX_ENTRIES)
    areas: list[Area] = Field(min_length=1, max_length=MAX_NODES)
    nodes: list[Node] = Field(min_length=1, max_length=MAX_NODES)
    actors: list[NamedActor] = Field(default_factory=list, max_length=MAX_ENTRIES)
    populations: list[Population] = Field(default_factory=list, max_length=MAX_ENTRIES)
    population_scale: float = Field(
        1.0, gt=0, le=10, description="multiplies every synthetic population count"
    )
    budgets: dict[BudgetChannel, Budget] = Field(default_factory=dict)
    earmarks: list[Earmark] = Field(default_factory=list, max_length=MAX_ENTRIES)
    regime: RegimeChoice = RegimeChoice()
    regimes: dict[Slug, UserRegime] = Field(default_factory=dict)
    containment: list[ContainmentEvent] = Field(default_factory=list, max_length=MAX_ENTRIES)
    containment_variants: dict[Slug, list[ContainmentEvent]] = Field(
        default_factory=dict,
        description="alternative timelines by name; 'real' is `containment`, 'none' is empty",
    )
    milestones: list[Milestone] = Field(default_factory=list, max_length=MAX_ENTRIES)
    parameters: ParameterOverrides = Field(  # type: ignore[valid-type]
        default_factory=ParameterOverrides, description="mechanism parameter overrides by group"
    )
    # set by scenario/override.py when inputs were scaled (PATH*=FACTOR): the scenario before,
    # the settings applied and what they gave, so that resolving again scales only once
    _scaled: Any = PrivateAttr(default=None)


def vocabulary() -> set[str]:
    """Every key the schema knows, for 'did you mean' suggestions."""
    words: set[str] = set()

    def walk(model: type[BaseModel]) -> None:
        for name, info in model.model_fields.items():
            words.add(name)
            ann = info.annotation
            for candidate in (*getattr(ann, "__args__", ()), ann):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    if candidate is not model:
                        walk(candidate)

    walk(Scenario)
    for group in (
        Population,
        NamedActor,
        Node,
        ContainmentEvent,
        Budget,
        Earmark,
        Area,
        Range,
        Milestone,
    ):
        walk(group)
    walk(ParameterOverrides)
    walk(RegimeOverrides)
    # what-if keys (innostate.scenario.extend), read before the schema sees the file
    words |= {"extends", "whatif", "lift_item_controls", "delist", "escalate", "remove", "access"}
    return words
