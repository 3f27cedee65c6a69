"""glassnet.nn: modules, parameters, losses and their functional forms (as torch.nn)."""
from . import functional, init, utils
from .activation import (ELU, GELU, LeakyReLU, LogSoftmax, ReLU, SiLU, Sigmoid, Softmax, Softplus,
                         Softsign, Step, Tanh)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, HuberLoss, KLDivLoss,
                   L1Loss, MSELoss, NLLLoss, SmoothL1Loss, SquaredErrorLoss)
from .module import Module
from .normalization import LayerNorm
from .parameter import Parameter
from .sparse import Embedding
