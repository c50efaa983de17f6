"""Tail probabilities of counts, Poisson and binomial, computed with ``math.lgamma`` (no scipy)."""

from __future__ import annotations

import math


def poisson_tail(observed: int, mean: float) -> float:
    """P(X ≥ observed) for X ~ Poisson(mean): the one-sided p-value of a count.

    Computed with ``math.lgamma`` (no scipy): the upper tail is summed term by term
    when ``observed`` exceeds the mean (so tiny p-values keep their precision), and as
    one minus the lower sum otherwise.

    >>> round(poisson_tail(3, 1.0), 6)  # 1 - e^-1 (1 + 1 + 1/2)
    0.080301
    >>> poisson_tail(0, 2.0), poisson_tail(1, 0.0)
    (1.0, 0.0)
    """
    if observed <= 0:
        return 1.0
    if not math.isfinite(mean) or mean < 0:
        raise ValueError(f"mean must be a finite number ≥ 0, got {mean!r}")
    if mean == 0:
        return 0.0
    log_mean = math.log(mean)
    if observed > mean:
        first = observed * log_mean - mean - math.lgamma(observed + 1)
        total, term, i = 0.0, 1.0, observed
        while term > 1e-17 * total:
            total += term
            i += 1
            term *= mean / i
        return min(1.0, math.exp(first) * total)
    lower = math.fsum(math.exp(i * log_mean - mean - math.lgamma(i + 1)) for i in range(observed))
    return min(1.0, max(0.0, 1.0 - lower))


def binomial_tail(observed: int, trials: int, probability: float) -> float:
    """P(X ≥ observed) for X ~ Binomial(trials, probability), with ``math.lgamma``.

    >>> round(binomial_tail(2, 3, 0.5), 6)  # (3 + 1) / 8
    0.5
    >>> binomial_tail(4, 3, 0.5), binomial_tail(0, 3, 0.5)
    (0.0, 1.0)
    """
    if observed <= 0:
        return 1.0
    if observed > trials:
        return 0.0
    if not 0 <= probability <= 1:
        raise ValueError(f"probability must be between 0 and 1, got {probability!r}")
    if probability in (0, 1):
        return float(probability)
    log_p, log_q = math.log(probability), math.log1p(-probability)

    def log_pmf(i: int) -> float:
        return (
            math.lgamma(trials + 1)
            - math.lgamma(i + 1)
            - math.lgamma(trials - i + 1)
            + i * log_p
            + (trials - i) * log_q
        )

    if observed > trials * probability:
        odds = probability / (1 - probability)
        total, term, i = 0.0, 1.0, observed
        while i <= trials and term > 1e-17 * total:
            total += term
            term *= (trials - i) / (i + 1) * odds
            i += 1
        return min(1.0, math.exp(log_pmf(observed)) * total)
    lower = math.fsum(math.exp(log_pmf(i)) for i in range(observed))
    return min(1.0, max(0.0, 1.0 - lower))
