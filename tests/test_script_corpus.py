"""The script doctor on real code: public training scripts and notebooks from different
repositories (tests/corpus/, each with its repository, commit, path and licence recorded in
tests/corpus/labels.json and NOTICE.md), labelled by hand before the doctor was run on them.
Only warnings are scored (notes are advice); a finding matches a label with the same code and
cell and a line at most `line_tolerance` away. Run this file with `-s` to see the table."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from explorer.diagnostics.script import doctor_script

CORPUS = Path(__file__).resolve().parent / "corpus"
LABELS = json.loads((CORPUS / "labels.json").read_text())
ENTRIES = LABELS["files"]
TOLERANCE = LABELS["line_tolerance"]
MIN_PRECISION = MIN_RECALL = 0.95


@dataclass(frozen=True)
class Where:
    """A warning's place and code, as labelled or as found."""

    code: str
    cell: int | None
    line: int

    def __str__(self) -> str:
        return f"{self.code} at {'' if self.cell is None else f'cell {self.cell} '}line {self.line}"


@dataclass(frozen=True)
class FileScore:
    """One file's labels against the doctor's warnings."""

    file: str
    matched: tuple[Where, ...]
    missed: tuple[Where, ...]  # labelled, not found: false negatives
    false_alarms: tuple[Where, ...]  # found, not labelled: false positives


def score_file(entry: dict) -> FileScore:
    path = CORPUS / entry["file"]
    report = doctor_script(path.read_bytes(), path.name)
    found = [Where(f.code, f.cell, f.line) for f in report.findings if f.severity == "warning"]
    expected = [Where(label["code"], label["cell"], label["line"]) for label in entry["expected"]]
    matched, missed = [], []
    for label in expected:
        match = next(
            (
                where
                for where in found
                if where.code == label.code and where.cell == label.cell and abs(where.line - label.line) <= TOLERANCE
            ),
            None,
        )
        if match is None:
            missed.append(label)
        else:
            found.remove(match)
            matched.append(label)
    return FileScore(entry["file"], tuple(matched), tuple(missed), tuple(found))


def corpus_scores() -> tuple[list[FileScore], float, float]:
    """Every file's score, then precision and recall over all warnings (1.0 when nothing to divide)."""
    scores = [score_file(entry) for entry in ENTRIES]
    true = sum(len(score.matched) for score in scores)
    false_alarms = sum(len(score.false_alarms) for score in scores)
    missed = sum(len(score.missed) for score in scores)
    precision = true / (true + false_alarms) if true + false_alarms else 1.0
    recall = true / (true + missed) if true + missed else 1.0
    return scores, precision, recall


def print_scores(scores: list[FileScore], precision: float, recall: float) -> None:
    for score in scores:
        disagreements = [f"missed {where}" for where in score.missed]
        disagreements += [f"false alarm {where}" for where in score.false_alarms]
        status = "; ".join(disagreements) or f"agrees ({len(score.matched)} warning(s))"
        print(f"{score.file}: {status}")
    true = sum(len(score.matched) for score in scores)
    print(
        f"corpus: {len(scores)} files from {len({entry['repo'] for entry in ENTRIES})} repositories, "
        f"{true} true warnings, {sum(len(s.false_alarms) for s in scores)} false alarms, "
        f"{sum(len(s.missed) for s in scores)} missed"
    )
    print(f"precision {precision:.3f}, recall {recall:.3f}")


def test_the_corpus_records_where_each_file_comes_from():
    assert len(ENTRIES) >= 10
    assert len({entry["repo"] for entry in ENTRIES}) >= 10
    notice = (CORPUS / "NOTICE.md").read_text()
    on_disk = {path.name for path in CORPUS.iterdir() if path.suffix in (".py", ".ipynb")}
    assert on_disk == {entry["file"] for entry in ENTRIES}, "every corpus file is labelled, every label has a file"
    for entry in ENTRIES:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", entry["repo"]), entry
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]), entry
        assert entry["path"] and entry["licence"] in ("MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause"), entry
        head = (CORPUS / entry["file"]).read_text()[:2000]
        assert entry["repo"] in head and entry["commit"] in head and entry["path"] in head, entry["file"]
        assert entry["repo"] in notice and entry["commit"] in notice, entry["file"]
        for label in entry["expected"]:
            assert label["why"] and isinstance(label["line"], int), label
        assert entry["expected"] or entry.get("clean_because"), entry["file"]


def test_the_corpus_has_real_mistakes_of_more_than_one_kind():
    codes = [label["code"] for entry in ENTRIES for label in entry["expected"]]
    assert len(codes) >= 4 and len(set(codes)) >= 2
    assert sum(1 for entry in ENTRIES if not entry["expected"]) >= 4  # and clean files, for false alarms


def test_script_doctor_precision_and_recall_on_the_corpus():
    scores, precision, recall = corpus_scores()
    print_scores(scores, precision, recall)
    disagreements = {
        score.file: [*map(str, score.missed), *map(str, score.false_alarms)]
        for score in scores
        if score.missed or score.false_alarms
    }
    assert precision >= MIN_PRECISION, disagreements
    assert recall >= MIN_RECALL, disagreements


# -- the doctor fixes the corpus asked for, each pinned on a minimal script ----------------------

HEAD = "from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"


def warnings_of(text: str, name: str = "train.py") -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in doctor_script(text, name).findings if f.severity == "warning"]


@pytest.mark.parametrize("zoom, augmented", [("(0.875, 0.875)", False), ("(0.8, 1.0)", True), ("0.1", True)])
def test_a_zoom_pair_with_equal_ends_is_a_fixed_crop_not_augmentation(zoom, augmented):
    # horovod's ImageNet example validates with zoom_range=(0.875, 0.875): the same zoom for every image
    script = HEAD + (
        f"val_gen = ImageDataGenerator(zoom_range={zoom})\n"
        "val_it = val_gen.flow_from_directory('val')\n"
        "model.fit(train_it, validation_data=val_it)\n"
    )
    assert (("validation_augmented", 4) in warnings_of(script)) is augmented


def test_a_fixed_brightness_pair_is_not_augmentation():
    script = HEAD + (
        "val_gen = ImageDataGenerator(brightness_range=[0.8, 0.8])\nmodel.evaluate(val_gen.flow(x_test, y_test))\n"
    )
    assert warnings_of(script) == []


@pytest.mark.parametrize(
    "settings, augmented", [("rotation_range=20, horizontal_flip=True", True), ("featurewise_center=True", False)]
)
def test_scoring_test_batches_drawn_from_an_augmenting_flow_is_caught(settings, augmented):
    # Keras 1's cifar10_cnn.py: for X_batch, Y_batch in datagen.flow(X_test, Y_test): model.test_on_batch(...)
    script = HEAD + (
        f"datagen = ImageDataGenerator({settings})\n"
        "datagen.fit(X_train)\n"
        "for X_batch, Y_batch in datagen.flow(X_train, Y_train):\n"
        "    loss = model.train_on_batch(X_batch, Y_batch)\n"
        "for X_batch, Y_batch in datagen.flow(X_test, Y_test):\n"
        "    score = model.test_on_batch(X_batch, Y_batch)\n"
    )
    assert warnings_of(script) == ([("validation_augmented", 7)] if augmented else [])


def test_an_indented_magic_in_a_notebook_cell_is_not_a_syntax_error():
    # Colab's snippet: try:\n  %tensorflow_version 2.x\nexcept Exception:\n  pass
    cells = [
        "try:\n  %tensorflow_version 2.x\nexcept Exception:\n  pass\n\nimport tensorflow as tf",
        HEAD + "gen = ImageDataGenerator(shear_range=0.2)",
        "if True:\n    !ls data",
    ]
    notebook = {
        "cells": [{"cell_type": "code", "source": source, "metadata": {}, "outputs": []} for source in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    findings = doctor_script(json.dumps(notebook), "colab.ipynb").findings
    assert [f.code for f in findings if f.code == "cell_syntax_error"] == []
    assert ("config:shear_in_degrees", 2) in [(f.code, f.cell) for f in findings]


if __name__ == "__main__":
    print_scores(*corpus_scores())
