"""glu_lib: the tested helper library behind the executable book on GLU and NTK condition numbers.

Modules: :mod:`~glu_lib.kinds` (the FFN kinds), :mod:`~glu_lib.models` (two-layer networks),
:mod:`~glu_lib.kernels` (expected NTKs, Eq. 3-5), :mod:`~glu_lib.ntk` (empirical NTKs),
:mod:`~glu_lib.symbolic` (SymPy derivations), :mod:`~glu_lib.config` (scale presets),
:mod:`~glu_lib.results` (stored results with provenance), :mod:`~glu_lib.plotting`,
:mod:`~glu_lib.notebook`.
"""

__version__ = "0.3.0"
