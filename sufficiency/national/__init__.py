"""Every authority at once: forecasts from the published DfE tables, pooled across authorities.

The published LA tables give, for every English local authority and year (ending 31 March), the
children looked after at 31 March, the children who started and who ceased to be looked after in
the year, and breakdowns by age band and placement type. This package forecasts all of them for
every authority together, so that what one authority's history cannot say (is this trend real?)
is borrowed from its region and England:

* :mod:`~sufficiency.national.panel`: the tables as arrays (authority x year) with what was
  suppressed, missing or affected by a boundary change;
* :mod:`~sufficiency.national.methods`: candidate methods (carrying the last figure forward, the
  simple series methods, a pooled damped trend shrunk towards region and England, a stock-flow
  model on the published flows);
* :mod:`~sufficiency.national.intervals`: 80% and 95% ranges calibrated on how far earlier
  forecasts missed, across authorities and sizes;
* :mod:`~sufficiency.national.forecast`: one forecast for every authority, region and England,
  totals and breakdowns, reconciled (authorities add to regions and England);
* :mod:`~sufficiency.national.evaluation`: the rolling-origin backtest and the pre-registered rule
  that chose the method (:mod:`~sufficiency.national.selection`);
* :mod:`~sufficiency.national.benchmarking`: an authority beside its region, England and its
  neighbours (:mod:`~sufficiency.national.neighbours`).
"""
