"""Figures people expect, one module per topic (``cogalign.plots.risky``, ...).

matplotlib is imported only when a figure is drawn.
"""

__all__: list[str] = []
