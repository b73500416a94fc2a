"""Resource declarations and the machinery behind them (see :mod:`flamehub.models`)."""

__all__: list[str] = []
