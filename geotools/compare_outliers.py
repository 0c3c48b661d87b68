"""Date pairs of a comparison whose disagreement is an outlier (issue 18 point 10).

Two sources drawn on the same day usually disagree by a similar area; a pair that disagrees
far more often has a stale or broken file on one side. The rule is robust (one wild pair
cannot hide itself by moving the mean): a pair is flagged when its total disagreement is
above ``median + k · 1.4826 · MAD`` of the run's pairs (MAD: the median absolute deviation
from the median; 1.4826 makes it a standard deviation for normal data; k =
:data:`OUTLIER_K`, the modified z-score cut-off of Iglewicz and Hoaglin). Only a run of at
least :data:`MIN_PAIRS` pairs is judged, and the spread is at least :data:`MIN_SPREAD` of
the median, so that a run of near-identical pairs does not flag a pair a few km² above them.
Only high disagreement is flagged: a pair that agrees unusually well is no warning sign.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from geotools.table import TOTAL

#: The cut-off in robust standard deviations above the median.
OUTLIER_K = 3.5
#: MAD to standard deviation, for normally distributed values.
MAD_SCALE = 1.4826
#: Fewer pairs than this: no flags (the median of a handful says little).
MIN_PAIRS = 5
#: The spread used is at least this share of the median.
MIN_SPREAD = 0.05
#: The table's column.
OUTLIER = "outlier"


def outlier_threshold(values: Sequence[float]) -> float | None:
    """The disagreement above which a pair is an outlier, or None for fewer than
    :data:`MIN_PAIRS` values."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    if len(arr) < MIN_PAIRS:
        return None
    median = float(np.median(arr))
    spread = MAD_SCALE * float(np.median(np.abs(arr - median)))
    spread = max(spread, MIN_SPREAD * abs(median))
    return median + OUTLIER_K * spread


def flag_outliers(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (a compare table) with an ``outlier`` column: True on every row of a date
    pair whose total disagreement is above :func:`outlier_threshold` of the run's pairs."""
    out = table.copy()
    totals = out[out["region"] == TOTAL]
    limit = outlier_threshold(totals["disagreement_km2"].tolist())
    out[OUTLIER] = False
    if limit is None or totals.empty:
        return out
    wild = totals[totals["disagreement_km2"] > limit]
    keys = set(zip(wild["date_a"], wild["date_b"], strict=True))
    if keys:
        pair = pd.Series(list(zip(out["date_a"], out["date_b"], strict=True)), index=out.index)
        out[OUTLIER] = pair.isin(keys)
    return out
