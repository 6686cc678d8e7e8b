"""How a benchmark prints a figure: value, unit, the limit measured in the same run, the ratio, a target."""

from __future__ import annotations


def figure(
    name: str,
    value: float,
    unit: str,
    *,
    limit: float | None = None,
    target_ratio: float | None = None,
    target_value: float | None = None,
    note: str = "",
) -> bool:
    """Print one line and return whether its target (if any) is met."""
    parts = [f"   {name}: {value:,.1f} {unit}"]
    ok = True
    if limit:
        ratio = value / limit
        parts.append(f"limit {limit:,.1f} {unit}, ratio {ratio:.2f}")
        if target_ratio is not None:
            ok &= ratio >= target_ratio
            parts.append(f"target ≥ {target_ratio}")
    if target_value is not None:
        ok &= value >= target_value
        parts.append(f"target ≥ {target_value:,.0f} {unit}")
    if note:
        parts.append(note)
    parts.append("OK" if ok else "BELOW TARGET")
    print(" · ".join(parts))
    return ok
