"""Statistics of an experiment's conversion counts (a two-proportion z-test)."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class ConversionStats:
    control_rate: float
    variant_rate: float
    lift: float | None  # relative: (variant - control) / control; None when control is 0
    difference: float  # absolute, variant - control
    ci_low: float  # 95% confidence interval of the difference (unpooled standard error)
    ci_high: float
    z: float | None
    p_value: float | None  # two-sided, pooled standard error

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 0.05


def conversion_stats(control_users: int | None, control_conversions: int | None,
                     variant_users: int | None, variant_conversions: int | None
                     ) -> ConversionStats | None:
    """Return the statistics of an A/B result, or None unless all four counts are given and
    both groups have users."""
    counts = (control_users, control_conversions, variant_users, variant_conversions)
    if any(c is None for c in counts) or not control_users or not variant_users:
        return None
    assert control_conversions is not None and variant_conversions is not None
    p1 = control_conversions / control_users
    p2 = variant_conversions / variant_users
    difference = p2 - p1
    lift = difference / p1 if p1 else None
    se = math.sqrt(p1 * (1 - p1) / control_users + p2 * (1 - p2) / variant_users)
    pooled = (control_conversions + variant_conversions) / (control_users + variant_users)
    pooled_se = math.sqrt(pooled * (1 - pooled) * (1 / control_users + 1 / variant_users))
    z = difference / pooled_se if pooled_se else None
    p_value = math.erfc(abs(z) / math.sqrt(2)) if z is not None else None
    return ConversionStats(p1, p2, lift, difference, difference - Z_95 * se,
                           difference + Z_95 * se, z, p_value)
