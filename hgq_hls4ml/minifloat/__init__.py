"""Minifloat (HGQ2 ``q_type='float'``) quantizers: building them on HGQ2, their exact fixed-point forms and the C++
quantize step. See ``docs/minifloat.md``."""
