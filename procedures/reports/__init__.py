"""The reports page (/reports/): charts of the clinic's figures, each an SVG drawn on the server, with its numbers in
a table and a CSV. The figures are aggregated in the database (`queries`), cached per period, filters and role
(`catalogue`), drawn with matplotlib (`charts`). Result data (durations from results, outcomes, complications,
BI-RADS, findings) is only ever computed for an account that can see results."""
