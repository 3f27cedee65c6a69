"""Training: ``fit`` with progress, metrics, callbacks, checkpoints and exact resume.

    history = glassnet.train.fit(model, nn.CrossEntropyLoss(), optimizer, train_loader,
                                 epochs=30, val_loader=test_loader,
                                 callbacks=[EarlyStopping(patience=5)],
                                 checkpoint="runs/digits/checkpoint.gnz")
    history["val_accuracy"][-1]
"""
from .callbacks import Callback, EarlyStopping, LambdaCallback
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .checks import DataMismatchError, check_data
from .history import History
from .loop import FitState, TrainingInterrupted, evaluate, fit, predict
from .models import RunError, load_run, mlp
from .metrics import (Accuracy, MeanAbsoluteError, MeanSquaredError, Metric, confusion_matrix,
                      format_confusion_matrix, predict_classes)

__all__ = ["fit", "evaluate", "predict", "History", "FitState", "TrainingInterrupted",
           "Callback", "EarlyStopping", "LambdaCallback", "Metric", "Accuracy", "MeanSquaredError",
           "MeanAbsoluteError", "confusion_matrix", "format_confusion_matrix", "predict_classes",
           "check_data", "DataMismatchError", "CheckpointError", "save_checkpoint", "load_checkpoint",
           "load_run", "RunError", "mlp"]
