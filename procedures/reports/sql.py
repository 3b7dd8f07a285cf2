"""The database expressions the reports need on both PostgreSQL and SQLite: minutes between two instants (the
models' own, procedures.models.expressions) and a percentile aggregate (PostgreSQL's percentile_cont; on SQLite an
aggregate function of the same definition registered on the connection)."""

from __future__ import annotations

import math

from django.db.models import Aggregate, FloatField

from procedures.models.expressions import Minutes

__all__ = ["Minutes", "Percentile", "percentile_of"]


def percentile_of(values: list[float], fraction: float) -> float | None:
    """The continuous percentile (linear interpolation between the closest ranks), as PostgreSQL's percentile_cont
    and Python's statistics.quantiles(method="inclusive") compute it."""
    if not values:
        return None
    values = sorted(values)
    position = fraction * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


class _SqlitePercentile:
    def __init__(self):
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction):
        self.fraction = fraction
        if value is not None:
            self.values.append(float(value))

    def finalize(self):
        return percentile_of(self.values, self.fraction)


def _register_on_sqlite(connection) -> None:
    connection.ensure_connection()
    raw = connection.connection
    if not getattr(raw, "_report_percentile", False):
        raw.create_aggregate("report_percentile", 2, _SqlitePercentile)
        try:
            raw._report_percentile = True
        except AttributeError:  # sqlite3.Connection takes no new attributes: registering again is harmless
            pass


class Percentile(Aggregate):
    """The `fraction` percentile (0.5: the median) of a numeric expression, NULLs ignored; None when empty."""

    name = "Percentile"
    function = "PERCENTILE_CONT"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile's fraction is between 0 and 1.")
        super().__init__(expression, fraction=repr(fraction), **extra)

    def as_sqlite(self, compiler, connection, **extra):
        _register_on_sqlite(connection)
        return self.as_sql(
            compiler,
            connection,
            function="report_percentile",
            template="%(function)s(%(expressions)s, %(fraction)s)",
            **extra,
        )
