"""Review and adjust: replay history under a candidate configuration (what-if) and recommend
targets from history (see docs/review.md).

- :mod:`~accord.core.review.overrides` and :mod:`~accord.core.review.candidate`: the candidate
  configuration, a whole one or overrides of the one in force, validated like any other;
- :mod:`~accord.core.review.window`: the span of clocks a review looks at;
- :mod:`~accord.core.review.whatif`: both configurations over the same events, judged per group,
  with the clocks whose state changes; :mod:`~accord.core.review.contracts` the contracts'
  budgets and credits over the window's periods (exclusions from
  :mod:`~accord.core.review.facts`); :mod:`~accord.core.review.figures` the result as plain
  dataclasses with their JSON and CSV forms;
- :mod:`~accord.core.review.survival` and :mod:`~accord.core.review.targets`: the Kaplan-Meier
  estimate of attainment and the recommended targets;
- :mod:`~accord.core.review.capacity` (Erlang C and Erlang A), :mod:`~accord.core.review.arrivals`
  and :mod:`~accord.core.review.staffing`: the agents a first-response target needs, from
  history, and what a given staffing achieves.

Pure like the rest of the core: events, configurations and as-of are arguments.
"""
