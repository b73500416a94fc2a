"""Resource declarations and the machinery behind them (see :mod:`flamehub.models`)."""
