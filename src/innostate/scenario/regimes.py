"""Regimes as data: the four presets of the model and user-defined ones from scenarios."""

from __future__ import annotations

import dataclasses
from typing import Any

from innostate.model.params import Regime

# Each preset is a set of overrides on the Regime defaults (which are the new national system).
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "new_national_system": (
        "hybrid: directive tasks beside open competition and horse races; private firms "
        "eligible; evaluation weighs application; high coordination; guidance funds",
        {},
    ),
    "old_national_system": (
        "command system: directive only, state actors only, technical evaluation, very high "
        "concentration and alignment, no market finance",
        {
            "instrument_mix": {
                "directive": 0.8,
                "open_competition": 0.0,
                "horse_race": 0.0,
                "basic_grant": 0.2,
                "services": 0.0,
            },
            "directive_selection": 0.9,
            "alignment": 0.95,
            "coordination": 0.4,
            "monitoring": 0.5,
            "evaluation_weights": {"technical": 1.0, "application": 0.0},
            "private_participation": 0.0,
            "market_finance": 0.0,
            "concentration": 4.0,
            "local_autonomy": 0.1,
            "ip_appropriability": 0.2,
            "talent_programs": 0.2,
        },
    ),
    "market_led": (
        "no top-level design beyond basic research grants; venture capital, return-seeking "
        "funds and firms decide",
        {
            "instrument_mix": {
                "directive": 0.0,
                "open_competition": 0.0,
                "horse_race": 0.0,
                "basic_grant": 1.0,
                "services": 0.0,
            },
            "directive_selection": 0.0,
            "alignment": 0.1,
            "coordination": 0.2,
            "monitoring": 0.6,
            "evaluation_weights": {"technical": 0.3, "application": 0.7},
            "private_participation": 1.0,
            "market_finance": 1.5,
            "concentration": 0.0,
            "local_autonomy": 0.3,
            "ip_appropriability": 0.8,
            "talent_programs": 0.3,
            "fund_alignment": 0.0,
        },
    ),
    "local_developmental": (
        "high local autonomy, weak monitoring, much local co-funding: the duplicate-investment "
        "pattern",
        {
            "alignment": 0.4,
            "coordination": 0.4,
            "monitoring": 0.2,
            "local_autonomy": 0.9,
            "concentration": 1.0,
            "evaluation_weights": {"technical": 0.7, "application": 0.3},
            "market_finance": 0.8,
            "fund_alignment": 0.4,
        },
    ),
}


def apply_overrides(obj: Any, overrides: dict[str, Any]) -> Any:
    """Return a copy of a parameter dataclass with nested overrides applied (None = keep)."""
    changes: dict[str, Any] = {}
    for name, value in overrides.items():
        if value is None:
            continue
        current = getattr(obj, name)
        if dataclasses.is_dataclass(current) and isinstance(value, dict):
            changes[name] = apply_overrides(current, value)
        else:
            changes[name] = type(current)(value) if isinstance(current, float) else value
    return dataclasses.replace(obj, **changes)


def regime_from(
    name: str, user_regimes: dict[str, tuple[str, dict[str, Any]]], overrides: dict[str, Any]
) -> Regime:
    """Resolve a preset or user-defined regime name and apply the run's overrides.

    ``user_regimes`` maps a name to (base name, overrides); bases may chain but
    the caller has already checked the names exist and do not loop.
    """
    if name in PRESETS:
        base = apply_overrides(Regime(), PRESETS[name][1])
    else:
        parent, own = user_regimes[name]
        base = apply_overrides(regime_from(parent, user_regimes, {}), own)
    regime: Regime = apply_overrides(base, overrides)
    return regime


def describe_presets() -> dict[str, str]:
    """Preset name -> one-line description."""
    return {name: text for name, (text, _) in PRESETS.items()}
