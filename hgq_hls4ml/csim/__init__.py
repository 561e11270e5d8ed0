"""C simulation of the converted firmware and bit-exact comparison with Keras."""

from .verify import Divergence, VerifyReport, first_divergence, verify

__all__ = ['Divergence', 'VerifyReport', 'first_divergence', 'verify']
