"""Talent: universities graduate researchers, programmes attract returnees, teams hire.

Seed, table of components: "regulatory and institutional mechanisms: systemic tools
(e.g., talent incentives, project funding models, IP regimes)"; universities
"provide talent and knowledge resources".
"""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import KIND, STATUS
from innostate.model.kernels import weighted_total
from innostate.model.params import Params, per_step
from innostate.model.state import State


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Renew the researcher stock.

    New researchers per step: ``graduation_rate * dt`` per university researcher
    plus ``returnee_rate * talent_programs * talent_access * dt`` per domestic
    researcher (containment on talent flows lowers ``talent_access``).
    Returnees are recruited by talent programmes for the plan's key tasks: they
    join the leads and members of active projects on key-task nodes in
    proportion to this step's spending times the node's task weight (the
    sequenced key tasks of top-level design); while no such project runs they
    join the general flow. Of the general flow, ``hire_share`` goes to the
    leads and members of all active projects in proportion to this step's
    spending and the rest joins actors in proportion to their current staff.
    Every actor loses ``attrition * dt`` of its staff.
    """
    tp, a, pr, dt = params.talent, state.actors, state.projects, state.dt
    # talent is per real actor: national totals weigh each row by the actors it stands for
    universities = a.derived(
        "talent.universities", lambda: np.flatnonzero(a.kind == KIND["university"])
    )
    university_staff = (a.talent[universities] * a.weight[universities]).sum()
    graduates = tp.graduation_rate * university_staff * dt
    returnees = (
        tp.returnee_rate
        * params.regime.talent_programs
        * state.talent_access
        * (a.talent * a.weight).sum()
        * dt
    )
    a.talent *= 1.0 - per_step(tp.attrition, dt)

    rows = np.flatnonzero(pr.status[: pr.count] == STATUS["active"])
    team = np.concatenate([pr.lead[rows, None], pr.members[rows]], axis=1)
    per_project = pr.spent[rows] * pr.weight[rows] / np.maximum(state.step - pr.start[rows] + 1, 1)
    task = state.nodes.task_weight[pr.node[rows]]
    present = team >= 0
    width = team.shape[1]
    # only project teams are hired into: the shares are added where demand is (elsewhere
    # they are 0), the totals still summed over all actors as before
    hiring = np.unique(team[present])

    def demand_of(weights: np.ndarray) -> np.ndarray:
        burn = np.repeat(weights[:, None], width, axis=1)
        return np.bincount(team[present], weights=burn[present], minlength=a.count)

    newcomers = graduates + returnees
    key_demand = demand_of(per_project * task)
    if returnees > 0 and key_demand.sum() > 0:
        a.talent[hiring] += returnees * key_demand[hiring] / key_demand.sum() / a.weight[hiring]
        newcomers = graduates
    demand = demand_of(per_project)
    hired = tp.hire_share * newcomers if demand.sum() > 0 else 0.0
    if hired:
        a.talent[hiring] += hired * demand[hiring] / demand.sum() / a.weight[hiring]
    staff = weighted_total(a.talent, a.weight)
    if staff > 0:
        joining = np.multiply(newcomers - hired, a.talent)  # (newcomers - hired) * talent / staff
        joining /= staff
        a.talent += joining
    return state
