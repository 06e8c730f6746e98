"""The script doctor: a whole training script or notebook is parsed (never run) and read for
the mistakes that make augmentation hurt. The corpus in tests/scripts/ plants one mistake per
file, on the line marked `# PLANTED: <code>`; the clean scripts (the article's three examples
with a separate validation generator, and two more) must give no script-level finding."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from explorer import AugmentConfig, InputError
from explorer.diagnostics.script import IdgCall, ScriptFinding, doctor_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "tests" / "scripts"
CORPUS = sorted(path for path in SCRIPTS.iterdir() if path.suffix in (".py", ".ipynb"))
PLANTED_FILES = [path for path in CORPUS if not path.name.startswith("clean_")]
CLEAN_FILES = [path for path in CORPUS if path.name.startswith("clean_")]
JSON_KEYS = {"line", "cell", "code", "message", "fix"}

HEAD = "from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "explorer", "doctor", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def planted(path: Path) -> list[tuple[int | None, int, str]]:
    """(cell, line, code) of every `# PLANTED: code` marker in a corpus file."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        sources = [
            (index, "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"])
            for index, cell in enumerate(cells, start=1)
        ]
    else:
        sources = [(None, path.read_text())]
    return [
        (cell, number, line.split("# PLANTED:")[1].strip())
        for cell, source in sources
        for number, line in enumerate(source.splitlines(), 1)
        if "# PLANTED:" in line
    ]


def script_codes(findings) -> set[str]:
    return {finding["code"] if isinstance(finding, dict) else finding.code for finding in findings} - {
        code
        for finding in findings
        for code in [finding["code"] if isinstance(finding, dict) else finding.code]
        if code.startswith("config:")
    }


def codes(text: str, filename: str = "train.py") -> list[tuple[int, str]]:
    return [
        (finding.line, finding.code)
        for finding in doctor_script(text, filename).findings
        if not finding.code.startswith("config:")
    ]


# -- the corpus, through the command line ------------------------------------------------------


def test_the_corpus_has_planted_and_clean_scripts():
    assert len(PLANTED_FILES) >= 8 and len(CLEAN_FILES) >= 3
    assert all(len(planted(path)) == 1 for path in PLANTED_FILES)
    assert not any(planted(path) for path in CLEAN_FILES)


@pytest.mark.parametrize("path", PLANTED_FILES, ids=lambda path: path.name)
def test_cli_reports_the_planted_mistake_at_its_line_and_nothing_else(path):
    [(cell, line, code)] = planted(path)
    result = run_cli(path, "--json")
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    assert all(JSON_KEYS <= set(finding) <= JSON_KEYS | {"severity"} for finding in findings)
    assert (cell, line, code) in [(finding["cell"], finding["line"], finding["code"]) for finding in findings]
    assert script_codes(findings) == {code}


@pytest.mark.parametrize("path", CLEAN_FILES, ids=lambda path: path.name)
def test_clean_scripts_give_no_script_level_finding(path):
    result = run_cli(path, "--json")
    assert result.returncode == 0, result.stderr
    assert script_codes(json.loads(result.stdout)) == set()


def test_notebook_finding_carries_its_cell_and_line_in_the_cell():
    report = doctor_script((SCRIPTS / "notebook_validation_augmented.ipynb").read_bytes(), "pets.ipynb")
    found = [(finding.cell, finding.line) for finding in report.findings if finding.code == "validation_augmented"]
    assert found == [(6, 8)]  # cell 6 of 6 (from 1, markdown cells count), line 8 of that cell
    assert [(call.cell, call.line, call.target) for call in report.calls] == [(4, 2, "datagen")]
    assert "cell_syntax_error" not in {finding.code for finding in report.findings}  # %matplotlib, !ls, datagen?


def test_cli_text_output_names_file_line_severity_code_and_fix():
    path = "tests/scripts/validation_split_subset.py"
    lines = run_cli(path).stdout.splitlines()
    assert any(
        line.startswith(f"{path}:19: warning: validation_augmented: val_gen takes subset='validation'")
        for line in lines
    )
    assert all(line.startswith(("tests/", "    fix: ")) for line in lines[:-1])
    findings = doctor_script((ROOT / path).read_text(), "validation_split_subset.py").findings
    warnings = sum(finding.severity == "warning" for finding in findings)
    assert (
        lines[-1] == f"1 ImageDataGenerator call found, {warnings} warning{'s' * (warnings != 1)}, "
        f"{len(findings) - warnings} note{'s' * (len(findings) - warnings != 1)}"
    )
    notebook = run_cli("tests/scripts/notebook_validation_augmented.ipynb").stdout
    assert "tests/scripts/notebook_validation_augmented.ipynb[cell 6]:8: warning: validation_augmented: " in notebook


def test_cli_text_output_says_note_for_notes():
    """A note must not read like a warning: the over-augmentation of the article's example 1 is a note."""
    path = "tests/scripts/clean_over_augmentation.py"
    lines = run_cli(path).stdout.splitlines()
    [over] = [line for line in lines if ": config:over_augmentation: " in line]
    assert over.startswith(f"{path}:8: note: config:over_augmentation: ")
    assert all(line.split(": ")[1] in ("warning", "note") for line in lines[:-1] if line.startswith("tests/"))


# -- the API, on inline scripts -----------------------------------------------------------------


def test_idg_call_records_target_literals_unreadable_and_config():
    text = HEAD + (
        "from tensorflow.keras.applications.mobilenet_v2 import preprocess_input\n"
        "train_datagen = ImageDataGenerator(rotation_range=20, zoom_range=[0.9, 1.0], "
        "preprocessing_function=preprocess_input, validation_split=0.2)\n"
    )
    [call] = doctor_script(text, "train.py").calls
    assert isinstance(call, IdgCall)
    assert (call.line, call.cell, call.target, call.error) == (3, None, "train_datagen", None)
    assert call.kwargs == {"rotation_range": 20, "zoom_range": [0.9, 1.0], "validation_split": 0.2}
    assert call.unreadable == {"preprocessing_function": "the name preprocess_input"}
    assert call.config == AugmentConfig(rotation_range=20, zoom_range=(0.9, 1.0))


def test_aliases_prefixes_constants_and_settings_dicts_are_followed():
    text = (
        "import tensorflow as tf\nfrom keras.preprocessing.image import ImageDataGenerator as IDG\n"
        "ROT = 15\nARGS = {'zoom_range': 0.1}\n"
        "a = IDG(rotation_range=ROT, **ARGS)\nb = tf.keras.preprocessing.image.ImageDataGenerator(rescale=1/255)\n"
    )
    calls = doctor_script(text, "train.py").calls
    assert [(call.target, call.kwargs) for call in calls] == [
        ("a", {"rotation_range": 15, "zoom_range": 0.1}),
        ("b", {"rescale": 1 / 255}),
    ]


def test_an_ImageDataGenerator_assigned_to_another_name_is_followed():
    text = "import tensorflow as tf\nIDG = tf.keras.preprocessing.image.ImageDataGenerator\ngen = IDG(zoom_range=0.1)\n"
    assert [(call.line, call.target) for call in doctor_script(text, "t.py").calls] == [(3, "gen")]


def test_magics_and_shell_lines_in_a_py_file_keep_the_line_numbers():
    text = "!pip install tensorflow\n%matplotlib inline\n" + HEAD + "d = ImageDataGenerator(zca_whitening=True)\n"
    assert codes(text) == [(4, "featurewise_without_fit")]


def test_findings_are_sorted_and_serialize_to_json():
    text = HEAD + "d = ImageDataGenerator(zoom_range=0.3, featurewise_center=True)\n"
    findings = doctor_script(text, "train.py").findings
    assert all(isinstance(finding, ScriptFinding) for finding in findings)
    assert [finding.line for finding in findings] == sorted(finding.line for finding in findings)
    assert "config:zoom_out" in {finding.code for finding in findings}  # the config doctor, per call
    assert set(findings[0].to_json()) == JSON_KEYS | {"severity"}


AUGMENTING = HEAD + (
    "train_datagen = ImageDataGenerator(rotation_range=30, horizontal_flip=True, validation_split=0.2)\n"
)
PLAIN = "val_datagen = ImageDataGenerator(rescale=1./255, validation_split=0.2)\n"


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "v = train_datagen.flow_from_directory('val')\nmodel.fit(t, validation_data=v)\n",
            [(4, "validation_augmented")],
        ),
        ("model.fit(t, validation_data=train_datagen.flow(x, y))\n", [(3, "validation_augmented")]),
        ("model.evaluate(train_datagen.flow(x, y, shuffle=False))\n", [(3, "validation_augmented")]),
        (
            "v = train_datagen.flow_from_directory('d', subset='validation')\nmodel.fit(t, validation_data=v)\n",
            [(3, "validation_augmented")],
        ),  # reported once, at the flow call
        (
            PLAIN + "v = val_datagen.flow_from_directory('d', subset='validation')\nmodel.fit(t, validation_data=v)\n",
            [],
        ),
        (PLAIN + "model.fit(train_datagen.flow(x, y), validation_data=val_datagen.flow(a, b))\n", []),
        ("t = train_datagen.flow_from_directory('d', subset='training')\nmodel.fit(t)\n", []),
    ],
    ids=["validation-data", "inline", "evaluate", "subset", "separate-subset", "separate", "training-subset"],
)
def test_validation_augmented(body, expected):
    assert codes(AUGMENTING + body) == expected


def test_validation_subset_of_a_rescale_only_generator_is_fine():
    text = HEAD + PLAIN + "v = val_datagen.flow_from_directory('d', subset='validation')\n"
    assert codes(text) == []


def test_validation_subset_message_says_first_fraction_and_fix_keeps_preprocessing():
    text = HEAD + (
        "gen = ImageDataGenerator(rescale=1./255, zoom_range=[0.8, 1.0], validation_split=0.25)\n"
        "val = gen.flow_from_directory('d', subset='validation')\n"
    )
    [finding] = [f for f in doctor_script(text, "t.py").findings if f.code == "validation_augmented"]
    assert "first 25%" in finding.message and "zoom_range=[0.8, 1]" in finding.message
    assert "ImageDataGenerator(rescale=1./255, validation_split=0.25)" in finding.fix


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "from tensorflow.keras.applications.resnet50 import preprocess_input as prep\n"
            "g = ImageDataGenerator(rescale=1/255, preprocessing_function=prep)\n",
            [(3, "rescale_and_preprocess_input")],
        ),
        (
            "import tensorflow as tf\ng = ImageDataGenerator(rescale=1./255, "
            "preprocessing_function=tf.keras.applications.mobilenet_v2.preprocess_input)\n",
            [(3, "rescale_and_preprocess_input")],
        ),
        (
            "from tensorflow.keras.applications.mobilenet_v2 import preprocess_input\n"
            "g = ImageDataGenerator(preprocessing_function=preprocess_input)\n",
            [],
        ),
        (
            "from tensorflow.keras.applications.mobilenet_v2 import preprocess_input\n"
            "g = ImageDataGenerator(rescale=None, preprocessing_function=preprocess_input)\n",
            [],
        ),
        ("g = ImageDataGenerator(rescale=1./255, preprocessing_function=my_grayscale)\n", []),
    ],
    ids=["alias", "attribute", "no-rescale", "rescale-none", "other-function"],
)
def test_rescale_and_preprocess_input(text, expected):
    assert codes(HEAD + text) == expected


def test_rescale_and_preprocess_input_message_gives_the_squeezed_range():
    text = HEAD + (
        "from tensorflow.keras.applications.mobilenet_v2 import preprocess_input\n"
        "g = ImageDataGenerator(rescale=1./255, preprocessing_function=preprocess_input)\n"
    )
    [finding] = [f for f in doctor_script(text, "t.py").findings if f.code == "rescale_and_preprocess_input"]
    assert "-1..1" in finding.message and "-0.003922..0.003922" in finding.message
    assert finding.fix.startswith("Remove rescale=1/255")


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "from tensorflow.keras.applications.resnet50 import preprocess_input\n"
            "from tensorflow.keras.applications import MobileNetV2\nx = preprocess_input(images)\nm = MobileNetV2()\n",
            [(4, "preprocess_input_family_mismatch")],
        ),
        (
            "from tensorflow.keras.applications import resnet50 as rn\nimport tensorflow as tf\n"
            "g = ImageDataGenerator(preprocessing_function=rn.preprocess_input)\n"
            "m = tf.keras.applications.EfficientNetB0(include_top=False)\n",
            [(4, "preprocess_input_family_mismatch")],
        ),
        (
            "from tensorflow.keras.applications.mobilenet_v2 import preprocess_input, MobileNetV2\n"
            "g = ImageDataGenerator(preprocessing_function=preprocess_input)\nm = MobileNetV2()\n",
            [],
        ),
        (
            "from tensorflow.keras.applications.vgg16 import preprocess_input\n"
            "from tensorflow.keras.applications import "
            "ResNet50\ng = ImageDataGenerator(preprocessing_function=preprocess_input)\nm = ResNet50()\n",
            [],
        ),
        (
            "from tensorflow.keras.applications.resnet50 import preprocess_input\n"
            "g = ImageDataGenerator(preprocessing_function=preprocess_input)\n",
            [],
        ),
    ],
    ids=["resnet50-with-mobilenetv2", "module-alias", "same-family", "same-caffe-mode", "no-model"],
)
def test_preprocess_input_family_mismatch(text, expected):
    assert codes(HEAD + text) == expected


def test_family_mismatch_fix_names_the_right_module():
    text = HEAD + (
        "from tensorflow.keras.applications.resnet50 import preprocess_input\n"
        "import tensorflow as tf\nbase = tf.keras.applications.MobileNetV2()\ny = preprocess_input(x)\n"
    )
    [finding] = [f for f in doctor_script(text, "t.py").findings if f.code == "preprocess_input_family_mismatch"]
    assert "MobileNetV2 (line 4)" in finding.message
    assert finding.fix == "Import preprocess_input from tensorflow.keras.applications.mobilenet_v2 instead."


@pytest.mark.parametrize(
    "text, expected",
    [
        ("d = ImageDataGenerator(featurewise_center=True)\nit = d.flow(x, y)\n", [(2, "featurewise_without_fit")]),
        ("d = ImageDataGenerator(zca_whitening=True)\n", [(2, "featurewise_without_fit")]),
        ("d = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)\nd.fit(x_train)\n", []),
        ("def make():\n    gen = ImageDataGenerator(featurewise_center=True)\n    gen.fit(x)\n    return gen\n", []),
    ],
    ids=["no-fit", "zca", "fit", "fit-in-function"],
)
def test_featurewise_without_fit(text, expected):
    assert codes(HEAD + text) == expected


SHUFFLE = HEAD + "test_datagen = ImageDataGenerator(rescale=1./255)\n"


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "t = test_datagen.flow_from_directory('test')\np = model.predict(t)\ny = t.classes\n"
            "print((p.argmax(1) == y).mean())\n",
            [(4, "shuffled_predict")],
        ),
        (
            "t = test_datagen.flow(x_test, y_test, shuffle=True)\np = model.predict(t)\nconfusion_matrix(y_test, p)\n",
            [(4, "shuffled_predict")],
        ),
        (
            "t = test_datagen.flow_from_directory('test')\n"
            "scores = model.predict(t)\nlabels = np.argmax(scores, axis=1)\n"
            "print(classification_report(t.classes, labels))\n",
            [(4, "shuffled_predict")],
        ),
        (
            "t = test_datagen.flow_from_directory('test')\n"
            "print(accuracy_score(t.classes, model.predict(t).argmax(1)))\n",
            [(4, "shuffled_predict")],
        ),
        (
            "t = test_datagen.flow_from_directory('test')\ny_pred = []\ny_pred.extend(model.predict(t).argmax(1))\n"
            "print(np.mean(np.array(y_pred) == t.classes))\n",
            [(5, "shuffled_predict")],
        ),
        (
            "t = test_datagen.flow_from_directory('test', shuffle=False)\np = model.predict(t)\ny = t.classes\n"
            "print((p.argmax(1) == y).mean())\n",
            [],
        ),
        ("t = test_datagen.flow_from_directory('test')\np = model.predict(t)\n", []),
        ("t = test_datagen.flow_from_directory('test')\nmodel.evaluate(t)\ny = t.classes\n", []),
        # Predictions of a shuffling iterator that never meet labels, in a file that uses .classes elsewhere.
        (
            "t = test_datagen.flow_from_directory('test')\np = model.predict(t)\nplt.imshow(p[0])\n"
            "v = test_datagen.flow_from_directory('val', shuffle=False)\nprint(confusion_matrix(v.classes, "
            "model.predict(v).argmax(1)))\n",
            [],
        ),
        (
            "t = test_datagen.flow_from_directory('test')\np = model.predict(t)\nnames = list(t.class_indices)\n"
            "print(len(t.classes))\n",
            [],
        ),
    ],
    ids=[
        "classes",
        "metric",
        "through-names",
        "inline",
        "appended",
        "shuffle-false",
        "no-labels",
        "evaluate",
        "predicted-never-compared",
        "classes-never-meet-predictions",
    ],
)
def test_shuffled_predict(body, expected):
    assert codes(SHUFFLE + body) == expected


MASKS = HEAD + "args = dict(rotation_range=90, zoom_range=0.2)\nimage_datagen = ImageDataGenerator(**args)\n"


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "mask_datagen = ImageDataGenerator(**args)\nimage_it = image_datagen.flow(x, seed=1)\n"
            "mask_it = mask_datagen.flow(y, seed=1)\ntrain = zip(image_it, mask_it)\n",
            [],
        ),
        (
            "mask_datagen = ImageDataGenerator(**args)\nimage_it = image_datagen.flow(x, seed=1)\n"
            "mask_it = mask_datagen.flow(y)\ntrain = zip(image_it, mask_it)\n",
            [(7, "mask_pair_mismatch")],
        ),
        (
            "mask_datagen = ImageDataGenerator(**args)\nSEED = 3\ntrain = zip(image_datagen.flow(x, seed=SEED), "
            "mask_datagen.flow(y, seed=4))\n",
            [(6, "mask_pair_mismatch")],
        ),
        (
            "mask_datagen = ImageDataGenerator(rotation_range=90)\nimage_gen = image_datagen.flow(x, seed=1)\n"
            "mask_gen = mask_datagen.flow(y, seed=1)\n",
            [(6, "mask_pair_mismatch")],
        ),
        ("img_it = image_datagen.flow(x, seed=7)\nlabel_it = image_datagen.flow(y, seed=7)\n", []),
    ],
    ids=["same", "seed-missing", "seeds-differ", "zoom-differs-by-name", "one-generator"],
)
def test_mask_pair_mismatch(body, expected):
    assert codes(MASKS + body) == expected


def test_mask_pair_message_names_what_differs():
    text = MASKS + (
        "mask_datagen = ImageDataGenerator(rotation_range=90)\n"
        "train = zip(image_datagen.flow(x, seed=1), mask_datagen.flow(y, seed=2))\n"
    )
    [finding] = [f for f in doctor_script(text, "t.py").findings if f.code == "mask_pair_mismatch"]
    assert "their seeds differ (1 and 2)" in finding.message and "zoom_range differs (0.2 and 0)" in finding.message


@pytest.mark.parametrize(
    "text, expected",
    [
        ("d = ImageDataGenerator(horizontal_flip='False')\n", [(2, "string_flag")]),
        ("d = ImageDataGenerator(vertical_flip='True', samplewise_center=False)\n", [(2, "string_flag")]),
        ("d = ImageDataGenerator(horizontal_flip=False)\n", []),
    ],
)
def test_string_flag(text, expected):
    assert codes(HEAD + text) == expected


def test_string_false_counts_as_on_as_idg_counts_it():
    report = doctor_script(HEAD + "d = ImageDataGenerator(horizontal_flip='False')\n", "t.py")
    assert report.calls[0].config.horizontal_flip is True
    [finding] = [f for f in report.findings if f.code == "string_flag"]
    assert "on although it says False" in finding.message
    assert finding.fix == "Write horizontal_flip=False without quotes."


def test_settings_idg_refuses_and_arguments_that_are_not_literals():
    text = HEAD + (
        "a = ImageDataGenerator(brightness_range=0.2)\nb = ImageDataGenerator(rotation_range=get_rotation())\n"
    )
    report = doctor_script(text, "t.py")
    assert report.calls[0].config is None and "brightness_range" in report.calls[0].error
    assert codes(text) == [(2, "idg_refuses"), (3, "not_a_literal")]
    [note] = [f for f in report.findings if f.code == "not_a_literal"]
    assert note.severity == "note" and "rotation_range (a call of get_rotation)" in note.message


def test_an_argument_idg_does_not_know_is_refused_with_a_suggestion():
    text = HEAD + "a = ImageDataGenerator(rotation_rang=20, horizontal_flip=True)\n"
    report = doctor_script(text, "t.py")
    assert report.calls[0].config is None
    assert "rotation_rang is not an ImageDataGenerator setting (did you mean rotation_range?)" in report.calls[0].error
    assert codes(text) == [(2, "idg_refuses")]
    assert codes(HEAD + "a = ImageDataGenerator(validation_split=0.2, dtype='float32', data_format=None)\n") == []


def test_a_preprocessing_function_by_name_is_expected_not_reported():
    assert codes(HEAD + "d = ImageDataGenerator(preprocessing_function=my_function)\n") == []


def test_notebook_cells_with_string_or_list_sources_and_a_broken_cell():
    cells = [
        {"cell_type": "markdown", "source": "# title"},
        {"cell_type": "code", "source": ["%load_ext autoreload\n", HEAD]},
        {"cell_type": "code", "source": "def broken(:\n"},
        {"cell_type": "code", "source": "files = !ls\nd = ImageDataGenerator(featurewise_center=True)\n"},
    ]
    report = doctor_script(json.dumps({"cells": cells, "nbformat": 4}), "nb.ipynb")
    found = [(finding.cell, finding.line, finding.code) for finding in report.findings]
    assert found == [(3, 1, "cell_syntax_error"), (4, 2, "featurewise_without_fit")]


# -- the training size (target_size, in Keras's (height, width) order) ----------------------------

SIZED = HEAD + "gen = ImageDataGenerator(rotation_range=10)\n"


def target_sizes(text: str, filename: str = "train.py") -> tuple:
    report = doctor_script(text, filename)
    assert len(report.target_sizes) == len(report.calls)
    return report.target_sizes


@pytest.mark.parametrize(
    "body, expected",
    [
        ("it = gen.flow_from_directory('d', target_size=(120, 160))\n", (120, 160)),
        ("it = gen.flow_from_directory('d', target_size=[224, 224])\n", (224, 224)),
        ("IMG_SIZE = (150, 150)\nit = gen.flow_from_directory('d', target_size=IMG_SIZE)\n", (150, 150)),
        (
            "IMG_H, IMG_W = 0, 0\nIMG_H = 96\nIMG_W = 128\n"
            "it = gen.flow_from_directory('d', target_size=(IMG_H, IMG_W))\n",
            None,
        ),  # assigned twice: not constants
        ("IMG_H = 96\nIMG_W = 128\nit = gen.flow_from_directory('d', target_size=(IMG_H, IMG_W))\n", (96, 128)),
        ("H = 64\nSIZE = (H, 2 * 64)\nit = gen.flow_from_dataframe(df, 'imgs', target_size=SIZE)\n", (64, 128)),
        ("it = gen.flow_from_directory('d', (100, 50))\n", (100, 50)),
        ("it = gen.flow_from_dataframe(df, 'imgs', 'file', 'label', None, (32, 48))\n", (32, 48)),
        ("FLOW = dict(target_size=(299, 299), batch_size=8)\nit = gen.flow_from_directory('d', **FLOW)\n", (299, 299)),
        ("it = gen.flow_from_directory('d', **{'batch_size': 8})\n", (256, 256)),
    ],
    ids=[
        "tuple",
        "list",
        "constant",
        "constants-reassigned",
        "constant-pair",
        "constants-in-a-constant",
        "positional",
        "dataframe-positional",
        "settings-dict",
        "dict-without-size",
    ],
)
def test_target_size_is_read_as_the_reader_reads_literals(body, expected):
    assert target_sizes(SIZED + body) == (expected,)


@pytest.mark.parametrize(
    "body",
    [
        "it = gen.flow_from_directory('data/train')\n",
        "it = gen.flow_from_dataframe(df, directory='imgs', x_col='path', y_col='label')\n",
        "a = gen.flow_from_directory('d', subset='training')\nb = gen.flow_from_dataframe(df, subset='validation')\n",
    ],
    ids=["directory", "dataframe", "both"],
)
def test_flow_from_files_without_target_size_is_idgs_default(body):
    assert target_sizes(SIZED + body) == ((256, 256),)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("", None),  # never flowed
        ("it = gen.flow(x_train, y_train, batch_size=32)\n", None),  # arrays: no target size
        ("it = gen.flow(x, y)\nfiles = gen.flow_from_directory('d', target_size=(64, 64))\n", (64, 64)),
        (
            "t = gen.flow_from_directory('d', target_size=(64, 64), subset='training')\n"
            "v = gen.flow_from_directory('d', target_size=(64, 64), subset='validation')\n",
            (64, 64),
        ),
        (
            "t = gen.flow_from_directory('train', target_size=(64, 64))\n"
            "v = gen.flow_from_directory('val', target_size=(128, 128))\n",
            None,
        ),  # several sizes: unknown
        (
            "t = gen.flow_from_directory('train', target_size=(256, 256))\nv = gen.flow_from_directory('val')\n",
            (256, 256),
        ),  # the default is the same size
        ("t = gen.flow_from_directory('train', target_size=(64, 64))\nv = gen.flow_from_directory('val')\n", None),
        ("def load(size):\n    return gen.flow_from_directory('d', target_size=size)\n", None),  # an argument
        ("it = gen.flow_from_directory('d', target_size=get_size())\n", None),
        ("S = 224\nit = gen.flow_from_directory('d', target_size=(S // 2, S // 2))\n", None),  # // is not evaluated
        ("H = 64\nit = gen.flow_from_directory('d', target_size=(H, H * 2))\n", None),  # arithmetic on a name
        ("it = gen.flow_from_directory('d', target_size=(224 / 2, 112))\n", None),  # a float
        ("SHAPE = (224, 224, 3)\nit = gen.flow_from_directory('d', target_size=SHAPE)\n", None),
        ("it = gen.flow_from_directory('d', target_size=224)\n", None),
        ("it = gen.flow_from_directory('d', target_size=(True, 3))\n", None),
        ("it = gen.flow_from_directory('d', **flow_args)\n", None),  # may hold target_size
        ("it = gen.flow_from_directory(*args)\n", None),
        ("it = gen.flow_from_directory('d', **flow_args, target_size=(32, 32))\n", (32, 32)),
    ],
    ids=[
        "never-flowed",
        "flow",
        "flow-and-directory",
        "same-twice",
        "different",
        "default-same",
        "default-differs",
        "function-argument",
        "call",
        "floor-division",
        "name-arithmetic",
        "float",
        "three-numbers",
        "an-int",
        "bool",
        "unknown-dict",
        "starred",
        "named-beside-unknown-dict",
    ],
)
def test_target_size_unknown_is_none_and_never_guessed(body, expected):
    assert target_sizes(SIZED + body) == (expected,)


def test_target_sizes_are_parallel_to_the_calls():
    text = HEAD + (
        "IMG_SIZE = (180, 180)\n"
        "train_datagen = ImageDataGenerator(rotation_range=20)\n"
        "plain = ImageDataGenerator(rescale=1/255)\n"
        "unused = ImageDataGenerator(zoom_range=0.1)\n"
        "train = train_datagen.flow_from_directory('train', target_size=IMG_SIZE)\n"
        "val = plain.flow_from_directory('val')\n"
        "test = ImageDataGenerator(rescale=1/255).flow_from_directory('test', target_size=(28, 28))\n"
    )
    report = doctor_script(text, "train.py")
    assert [call.target for call in report.calls] == ["train_datagen", "plain", "unused", None]
    assert report.target_sizes == ((180, 180), (256, 256), None, (28, 28))


def test_target_sizes_of_corpus_scripts_and_notebooks():
    report = doctor_script((SCRIPTS / "clean_transfer_learning.py").read_text(), "clean_transfer_learning.py")
    assert report.target_sizes == ((224, 224), (224, 224))
    notebook = doctor_script((SCRIPTS / "notebook_validation_augmented.ipynb").read_bytes(), "pets.ipynb")
    assert notebook.target_sizes == ((160, 160),)
    cells = [
        {"cell_type": "code", "source": [HEAD, "IMG_H = 72\n", "IMG_W = 96\n"]},
        {"cell_type": "markdown", "source": "## Data"},
        {
            "cell_type": "code",
            "source": "gen = ImageDataGenerator(horizontal_flip=True)\n"
            "it = gen.flow_from_directory('d', target_size=(IMG_H, IMG_W))\n",
        },
    ]
    assert target_sizes(json.dumps({"cells": cells, "nbformat": 4}), "nb.ipynb") == ((72, 96),)


# -- hostile input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, words",
    [
        (b"x = 1\n" * 200_000, "too large"),
        ("(" * 100_000, "line 1"),
        ("x = " + "[" * 5000 + "]" * 5000, "line 1"),
        ("x = " + "-" * 200_000 + "1", "nested too deeply"),
        ("x = " + "1+" * 200_000 + "1", "nested too deeply"),
        ("import os\nx = (\n", "line 2"),
        (b"x = 1\n\xff\xfe\n", "not UTF-8"),
        ("x = 1\x00\n", "null bytes"),
        (12345, "expected the file's bytes or text"),
    ],
    ids=["over-1-mb", "parentheses", "lists", "unary", "binary", "syntax-error", "not-utf8", "null-bytes", "not-text"],
)
def test_unreadable_scripts_are_input_errors_with_one_line(data, words):
    with pytest.raises(InputError) as caught:
        doctor_script(data, "train.py")
    assert words in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "text, words",
    [
        ("{", "JSON cannot be read (line 1"),
        ("[" * 100_000, "cannot be read"),
        ('{"cells": 3}', "no list of cells"),
        ("[1, 2]", "no list of cells"),
        ('{"cells": [{"cell_type": "code", "source": 7}]}', "cell 1"),
        ('{"cells": [{"cell_type": "code", "source": "x = 1\\u0000"}]}', "cell 1"),
        ('{"cells": [{"cell_type": "code", "source": "x = ' + "-" * 200_000 + '1"}]}', "cell 1 is nested too deeply"),
    ],
)
def test_broken_notebooks_are_input_errors(text, words):
    with pytest.raises(InputError) as caught:
        doctor_script(text, "nb.ipynb")
    assert words in str(caught.value)


def payloads(target: Path) -> list[str]:
    """Scripts that would create `target` if anything ran them."""
    return [
        f"open({str(target)!r}, 'w').write('pwned')\n",
        HEAD + f"d = ImageDataGenerator(rotation_range=open({str(target)!r}, 'w').write('x'))\n",
        HEAD + f"d = ImageDataGenerator(preprocessing_function=__import__('os').system('touch {target}'))\n",
        f"__import__('os').system('touch {target}')\nx = (\n",  # and a syntax error
        f"import os\nos.system('touch {target}')\n",
    ]


def test_payloads_are_never_run(tmp_path):
    target = tmp_path / "explorer_doctor_pwned"
    for text in payloads(target):
        try:
            doctor_script(text, "evil.py")
        except InputError:
            pass
        cell = {"cell_type": "code", "source": text}
        doctor_script(json.dumps({"cells": [cell]}), "evil.ipynb")
        assert not target.exists()


def test_the_doctor_has_no_way_to_run_code():
    """No eval, exec, compile or import machinery in the script doctor's own source."""
    for name in ("script.py", "script_rules.py", "script_facts.py", "script_flow.py", "script_source.py"):
        tree = ast.parse((ROOT / "explorer" / "diagnostics" / name).read_text())
        called = {
            node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        assert not called & {"eval", "exec", "compile", "__import__"}
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert not imported & {"importlib", "runpy", "subprocess", "os"}


def test_cli_refuses_hostile_files_with_exit_2_and_one_error_line(tmp_path):
    target = tmp_path / "explorer_doctor_pwned"
    files = {
        "big.py": b"x = 1\n" * 200_000,
        "deep.py": b"x = " + b"-" * 200_000 + b"1",
        "parens.py": b"(" * 100_000,
        "bad.py": b"x = (\n",
        "latin1.py": b"x = '\xe9'\n",
        "broken.ipynb": b'{"cells": [',
        "evil.py": f"__import__('os').system('touch {target}')\ndef f(:\n".encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        result = run_cli(tmp_path / name)
        assert result.returncode == 2, name
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""
    assert not target.exists()
    missing = run_cli(tmp_path / "missing.py")
    assert missing.returncode == 2 and missing.stderr == f"error: {tmp_path / 'missing.py'}: no such file\n"


def test_cli_runs_payload_scripts_without_running_them(tmp_path):
    target = tmp_path / "explorer_doctor_pwned"
    for index, text in enumerate(payloads(target)[:3]):
        (tmp_path / f"evil{index}.py").write_text(text)
        assert run_cli(tmp_path / f"evil{index}.py", "--json").returncode == 0
    assert not target.exists()


# -- fixes pass the doctor ------------------------------------------------------------------------

from explorer.diagnostics.script_rules import apply_edits  # noqa: E402

# Findings whose fix is advice, not an edit: the value IDG would accept, the literal to write or the
# cell's syntax are the user's to choose. (The config doctor's notes without a change are advice too.)
ADVICE_ONLY = {"idg_refuses", "not_a_literal", "cell_syntax_error"}
PREPROCESS = "from tensorflow.keras.applications.mobilenet_v2 import preprocess_input, MobileNetV2\n"
FIX_SCRIPTS = {
    "rescale-beside-preprocess-input-in-validation": HEAD
    + PREPROCESS
    + (
        "train_datagen = ImageDataGenerator(preprocessing_function=preprocess_input, rotation_range=20)\n"
        "val_datagen = ImageDataGenerator(rescale=1./255, preprocessing_function=preprocess_input, "
        "rotation_range=20, zoom_range=[0.8, 1.0])\n"
        "train = train_datagen.flow_from_directory('train', target_size=(224, 224))\n"
        "val = val_datagen.flow_from_directory('val', target_size=(224, 224))\n"
        "model = MobileNetV2()\nmodel.fit(train, validation_data=val)\n"
    ),
    "settings-from-a-dict": HEAD
    + (
        "data_gen_args = dict(\n    rescale=1./255,\n    rotation_range=20,\n    horizontal_flip=True,\n)\n"
        "datagen = ImageDataGenerator(**data_gen_args)\n"
        "train = datagen.flow_from_directory('train')\nval = datagen.flow_from_directory('val')\n"
        "model.fit(train, validation_data=val)\n"
    ),
    "subsets-without-split": HEAD
    + (
        "datagen = ImageDataGenerator(rescale=1./255, rotation_range=15)\n"
        "train = datagen.flow_from_directory('d', subset='training')\n"
        "val = datagen.flow_from_directory('d', subset='validation')\n"
        "model.fit(train, validation_data=val)\n"
    ),
    "odd-values": HEAD
    + (
        "d = ImageDataGenerator(rotation_range=0.2, shear_range=0.2, width_shift_range=5, "
        "height_shift_range=[-2, 0.5], horizontal_flip='False', zoom_range=1.5, channel_shift_range=0.1, "
        "brightness_range=[0.1, 1], "
        "interpolation_order=3, samplewise_std_normalization=True)\nit = d.flow(x, y)\nmodel.fit(it)\n"
    ),
    "odd-values-in-a-dict": HEAD
    + (
        "ARGS = {'rotation_range': -0.5, 'zoom_range': [1.2, 0.8], 'rescale': 0, 'width_shift_range': -3}\n"
        "d = ImageDataGenerator(**ARGS)\nmodel.fit(d.flow(x, y))\n"
        "flips = ImageDataGenerator(fill_mode='bogus', horizontal_flip=True)\n"
    ),
    "featurewise-without-a-name": HEAD
    + (
        "def train():\n    gen = ImageDataGenerator(featurewise_center=True, zca_whitening=True)\n"
        "    model.fit(gen.flow(x, y))\n"
        "model.fit(ImageDataGenerator(featurewise_std_normalization=True).flow(x, y))\n"
    ),
    "masks-out-of-step": HEAD
    + (
        "args = {'rotation_range': 90, 'zoom_range': 0.2}\nimage_datagen = ImageDataGenerator(**args)\n"
        "mask_datagen = ImageDataGenerator(rotation_range=90, horizontal_flip=True)\n"
        "image_it = image_datagen.flow(x, seed=1, shuffle=False)\nmask_it = mask_datagen.flow(y, seed=2)\n"
        "train = zip(image_it, mask_it)\n"
    ),
    "shuffled-predict-without-arguments": HEAD
    + (
        "it = ImageDataGenerator().flow_from_directory('test',)\np = model.predict(it)\n"
        "print(confusion_matrix(it.classes, p.argmax(1)))\n"
    ),
}


def _fixed(text: str, filename: str, edits) -> str:
    """The script (or notebook) with the edits made."""
    if not filename.endswith(".ipynb"):
        return apply_edits(text, edits)
    notebook = json.loads(text)
    for number, cell in enumerate(notebook["cells"], start=1):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = apply_edits(source, edits, number)
    return json.dumps(notebook)


def _fix_cases():
    real = sorted(path for path in (ROOT / "tests" / "corpus").glob("*") if path.suffix in (".py", ".ipynb"))
    cases = [(path.name, path.read_text()) for path in [*CORPUS, *real]]
    cases += [(f"{name}.py", text) for name, text in FIX_SCRIPTS.items()]
    return cases


@pytest.mark.parametrize("filename, text", _fix_cases(), ids=[name for name, _ in _fix_cases()])
def test_every_fix_applied_to_its_script_draws_no_warning_for_its_code_and_no_new_warning(filename, text):
    before = doctor_script(text, filename).findings
    warned = {finding.code for finding in before if finding.severity == "warning"}
    for finding in before:
        if not finding.edits:
            assert finding.code in ADVICE_ONLY or finding.severity == "note", finding
            continue
        after = doctor_script(_fixed(text, filename, finding.edits), filename).findings
        still = {f.code for f in after if f.severity == "warning"}
        assert still <= warned, (finding.code, finding.fix, still - warned)
        if finding.severity == "warning":
            assert sum(f.code == finding.code for f in after) < sum(f.code == finding.code for f in before), (
                finding.code,
                _fixed(text, filename, finding.edits),
            )


def test_every_script_rule_has_a_fix_that_is_tested():
    """Each warning code of the script doctor is exercised by the fix test above, with an edit."""
    edited = {
        finding.code
        for name, text in _fix_cases()
        for finding in doctor_script(text, name).findings
        if finding.edits and not finding.code.startswith("config:")
    }
    assert edited >= {
        "validation_augmented",
        "subset_without_split",
        "rescale_and_preprocess_input",
        "featurewise_without_fit",
        "shuffled_predict",
        "mask_pair_mismatch",
        "string_flag",
        "preprocess_input_family_mismatch",
    }


def test_validation_fix_does_not_bring_back_the_double_scaling_beside_it():
    text = FIX_SCRIPTS["rescale-beside-preprocess-input-in-validation"]
    [finding] = [f for f in doctor_script(text, "t.py").findings if f.code == "validation_augmented"]
    assert "ImageDataGenerator(preprocessing_function=preprocess_input)" in finding.fix
    assert "rescale" not in finding.fix
    fixed = _fixed(text, "t.py", finding.edits)
    assert "val = ImageDataGenerator(preprocessing_function=preprocess_input).flow_from_directory('val'" in fixed


def test_validation_fix_keeps_the_rescale_of_a_dict_of_settings():
    text = FIX_SCRIPTS["settings-from-a-dict"]
    [finding] = [f for f in doctor_script(text, "t.py").findings if f.code == "validation_augmented"]
    assert "ImageDataGenerator(rescale=1./255)" in finding.fix
    fixed = _fixed(text, "t.py", finding.edits)
    assert "val = ImageDataGenerator(rescale=1./255).flow_from_directory('val')" in fixed
    report = doctor_script(fixed, "t.py")
    assert [call.kwargs for call in report.calls][-1] == {"rescale": 1 / 255}  # validation on 0..1, as training


def test_a_config_fix_edits_the_dict_the_settings_come_from():
    text = FIX_SCRIPTS["odd-values-in-a-dict"]
    [finding] = [f for f in doctor_script(text, "t.py").findings if f.code == "config:rotation_invisible"]
    fixed = _fixed(text, "t.py", finding.edits)
    assert "'rotation_range': 180.0" in fixed and "d = ImageDataGenerator(**ARGS)" in fixed


# -- misses and false alarms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "g = ImageDataGenerator(rescale=1./255)\nv = g.flow_from_directory('d', subset='validation')\n",
            [(3, "subset_without_split")],
        ),
        (
            "g = ImageDataGenerator(rescale=1./255, validation_split=0)\n"
            "t = g.flow_from_directory('d', subset='training')\n",
            [(3, "subset_without_split")],
        ),
        ("g = ImageDataGenerator()\nv = g.flow(x, y, subset='validation')\n", [(3, "subset_without_split")]),
        (
            "g = ImageDataGenerator(rotation_range=10)\nv = g.flow_from_directory('d', subset='validation')\n",
            [(3, "subset_without_split")],
        ),  # said once: the empty subset, with the plain generator in its fix
        (
            "g = ImageDataGenerator(rescale=1./255, validation_split=0.2)\n"
            "v = g.flow_from_directory('d', subset='validation')\n",
            [],
        ),
        (
            "g = ImageDataGenerator(rescale=1./255, **settings)\nv = g.flow_from_directory('d', subset='validation')\n",
            [(2, "not_a_literal")],
        ),
        (
            "g = ImageDataGenerator(validation_split=SPLIT)\nv = g.flow_from_directory('d', subset='validation')\n",
            [(2, "not_a_literal")],
        ),
    ],
    ids=["validation", "training-split-zero", "flow", "augmenting", "with-split", "unknown-dict", "split-by-name"],
)
def test_subset_without_validation_split(body, expected):
    assert codes(HEAD + body) == expected


def test_subset_without_split_says_what_idg_does():
    text = HEAD + "g = ImageDataGenerator(rotation_range=10)\nv = g.flow_from_directory('d', subset='validation')\n"
    [finding] = [f for f in doctor_script(text, "t.py").findings if f.code == "subset_without_split"]
    assert finding.severity == "warning" and "finds 0 images" in finding.message
    assert "validation_split=0.2" in finding.fix and "ImageDataGenerator(validation_split=0.2)" in finding.fix


def test_rotation_below_one_degree_is_a_warning_in_the_script_doctor_too():
    report = doctor_script(HEAD + "d = ImageDataGenerator(rotation_range=0.2)\n", "t.py")
    [finding] = [f for f in report.findings if f.code == "config:rotation_invisible"]
    assert (finding.line, finding.severity) == (2, "warning")
    assert "0.2°" in finding.message and "RandomRotation(factor=0.2)" in finding.message


def test_over_augmentation_is_a_note_that_says_to_measure_it():
    """Chollet's cats-vs-dogs config, which helped there."""
    text = HEAD + (
        "train_datagen = ImageDataGenerator(rescale=1./255, rotation_range=40, width_shift_range=0.2, "
        "height_shift_range=0.2, shear_range=0.2, zoom_range=0.2, horizontal_flip=True)\n"
    )
    [finding] = [f for f in doctor_script(text, "t.py").findings if f.code == "config:over_augmentation"]
    assert finding.severity == "note" and "depends on the data" in finding.message
    assert "Train and compare" in finding.fix and "python -m explorer ablate" in finding.fix


SHIFTED = "d = ImageDataGenerator(width_shift_range=0.2, height_shift_range=0.1)\n"


@pytest.mark.parametrize(
    "head, shown, words",
    [
        (HEAD, True, "Keras 2.2-2.8 and keras-preprocessing 1.1.2 did not"),
        ("# requirements: keras==2.2.4\nfrom keras.preprocessing.image import ImageDataGenerator\n", False, None),
        ("!pip install tensorflow==2.4.1\n" + HEAD, False, None),
        ("from keras_preprocessing.image import ImageDataGenerator\n", False, None),
        ("!pip install keras-preprocessing==1.1.2\n" + HEAD, False, None),
        ("# tensorflow==2.12.0\n" + HEAD, True, "With tensorflow==2.12.0: "),
        ("# keras==2.2.4\n# tensorflow==2.12.0\n" + HEAD, True, "Keras 2.2-2.8"),  # the script says two things
    ],
    ids=[
        "unsaid",
        "keras-2.2.4",
        "tf-2.4",
        "keras-preprocessing-import",
        "keras-preprocessing-pin",
        "tf-2.12",
        "conflicting",
    ],
)
def test_shift_axes_note_follows_the_keras_the_script_says_it_runs(head, shown, words):
    found = [f for f in doctor_script(head + SHIFTED, "t.py").findings if f.code == "config:shift_axes_swapped"]
    assert bool(found) == shown
    if shown:
        assert found[0].severity == "note" and words in found[0].message
