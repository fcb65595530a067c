"""Pinned answers for a fixed seed: a change that moves them must say so and update them.

These numbers are not targets; they catch unintended changes to the model. When a
deliberate model change moves them, rerun and paste the new values with the reason
in the commit message.
"""

import pytest

from innostate import simulate


def test_tiny_under_the_default_regime_and_seed():
    result = simulate("tiny", seed=7)
    s = result.summary
    assert s["rd_spent_bn"] == pytest.approx(1252.3299041297223, rel=1e-6)
    assert (s["projects"], s["projects_cut"], s["duplicate_projects"]) == (521, 108, 13)
    first = result.breakthroughs.iloc[0]
    assert (first["node"], first["date"], first["lead"], first["instrument"]) == (
        "quantum_comm",
        "2023Q2",
        "firm-0-4",
        "self_funded",
    )
