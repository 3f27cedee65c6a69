"""glassnet.nn: modules, parameters, losses and their functional forms (as torch.nn)."""
from . import functional, init
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Step, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, MSELoss, NLLLoss,
                   SquaredErrorLoss)
from .module import Module
from .parameter import Parameter
