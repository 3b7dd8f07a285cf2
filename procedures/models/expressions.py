"""Time arithmetic in the database that the models' rules need, the same on PostgreSQL and SQLite: the minutes
between two instants (a result's actual duration, the reports' delays) and an instant some minutes after another
(where a booking ends, for the overlap rule)."""

from __future__ import annotations

from django.db.models import DateTimeField, FloatField, Func


class Minutes(Func):
    """Minutes from `start` to `end` (a float; negative when end is before start)."""

    output_field = FloatField()

    def __init__(self, start, end):
        super().__init__(end, start)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision) / 60.0)",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 1440.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


class PlusMinutes(Func):
    """The instant `minutes` (a whole number of minutes, e.g. a booking's length) after `start`: exact to the
    microsecond on both databases (SQLite's date arithmetic is Django's own, as for `F(instant) + timedelta`)."""

    output_field = DateTimeField()

    def __init__(self, start, minutes):
        super().__init__(start, minutes)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s * INTERVAL '1 minute')", arg_joiner=" + ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        (start, start_params), (minutes, minutes_params) = (compiler.compile(e) for e in self.get_source_expressions())
        sql = connection.ops.combine_duration_expression("+", [start, f"({minutes}) * 60000000"])
        return sql, (*start_params, *minutes_params)
