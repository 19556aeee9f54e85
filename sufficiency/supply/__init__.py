"""Foster-carer supply: the recruitment funnel and the approved households it feeds.

Recruitment funnel (enquiry -> approval):

- :mod:`sufficiency.supply.records` - enquiry and campaign-spend record formats and validated readers.
- :mod:`sufficiency.supply.demo_records` - seeded synthetic enquiries and spend for the demo authority.
- :mod:`sufficiency.supply.funnel` - stage conversion (Wilson intervals), censoring-aware time in
  stage, cost per outcome, cohort curves, and :class:`~sufficiency.supply.funnel.FunnelParameters`
  for the inverse calculator.
- :mod:`sufficiency.supply.conversion` - scikit-learn model of which open enquiries end in approval,
  and when; projected approvals per month with intervals.

Approved households (retention, capacity, inverse calculator) live in the sibling modules
``households``, ``retention``, ``capacity`` and ``inverse``.
"""
