"""Analyses of an hls4ml graph built from an HGQ2 model, free of side effects.

:mod:`.graph` answers graph queries; :mod:`.traits` says what an analysis must know of a layer type, and
:mod:`.families` declares it, one module per layer family (adding a layer type touches one of them);
:mod:`.ranges` propagates exact value ranges; :mod:`.counts` holds the cost model's building blocks. Passes
(:mod:`hgq_hls4ml.passes`) and the cost proxy (:mod:`hgq_hls4ml.cost`) act on what these compute.
"""
