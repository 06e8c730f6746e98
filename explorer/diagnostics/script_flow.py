"""Following a script's predictions through its names, to where they meet labels: what tells
the script doctor that a predict on a shuffling iterator is scored against labels in data
order (shuffled_predict), and not merely run."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable

from .script_facts import ModelCall
from .script_source import dotted

PREDICT_METHODS = ("predict", "predict_generator")
LABEL_METRICS = (
    "confusion_matrix",
    "classification_report",
    "accuracy_score",
    "balanced_accuracy_score",
    "f1_score",
    "precision_score",
    "recall_score",
    "roc_auc_score",
    "from_predictions",
)


def compare_predictions(
    trees: list,
    model_calls: list[ModelCall],
    call_index: dict[int, int],
    is_labels: Callable[[int | None, ast.Attribute], bool],
) -> None:
    """Mark (in `model_calls`, in place) the predict calls on an iterator whose predictions
    the script compares with labels: followed statement by statement in file order, through
    the names they are assigned to (p = model.predict(it); y_pred = p.argmax(1)) until a
    statement holds a prediction and labels (`is_labels`: `<iterator>.classes`/`.labels`, or a
    name assigned from one), or a scikit-learn metric. call_index: id(call node) -> its index."""
    statements = []
    for cell, _, tree in trees:
        statements += [
            (cell, node) for node in ast.walk(tree) if isinstance(node, ast.stmt) and not hasattr(node, "body")
        ]
    statements.sort(key=lambda item: (item[0] or 0, item[1].lineno, item[1].col_offset))
    predicted: dict[str, int] = {}  # name -> index of the predict call it holds
    labelled: set[str] = set()
    for cell, statement in statements:
        calls, labels, names, metric = [], [], set(), None
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                index = call_index.get(id(node))
                if index is not None and model_calls[index].method in PREDICT_METHODS:
                    calls.append(index)
                function = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if function in LABEL_METRICS and metric is None:
                    metric = f"{function}(...)"
            elif isinstance(node, ast.Attribute) and node.attr in ("classes", "labels") and is_labels(cell, node):
                labels.append(dotted(node) or node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                names.add(node.id)
        calls += [predicted[name] for name in names if name in predicted]
        labels += sorted(names & labelled)
        targets = _targets(statement)
        if calls and (labels or metric):
            where = f"line {statement.lineno}" + ("" if cell is None else f" of cell {cell}")
            for index in calls:
                if model_calls[index].compared is None:
                    model_calls[index] = dataclasses.replace(
                        model_calls[index], compared=f"{labels[0] if labels else metric} ({where})"
                    )
        elif calls:
            predicted.update({target: calls[0] for target in targets})
        elif labels:
            labelled.update(targets)
        else:
            for target in targets:  # reassigned to something else
                predicted.pop(target, None)
                labelled.discard(target)


def _targets(statement: ast.stmt) -> list[str]:
    """The names a statement assigns to, and the lists it appends to (y_pred.extend(...))."""
    if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return [name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)]
    value = getattr(statement, "value", None)
    if (
        isinstance(statement, ast.Expr)
        and isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in ("append", "extend")
        and (name := dotted(value.func.value))
    ):
        return [name]
    return []
