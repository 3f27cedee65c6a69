"""Metrics and the confusion matrix, on hand-counted examples."""
import numpy as np
import pytest

from glassnet.train.metrics import (Accuracy, FunctionMetric, MeanAbsoluteError, MeanSquaredError,
                                    confusion_matrix, format_confusion_matrix, get_metric, predict_classes)


def test_accuracy_accumulates_over_batches():
    acc = Accuracy()
    acc.update(np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([0, 0]))     # 1 of 2 right
    acc.update(np.array([[0.0, 1.0], [5.0, 1.0], [1.0, 9.0]]), np.array([1, 0, 1]))  # 3 of 3
    assert acc.compute() == pytest.approx(4 / 5)


@pytest.mark.parametrize("output, target, threshold, expected", [
    ([[0.3], [-0.2], [2.0]], [1.0, 0.0, 0.0], 0.0, 2 / 3),       # logits, {0, 1} targets
    ([[0.7], [0.4]], [[1.0], [1.0]], 0.5, 1 / 2),                 # probabilities
    ([[0.5], [-1.5], [0.1]], [1, -1, -1], 0.0, 2 / 3),            # hinge scores, ±1 labels
    ([[0.1, 0.9], [0.8, 0.2]], [[0.0, 1.0], [0.0, 1.0]], 0.0, 1 / 2),   # one-hot targets
])
def test_accuracy_binary_and_one_hot(output, target, threshold, expected):
    acc = Accuracy(threshold)
    acc.update(np.array(output), np.array(target))
    assert acc.compute() == pytest.approx(expected)


def test_regression_metrics():
    mse, mae = MeanSquaredError(), MeanAbsoluteError()
    for m in (mse, mae):
        m.update(np.array([[1.0], [2.0]]), np.array([[0.0], [4.0]]))
    assert mse.compute() == pytest.approx((1 + 4) / 2)
    assert mae.compute() == pytest.approx((1 + 2) / 2)


def test_function_metric_weighted_by_batch_size():
    m = get_metric(lambda out, y: out.mean())
    assert isinstance(m, FunctionMetric)
    m.update(np.ones(3), None)
    m.update(np.zeros(1), None)
    assert m.compute() == pytest.approx(3 / 4)
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        get_metric("f1")


def test_confusion_matrix_and_its_text():
    cm = confusion_matrix([0, 1, 2, 2, 1], [0, 2, 2, 2, 1], 3)
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 1, 1], [0, 0, 2]])
    text = format_confusion_matrix(cm, ["cat", "dog", "eel"])
    assert text.splitlines()[0].split() == ["true", "\\", "predicted", "cat", "dog", "eel"]
    assert text.splitlines()[2].split() == ["dog", "0", "1", "1"]


def test_predict_classes():
    assert predict_classes(np.array([[0.1, 0.7, 0.2]])).tolist() == [1]
    assert predict_classes(np.array([0.2, 0.6]), threshold=0.5).tolist() == [0, 1]
