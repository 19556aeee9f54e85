"""sufficiency: placement sufficiency forecasting, carer supply and placement finance."""

__version__ = "0.1.0"
