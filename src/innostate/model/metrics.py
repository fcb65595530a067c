"""Headline indicators, computed once here for the run tables, summaries and comparisons.

Self-reliance counts domestic supply only: the level of the best enterprise on a
node (``nodes.domestic_level``), never a laboratory's. Project counts and money
weigh each project row by the real projects it stands for.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from innostate.model.codebook import HOLDERS, STATUS
from innostate.model.kernels import weighted_total
from innostate.model.records import Records
from innostate.model.state import Floats, State


def self_reliance(level: Floats, requirement: Floats) -> Floats:
    """Capability sufficiency ``min(1, level / requirement)``, elementwise."""
    sufficiency: Floats = np.minimum(level / requirement, 1.0)
    return sufficiency


def self_reliance_index(rec: Records) -> Floats:
    """Market-weighted mean self-reliance over nodes at every step, shape (T,)."""
    market = rec.node["market_size"]
    reliance = self_reliance(rec.node["domestic_level"], rec.node["requirement"])
    index: Floats = (reliance * market).sum(axis=1) / market.sum(axis=1)
    return index


def domestic_share_index(rec: Records) -> Floats:
    """Market-weighted mean domestic market share at every step, shape (T,)."""
    market = rec.node["market_size"]
    index: Floats = (rec.node["domestic_share"] * market).sum(axis=1) / market.sum(axis=1)
    return index


def nodes_meeting_requirement(rec: Records) -> Floats:
    """Number of nodes whose domestic supply meets the requirement at every step, (T,)."""
    met: Floats = (rec.node["domestic_level"] >= rec.node["requirement"]).sum(axis=1)
    return met


def series(rec: Records) -> dict[str, list[float]]:
    """The headline indicators at every step (the paths behind the start and end values)."""
    return {
        "self_reliance": self_reliance_index(rec).tolist(),
        "domestic_share": domestic_share_index(rec).tolist(),
        "nodes_meeting_requirement": nodes_meeting_requirement(rec).astype(float).tolist(),
        "chokepoints": rec.chokepoint.sum(axis=1).astype(float).tolist(),
    }


def project_counts(state: State) -> dict[str, Any]:
    """Real projects started, cut and duplicated, and money spent on cut or duplicate ones."""
    p = state.projects
    n = p.count
    weight = p.weight[:n]
    cut = p.status[:n] == STATUS["cut"]
    wasted = cut | p.duplicate[:n]
    return {  # a fractional weight is an expected count: report whole projects
        "projects": round(float(weight.sum())),
        "projects_cut": round(float(weight[cut].sum())),
        "duplicate_projects": round(float(weight[p.duplicate[:n]].sum())),
        "waste_bn": weighted_total(p.spent[:n] * weight, wasted),
    }


def headline(state: State, rec: Records) -> dict[str, Any]:
    """The headline indicators of a finished run, as plain numbers."""
    index = self_reliance_index(rec)
    met = nodes_meeting_requirement(rec)
    spent = float(rec.outflow.sum())
    counts = project_counts(state)
    breakthroughs = len(rec.breakthroughs)
    idle = rec.held[-1]
    return {
        "self_reliance_start": float(index[0]),
        "self_reliance_end": float(index[-1]),
        "nodes": state.nodes.count,
        "nodes_meeting_requirement_start": int(met[0]),
        "nodes_meeting_requirement_end": int(met[-1]),
        "chokepoints_start": int(rec.chokepoint[0].sum()),
        "chokepoints_end": int(rec.chokepoint[-1].sum()),
        "rd_spent_bn": spent,
        "lapsed_bn": float(rec.lapsed.sum()),
        "idle_end_bn": {holder: float(idle[k]) for k, holder in enumerate(HOLDERS)},
        **counts,
        "waste_share": counts["waste_bn"] / spent if spent > 0 else 0.0,
        "breakthroughs": breakthroughs,
        "breakthroughs_per_100bn": 100.0 * breakthroughs / spent if spent > 0 else 0.0,
        "max_ledger_imbalance": float(rec.imbalance.max()),
    }
