"""What a user would write instead of Accord for the simple case of issue 21, from the
definitions in docs/metrics.md: one policy on Mon–Fri 09:00–17:00 in New York with the US
holidays, ``first_response`` and ``resolution`` paused in ``pending`` / ``on_hold``, a reopen
continuing the resolution clock (``bench/simple_config``).

- :mod:`.duckdb_sql`: one DuckDB SQL query in the style of the dbt_zendesk SLA models: a
  calendar table of working intervals per local day (holidays removed, converted to UTC so
  DST is right) joined with the intervals in which each ticket's clock runs;
- :mod:`.pandas_numpy`: the same with pandas group-bys and a numpy look-up of cumulative
  business seconds;
- :mod:`.compare`: their answers against Accord's records, ticket by ticket.

Both read the Parquet log and give, per ticket and metric, ``business_elapsed`` and
``state``. The clocks of these logs have one cycle each (first response: one; resolution:
reopens continue), which is what makes the case simple.

The submodules are imported one by one (nothing here), so that a process that runs one anchor
imports only what it needs: the whole-process measurement of the DuckDB query does not pay
for pandas.
"""
