"""Float Keras class path -> the :class:`~.base.Mapper` that builds its HGQ2 equivalent."""

from __future__ import annotations

from .activations import ActivationMapper
from .base import Mapper
from .einsum import EinsumDenseMapper
from .kernels import KernelMapper
from .merge import ConcatenateMapper, MergeMapper
from .normalization import BatchNormMapper
from .passthrough import CopyMapper, IdentityMapper
from .pooling import PoolingMapper
from .recurrent import RecurrentMapper
from .scaling import ScalingMapper

MAPPER_CLASSES: tuple[type[Mapper], ...] = (
    KernelMapper,
    EinsumDenseMapper,
    RecurrentMapper,
    BatchNormMapper,
    ScalingMapper,
    PoolingMapper,
    MergeMapper,
    ConcatenateMapper,
    ActivationMapper,
    CopyMapper,
    IdentityMapper,
)

MAPPERS: dict[str, Mapper] = {path: cls() for cls in MAPPER_CLASSES for path in cls.handles}
