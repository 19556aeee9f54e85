"""80% and 95% ranges calibrated on how far earlier forecasts missed, across authorities.

For each horizon, the errors of the method's own earlier forecasts (made at origins before the
current one, checked against figures published up to it) are measured on ``log(1 + children)``.
Small authorities miss by a larger share than large ones, so the spread is modelled as
``variance = a + b / (1 + children at the origin)`` (``a``, ``b`` >= 0, least squares), every error
is divided by its spread, and the ranges are the empirical quantiles of those standardised errors
(split conformal prediction: no normality assumed, a method's bias is carried into its ranges).

A horizon with fewer than :data:`MIN_ERRORS` earlier errors borrows the nearest shorter horizon's
quantiles, with the spread widened by ``sqrt(h / h_borrowed)`` (errors of a random walk).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

RANGE_LEVELS: dict[str, float] = {
    "lower95": 0.025,
    "lower80": 0.10,
    "upper80": 0.90,
    "upper95": 0.975,
}
"""Output column -> probability of the quantile it stands for."""

MIN_ERRORS = 30


@dataclass(frozen=True)
class HorizonCalibration:
    """Spread model and standardised-error quantiles for one horizon."""

    a: float
    b: float
    quantiles: dict[str, float]
    errors: int
    borrowed_from: int | None = None
    widen: float = 1.0

    def spread(self, size: np.ndarray) -> np.ndarray:
        """Standard deviation of the log error for authorities of this size (children)."""
        return self.widen * np.sqrt(self.a + self.b / (1.0 + np.clip(size, 0.0, None)))


def _fit_horizon(errors: np.ndarray, size: np.ndarray) -> HorizonCalibration:
    design = np.column_stack([np.ones_like(size), 1.0 / (1.0 + np.clip(size, 0.0, None))])
    (a, b), _ = optimize.nnls(design, errors**2)
    if a + b <= 0:
        a = float(np.mean(errors**2)) or 1e-6
    spread = np.sqrt(a + b / (1.0 + np.clip(size, 0.0, None)))
    standardised = errors / spread
    quantiles = {
        name: float(np.quantile(standardised, p, method="linear"))
        for name, p in RANGE_LEVELS.items()
    }
    return HorizonCalibration(float(a), float(b), quantiles, int(len(errors)))


def calibrate(
    point: np.ndarray, actual: np.ndarray, size: np.ndarray, horizon: np.ndarray, max_horizon: int
) -> dict[int, HorizonCalibration] | None:
    """Calibration for horizons 1..``max_horizon`` from earlier forecasts.

    Parameters
    ----------
    point, actual, size, horizon : numpy.ndarray
        Flat arrays: earlier point forecasts, what was published, the figure at their origin
        (children) and their horizon in years.

    Returns
    -------
    dict or None
        ``{h: HorizonCalibration}``; ``None`` when there are too few earlier errors at any horizon.
    """
    ok = ~np.isnan(point) & ~np.isnan(actual) & ~np.isnan(size)
    errors = np.log1p(np.clip(actual[ok], 0, None)) - np.log1p(np.clip(point[ok], 0, None))
    size, horizon = size[ok], horizon[ok]
    fitted: dict[int, HorizonCalibration] = {}
    for h in range(1, max_horizon + 1):
        rows = horizon == h
        if rows.sum() >= MIN_ERRORS:
            fitted[h] = _fit_horizon(errors[rows], size[rows])
    if not fitted:
        return None
    out = {}
    for h in range(1, max_horizon + 1):
        if h in fitted:
            out[h] = fitted[h]
            continue
        shorter = [k for k in fitted if k < h]
        base = max(shorter) if shorter else min(fitted)
        source = fitted[base]
        out[h] = HorizonCalibration(
            source.a,
            source.b,
            source.quantiles,
            source.errors,
            borrowed_from=base,
            widen=float(np.sqrt(h / base)) if h > base else 1.0,
        )
    return out


def ranges(
    point: np.ndarray, size: np.ndarray, calibration: dict[int, HorizonCalibration] | None
) -> dict[str, np.ndarray]:
    """80% and 95% ranges around point forecasts ``(n, horizon)``.

    ``size`` is each authority's figure at the origin (children). Returns arrays for
    ``lower95, lower80, upper80, upper95`` (``NaN`` everywhere when ``calibration`` is None).
    """
    out = {name: np.full(point.shape, np.nan) for name in RANGE_LEVELS}
    if calibration is None:
        return out
    centre = np.log1p(np.clip(point, 0.0, None))
    for h in range(point.shape[1]):
        cal = calibration[min(h + 1, max(calibration))]
        spread = cal.spread(size)
        for name, q in cal.quantiles.items():
            out[name][:, h] = np.clip(np.expm1(centre[:, h] + q * spread), 0.0, None)
    # Quantiles are ordered by construction; keep the point inside its own ranges.
    out["lower80"] = np.minimum(out["lower80"], point)
    out["lower95"] = np.minimum(out["lower95"], out["lower80"])
    out["upper80"] = np.maximum(out["upper80"], point)
    out["upper95"] = np.maximum(out["upper95"], out["upper80"])
    return out
