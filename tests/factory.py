"""Small hand-made worlds for mechanism tests, built through the scenario layer."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from innostate.model.params import Params
from innostate.scenario.build import World, build
from innostate.scenario.load import validate_data

NODE = {
    "frontier": 8.0,
    "frontier_growth": 0.0,
    "requirement": 6.0,
    "difficulty": 10.0,
    "market_size": 10.0,
    "market_growth": 0.0,
    "initial_level": 4.0,
    "foreign_share": 0.8,
}


def node(ident: str, **fields: Any) -> dict[str, Any]:
    return {"id": ident, "area": fields.pop("area", "chips"), **NODE, **fields}


def actor(ident: str, kind: str = "private_firm", **fields: Any) -> dict[str, Any]:
    base = {
        "id": ident,
        "name": ident,
        "kind": kind,
        "region": "north",
        "ownership": "private" if kind == "private_firm" else "state",
    }
    return {**base, **fields}


def world(
    nodes: list[dict[str, Any]] | None = None,
    actors: list[dict[str, Any]] | None = None,
    regime: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
    **extra: Any,
) -> World:
    """A world with one area, two regions and the given nodes and actors."""
    raw: dict[str, Any] = {
        "name": "hand-made",
        "calendar": {"start": "2020Q1", "end": "2022Q4"},
        "regions": ["north", "south"],
        "areas": [{"id": "chips"}, {"id": "space"}],
        "nodes": nodes or [node("a")],
        "actors": actors or [actor("firm", capabilities={"a": 4.0}, cash=1.0, talent=100)],
        "regime": {"preset": "new_national_system", "overrides": regime or {}},
        "parameters": parameters or {},
        **extra,
    }
    return build(validate_data(copy.deepcopy(raw)))


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def params_with(w: World, **groups: dict[str, Any]) -> Params:
    from innostate.scenario.regimes import apply_overrides

    return apply_overrides(w.params, groups)  # type: ignore[no-any-return]


def index(w: World, ident: str) -> int:
    return w.actor_ids.index(ident)
