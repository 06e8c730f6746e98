"""Taking a Keras 3 augmentation stack in: found in every form and import spelling, arguments
bound as Keras binds them, refused with Keras's own words (checked against the real layers),
placements and line numbers read from realistic scripts (tests/scripts/keras3/, where each
expectation is a `# LAYER:`, `# FINDING:` or `# PLACED:` marker on its line), hostile text
refused with a message, and `Stack.code()` read back to an equal stack."""

from __future__ import annotations

import dataclasses
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from explorer import InputError
from explorer.augment.keras3 import LAYERS, KerasArgumentError, KerasLayer, Stack
from explorer.interchange.keras_placement import CALLED, IN_MAP, IN_MODEL, Placement
from explorer.interchange.keras_source import KERAS_IMAGE_LAYERS, MAX_DEPTH
from explorer.interchange.keras_stack import (
    FUNCTIONAL,
    HEAD_ENDS,
    LIST,
    MAX_CHARS,
    MODEL_HEAD,
    NOT_REPRODUCED,
    REFUSED,
    SEQUENTIAL,
    SEVERAL,
    UNRESOLVED,
    find_stacks,
    parse_stack,
    stack_from_file,
)

SCRIPTS = Path(__file__).resolve().parent / "scripts" / "keras3"
CORPUS = sorted(SCRIPTS.glob("*.py"))
MARKER = re.compile(r"(LAYER|FINDING|PLACED): (\w+(?: validation)?)")
NEEDED = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness")
needs_layers = pytest.mark.skipif(
    not set(NEEDED) <= set(LAYERS), reason=f"the reproduced layers are not all in yet: {set(NEEDED) - set(LAYERS)}"
)


def markers(path: Path) -> dict[str, list[tuple[int, str]]]:
    found = {"LAYER": [], "FINDING": [], "PLACED": []}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        comment = line.split("#", 1)[1] if "#" in line else ""
        for kind, value in MARKER.findall(comment):
            found[kind].append((number, value))
    return found


def names_and_lines(parsed) -> list[tuple[int, str]]:
    return [(layer.line, layer.layer.layer_name()) for layer in parsed.layers]


# -- a test-only layer, so that binding does not depend on which real layers exist ------------


@dataclass(frozen=True)
class FakeFlip(KerasLayer):
    keras_name = "RandomFlip"
    mode: str = "horizontal_and_vertical"
    seed: int | None = None
    data_format: str | None = None

    def __post_init__(self):
        if self.mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise KerasArgumentError("RandomFlip", f"bad mode {self.mode}")


@dataclass(frozen=True)
class FakeRotation(KerasLayer):
    keras_name = "RandomRotation"
    factor: float | tuple
    fill_mode: str = "reflect"


FAKE = {"RandomFlip": FakeFlip, "RandomRotation": FakeRotation}


def test_binding_works_over_any_registry_of_dataclasses():
    parsed = parse_stack("keras.Sequential([RandomFlip('vertical', 3), RandomRotation(0.2, 'nearest')])", layers=FAKE)
    assert parsed.stack == Stack((FakeFlip("vertical", 3), FakeRotation(0.2, "nearest")))
    assert parsed.findings == ()


def test_a_keras_layer_outside_the_registry_is_a_not_reproduced_finding_and_the_rest_is_taken():
    parsed = parse_stack(
        "s = keras.Sequential([\n  RandomFlip(),\n  RandomZoom(0.2),\n])", layers={"RandomFlip": FakeFlip}
    )
    assert [layer.layer for layer in parsed.layers] == [FakeFlip()]
    [finding] = parsed.findings
    assert (finding.line, finding.code, finding.layer) == (3, NOT_REPRODUCED, "RandomZoom")
    assert "line 3" in finding.message and "RandomZoom" in finding.message


def test_a_refused_value_is_a_finding_with_the_layers_reason_and_the_next_layers_are_taken():
    parsed = parse_stack("[\n RandomFlip('sideways'),\n RandomRotation(0.1),\n]", layers=FAKE)
    assert [layer.layer for layer in parsed.layers] == [FakeRotation(0.1)]
    assert [(f.line, f.code) for f in parsed.findings] == [(2, REFUSED)]
    assert parsed.findings[0].message == "line 2: keras.layers.RandomFlip: bad mode sideways"


# -- the corpus: realistic scripts, expectations marked on their lines ------------------------


def test_the_corpus_has_each_form():
    assert len(CORPUS) >= 6
    forms = {parse_stack(path.read_text()).form for path in CORPUS}
    assert forms == {SEQUENTIAL, LIST, MODEL_HEAD, FUNCTIONAL}


@needs_layers
@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.stem)
def test_script_gives_the_marked_layers_findings_and_placements_at_their_lines(path):
    expected = markers(path)
    parsed = parse_stack(path.read_text())
    assert names_and_lines(parsed) == expected["LAYER"]
    assert [(f.line, f.code) for f in parsed.findings] == expected["FINDING"]
    assert all(f"line {f.line}" in f.message for f in parsed.findings)
    placed = [(p.line, p.kind + (" validation" if p.augments_validation else "")) for p in parsed.placements]
    assert placed == expected["PLACED"]


@needs_layers
def test_the_tf_data_script_augments_validation_and_says_where():
    parsed = parse_stack((SCRIPTS / "tf_data_map_validation.py").read_text())
    [trap] = parsed.augments_validation
    assert (trap.dataset, trap.training, trap.kind) == ("val_ds", True, IN_MAP)
    rotation = parsed.layers[1].layer
    assert rotation.factor == pytest.approx(20 / 360) and rotation.fill_mode == "nearest"
    translation = parsed.layers[2].layer
    assert (translation.height_factor, translation.width_factor, translation.fill_mode) == (0.1, -0.1, "constant")
    assert parsed.layers[0].layer.seed == 42
    assert parsed.layers[4].layer == LAYERS["RandomContrast"](0.2)


@needs_layers
def test_common_keyword_arguments_are_kept_aside_and_do_not_change_the_layer():
    parsed = parse_stack((SCRIPTS / "refusals.py").read_text())
    zoom = next(layer for layer in parsed.layers if layer.layer.layer_name() == "RandomZoom")
    assert zoom.layer == LAYERS["RandomZoom"](0.3)
    assert zoom.common == (("name", '"zoom"'), ("trainable", "False"))


@needs_layers
def test_a_mid_model_augmentation_layer_is_not_part_of_the_functional_head():
    stacks = find_stacks((SCRIPTS / "functional_head.py").read_text())
    assert [stack.form for stack in stacks] == [FUNCTIONAL]
    assert 13 not in [layer.line for layer in stacks[0].layers]


# -- every form and import spelling ---------------------------------------------------------

FLIP_ROTATE = {
    "keras.Sequential": "import keras\ns = keras.Sequential([keras.layers.RandomFlip('horizontal'), "
    "keras.layers.RandomRotation(0.1)])",
    "tf.keras.Sequential": "import tensorflow as tf\ns = tf.keras.Sequential([tf.keras.layers.RandomFlip("
    "'horizontal'), tf.keras.layers.RandomRotation(0.1)])",
    "keras.models.Sequential": "from tensorflow import keras\ns = keras.models.Sequential([keras.layers.RandomFlip("
    "'horizontal'), keras.layers.RandomRotation(0.1)])",
    "from keras import Sequential": "from keras import Sequential, layers\ns = Sequential([layers.RandomFlip("
    "'horizontal'), layers.RandomRotation(0.1)])",
    "keras.layers.Pipeline": "import keras\ns = keras.layers.Pipeline([keras.layers.RandomFlip('horizontal'), "
    "keras.layers.RandomRotation(0.1)])",
    "layers= keyword": "s = keras.Sequential(layers=[layers.RandomFlip('horizontal'), layers.RandomRotation(0.1)])",
    "tensorflow.keras layers as L": "from tensorflow.keras import layers as L\ns = [L.RandomFlip('horizontal'), "
    "L.RandomRotation(0.1)]",
    "from keras.layers import": "from keras.layers import RandomFlip, RandomRotation as Rot\n"
    "s = [RandomFlip('horizontal'), Rot(0.1)]",
    "experimental.preprocessing": "import tensorflow as tf\np = tf.keras.layers.experimental.preprocessing\n"
    "s = [tf.keras.layers.experimental.preprocessing.RandomFlip('horizontal'), "
    "tf.keras.layers.experimental.preprocessing.RandomRotation(0.1)]",
    "keras.layers.preprocessing": "import keras\ns = [keras.layers.preprocessing.RandomFlip('horizontal'), "
    "keras.layers.preprocessing.RandomRotation(0.1)]",
    "add calls": "s = keras.Sequential()\ns.add(layers.RandomFlip('horizontal'))\ns.add(layers.RandomRotation(0.1))",
    "TF tutorial input_shape": "img_height = img_width = 180\ns = keras.Sequential([layers.RandomFlip('horizontal', "
    "input_shape=(img_height, img_width, 3)), layers.RandomRotation(0.1)])",
    "no imports (pasted)": "[RandomFlip('horizontal'), RandomRotation(0.1)]",
    "model head": "model = keras.Sequential([keras.Input((32, 32, 3)), layers.RandomFlip('horizontal'), "
    "layers.RandomRotation(0.1), layers.Conv2D(8, 3)])",
    "functional": "inputs = keras.Input((32, 32, 3))\nx = layers.RandomFlip('horizontal')(inputs)\n"
    "x = layers.RandomRotation(0.1)(x)\nx = layers.Conv2D(8, 3)(x)",
}


@pytest.mark.parametrize("source", FLIP_ROTATE.values(), ids=FLIP_ROTATE.keys())
def test_every_form_and_spelling_gives_the_same_stack(source):
    parsed = parse_stack(source, layers=FAKE)
    assert parsed.stack == Stack((FakeFlip("horizontal"), FakeRotation(0.1)))
    assert parsed.findings == ()


@pytest.mark.parametrize(
    "source",
    [
        "import torchvision.transforms as T\naug = [T.RandomRotation(30), T.RandomHorizontalFlip()]",
        "from torchvision.transforms import RandomRotation\naug = [RandomRotation(30)]",
        "import albumentations as A\naug = A.Compose([A.RandomRotate90()])",
        "x = [1, 2, 3]",
    ],
    ids=["torchvision module", "torchvision class", "albumentations", "no layers"],
)
def test_other_libraries_layers_are_not_taken_for_keras(source):
    with pytest.raises(InputError, match="no Keras augmentation stack found"):
        parse_stack(source, layers=FAKE)


# -- argument values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "factor"),
    [
        ("RandomRotation(20 / 360)", 20 / 360),
        ("RandomRotation(-0.1)", -0.1),
        ("RandomRotation((-0.1, 0.2))", (-0.1, 0.2)),
        ("RandomRotation([-0.1, 0.2])", [-0.1, 0.2]),
        ("RandomRotation(factor=1 / 4 - 0.05)", 1 / 4 - 0.05),
        ("RandomRotation(-(1 // 2) + 0.3 * 2)", 0.6),
        ("FACTOR = 0.2\nRandomRotation(FACTOR)", 0.2),
        ("A = 10\nB = A / 360\nRandomRotation((-B, B))", (-10 / 360, 10 / 360)),
        ("H, W = 0.1, 0.2\nRandomRotation(W)", 0.2),
        ("F = 0.9\nF = 0.3\nRandomRotation(F)\nF = 0.5", 0.3),
        ("import math\nRandomRotation(math.pi / 12 / (2 * math.pi))", 1 / 24),
    ],
    ids=[
        "fraction",
        "negative",
        "tuple",
        "list",
        "arithmetic",
        "floor division",
        "constant",
        "chained constants",
        "unpacked constants",
        "last binding before use",
        "math.pi",
    ],
)
def test_literal_and_constant_arguments_are_evaluated(source, factor):
    [parsed] = parse_stack(_as_list(source), FAKE).layers[1:]
    assert parsed.layer.factor == pytest.approx(factor) and type(parsed.layer.factor) is type(factor)


def _as_list(source: str) -> str:
    """The source with its layer call (the line starting `RandomRotation(`) put in a list after a flip."""
    lines = source.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("RandomRotation("))
    lines[index] = f"aug = [RandomFlip(), {lines[index]}]"
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("call", "argument", "what"),
    [
        ("RandomRotation(get_factor())", "factor", "a function call"),
        ("RandomRotation(config.factor)", "factor", "an attribute"),
        ("RandomRotation(unknown)", "factor", "the name unknown"),
        ("RandomRotation(2 ** -3)", "factor", "Pow"),
        ("RandomRotation(f'{x}')", "factor", "an f-string"),
        ("RandomRotation(1 / 0)", "factor", "division by zero"),
        ("RandomRotation(1000000000000 * 1000000000000)", "factor", "too large"),
        ("RandomRotation(0.1, fill_mode=MODES[0])", "fill_mode", "an index"),
        ("RandomRotation(0.1, fill_mode='a' + 'b')", "fill_mode", "only numbers"),
        ("RandomRotation(*args)", None, "unpacking"),
        ("RandomRotation(0.1, **kw)", None, "unpacking"),
        ("RandomRotation(" + "-(" * (MAX_DEPTH + 2) + "0.1" + ")" * (MAX_DEPTH + 2) + ")", "factor", "too deeply"),
        ("RandomRotation(" + "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2) + ")", "factor", "too deeply"),
    ],
    ids=[
        "call",
        "attribute",
        "unbound name",
        "power",
        "f-string",
        "zero division",
        "huge",
        "subscript",
        "string arithmetic",
        "star args",
        "star star kwargs",
        "deep arithmetic",
        "deep lists",
    ],
)
def test_a_value_only_running_code_gives_is_a_finding_naming_line_and_argument(call, argument, what):
    parsed = parse_stack(f"aug = [\n    RandomFlip(),\n    {call},\n]", FAKE)
    assert [layer.layer for layer in parsed.layers] == [FakeFlip()]
    [finding] = parsed.findings
    assert (finding.line, finding.code, finding.argument) == (3, UNRESOLVED, argument)
    assert what in finding.message and finding.message.startswith("line 3: keras.layers.RandomRotation: ")


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (
            "RandomFlip(fill_mode='nearest')",
            "Unrecognized keyword arguments passed to RandomFlip: {'fill_mode': 'nearest'}",
        ),
        ("RandomFlip(foo=x.y)", "Unrecognized keyword arguments passed to RandomFlip: {'foo': x.y}"),
        (
            "RandomFlip('horizontal', 1, None, 4)",
            "RandomFlip.__init__() takes from 1 to 4 positional arguments but 5 were given",
        ),
        ("RandomFlip('horizontal', mode='vertical')", "RandomFlip.__init__() got multiple values for argument 'mode'"),
        ("RandomFlip(seed=1, seed=2)", "keyword argument repeated: seed"),
        ("RandomRotation()", "RandomRotation.__init__() missing 1 required positional argument: 'factor'"),
    ],
    ids=[
        "unknown keyword",
        "unknown keyword, not a literal",
        "too many positional",
        "given twice",
        "repeated",
        "missing",
    ],
)
def test_calls_python_refuses_are_refused_in_pythons_words(call, reason):
    parsed = parse_stack(f"[RandomFlip(), {call}]", FAKE)
    assert [(f.code, f.message) for f in parsed.findings] == [
        (REFUSED, f"line 1: keras.layers.{call.split('(')[0]}: {reason}")
    ]


# -- against the real Keras ----------------------------------------------------------------


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def test_the_image_layer_names_are_keras_image_preprocessing_layers(keras):
    from keras.src.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
        BaseImagePreprocessingLayer,
    )

    image_layers = {
        name
        for name in dir(keras.layers)
        if isinstance(getattr(keras.layers, name), type)
        and issubclass(getattr(keras.layers, name), BaseImagePreprocessingLayer)
    }
    assert set(KERAS_IMAGE_LAYERS) == image_layers | {"Rescaling"}
    assert all(name in KERAS_IMAGE_LAYERS for name in LAYERS)


KERAS_REFUSES = [
    "RandomRotation(5.0)",
    "RandomRotation(0.1, data_format='NHWC')",
    "RandomZoom(0.2, fill_mod='nearest')",
    "RandomZoom(0.2, 0.2, 'reflect', 'bilinear', None, 0.0, None, 'extra')",
    "RandomTranslation(0.1)",
    "RandomFlip('horizontal', mode='vertical')",
    "RandomContrast(factor=1.5)",
    "RandomContrast(-0.2)",
    "RandomBrightness(2)",
    "RandomZoom(height_factor=(-1.5, 0.1))",
]


@needs_layers
@pytest.mark.parametrize("call", KERAS_REFUSES)
def test_what_keras_refuses_is_refused_with_keras_reason(call, keras):
    with pytest.raises((ValueError, TypeError)) as refused:
        eval(f"keras.layers.{call}", {"keras": keras})  # trusted test text: the oracle
    parsed = find_stacks(f"aug = [RandomFlip(), {call}]")[0]
    [finding] = parsed.findings
    assert finding.code == REFUSED
    assert finding.message == f"line 1: keras.layers.{call.split('(')[0]}: {refused.value}"


COMMON = {
    "name": "'n'",
    "dtype": "'float32'",
    "trainable": "False",
    "autocast": "False",
    "bounding_box_format": "'xyxy'",
    "input_shape": "(8, 8, 3)",
    "input_dim": "3",
    "activity_regularizer": "None",
    "dynamic": "False",
    "batch_size": "4",
}


@needs_layers
def test_every_reproduced_layer_takes_the_common_keyword_arguments_keras_takes(keras):
    mismatches, checked = [], 0
    for name, cls in LAYERS.items():
        base = ", ".join(
            f"{field.name}=1"  # 1 is a factor, a scale or a size every layer with a required field takes
            for field in dataclasses.fields(cls)
            if field.init and field.default is dataclasses.MISSING
        )
        for keyword, text in COMMON.items():
            call = f"{name}({base}{', ' if base else ''}{keyword}={text})"
            try:
                with warnings.catch_warnings():  # Keras's advice against input_shape
                    warnings.simplefilter("ignore", UserWarning)
                    eval(f"keras.layers.{call}", {"keras": keras})  # trusted test text: the oracle
                accepts = True
            except (ValueError, TypeError):
                accepts = False
            ours = find_stacks(f"aug = [RandomFlip(), {call}]")[0]
            if accepts != (not ours.findings):
                mismatches.append((call, accepts, [finding.message for finding in ours.findings]))
            checked += 1
    assert checked >= 10 * len(COMMON) and not mismatches


KERAS_ACCEPTS = [
    "RandomFlip('horizontal', 7)",
    "RandomRotation(0.2, 'constant', 'nearest', 3, 0.5)",
    "RandomRotation((-0.1, 0.3), fill_mode='wrap')",
    "RandomZoom(0.2, None, 'nearest')",
    "RandomZoom(-0.3, (-0.2, 0.1), interpolation='nearest', fill_value=1.0)",
    "RandomTranslation(0.1, 0.2, 'constant', 'bilinear', 5, 2.0)",
    "RandomContrast(0.3, (0, 1), 4)",
    "RandomBrightness((-0.2, 0.1), value_range=[0, 1], seed=2)",
    "RandomFlip(name='flip', dtype='float32', trainable=False)",
]


@needs_layers
@pytest.mark.parametrize("call", KERAS_ACCEPTS)
def test_arguments_bind_to_what_keras_binds(call, keras):
    """The real layer built from our binding, all by keyword, has the real call's config."""
    [parsed] = parse_stack(f"[{call}]").layers
    kwargs = {field.name: getattr(parsed.layer, field.name) for field in dataclasses.fields(parsed.layer)}
    kwargs.update({name: eval(text) for name, text in parsed.common})  # the test's own literals
    ours = getattr(keras.layers, parsed.layer.layer_name())(**kwargs).get_config()
    theirs = eval(f"keras.layers.{call}", {"keras": keras}).get_config()  # trusted test text: the oracle
    if "name" not in kwargs:  # numbered per instance
        ours.pop("name"), theirs.pop("name")
    assert ours == theirs


# -- placements -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "aug = keras.Sequential([RandomFlip()])\nds = ds.map(lambda x, y: (aug(x, training=False), y))",
            [(2, IN_MAP, "ds", False, False)],
        ),
        (
            "aug = keras.Sequential([RandomFlip()])\nholdout = holdout.map(lambda x, y: (aug(x), y))\n"
            "model.fit(train, validation_data=holdout)",
            [(2, IN_MAP, "holdout", None, True)],
        ),
        (
            "aug = keras.Sequential([RandomFlip()])\nv = image_dataset_from_directory('d', subset='validation')\n"
            "v = v.map(lambda x, y: (aug(x), y))",
            [(3, IN_MAP, "v", None, True)],
        ),
        (
            "aug = keras.Sequential([RandomFlip()])\nds_val = ds_val.map(lambda x, y: (aug(x, training=False), y))",
            [(2, IN_MAP, "ds_val", False, True)],
        ),
        (
            "aug = keras.Sequential([RandomFlip()])\ndef augment(x, y):\n    return aug(x, training=True), y\n"
            "val_ds = val_ds.batch(32).map(augment)",
            [(4, IN_MAP, "val_ds", True, True)],
        ),
        (
            "aug = keras.Sequential([RandomFlip()])\nmodel = keras.Sequential([aug, layers.Conv2D(8, 3)])",
            [(2, IN_MODEL, None, None, False)],
        ),
        (
            "aug = keras.Sequential([RandomFlip()])\nmodel = keras.Sequential()\nmodel.add(aug)",
            [(3, IN_MODEL, None, None, False)],
        ),
        (
            "aug = keras.Sequential([RandomFlip()])\ndef prepare(image, label):\n"
            "    image = aug(image, training=True)\n    return image, label\n"
            "test_ds = test_ds.map(prepare, num_parallel_calls=4)",
            [(5, IN_MAP, "test_ds", True, True)],
        ),
        (
            "augs = [RandomFlip()]\nseq = keras.Sequential(augs)\nmodel = keras.Sequential([seq, Dense(1)])",
            [(3, IN_MODEL, None, None, False)],
        ),
        ("aug = keras.Sequential([RandomFlip()])\nout = aug(batch)", [(2, CALLED, None, None, False)]),
    ],
    ids=[
        "training False",
        "validation_data",
        "subset validation",
        "named val, training False",
        "function in map",
        "model layer",
        "model add",
        "function assigning in map",
        "Sequential of the list",
        "called on arrays",
    ],
)
def test_placements(source, expected):
    parsed = parse_stack(source, FAKE)
    assert [(p.line, p.kind, p.dataset, p.training, p.validation) for p in parsed.placements] == expected
    assert [p.augments_validation for p in parsed.placements] == [
        kind == IN_MAP and validation and training is not False for _, kind, _, training, validation in expected
    ]


def test_keras_layers_called_outside_a_model_augment_unless_training_is_false(keras):
    """Why a validation map without `training=` is the trap too (Placement.augments_validation)."""
    import numpy as np

    flip = keras.layers.RandomFlip("horizontal", seed=1)
    images = np.arange(2 * 4 * 4, dtype="float32").reshape(2, 4, 4, 1)
    assert any((np.asarray(flip(images)) != images).any() for _ in range(8))
    assert all((np.asarray(flip(images, training=False)) == images).all() for _ in range(8))


def test_several_stacks_the_first_augmenting_one_is_taken_with_a_note():
    source = (
        "resize = keras.Sequential([layers.Rescaling(1 / 255)])\n"
        "aug = keras.Sequential([RandomFlip()])\n"
        "aug2 = [RandomRotation(0.2)]\n"
    )
    stacks = find_stacks(source, {**FAKE, "Rescaling": FakeRotation})
    assert [stack.name for stack in stacks] == ["resize", "aug", "aug2"]
    parsed = parse_stack(source, FAKE)
    assert parsed.name == "aug" and [(f.line, f.code) for f in parsed.findings if f.code == SEVERAL] == [(2, SEVERAL)]


def test_augmentation_after_the_end_of_a_model_head_is_named():
    parsed = parse_stack("model = keras.Sequential([\n RandomFlip(),\n Conv2D(8, 3),\n RandomRotation(0.2),\n])", FAKE)
    assert parsed.form == MODEL_HEAD and [layer.line for layer in parsed.layers] == [2]
    [finding] = parsed.findings
    assert (finding.line, finding.code) == (4, HEAD_ENDS) and "Conv2D (line 3)" in finding.message


# -- hostile and odd text ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("aug = [\n    RandomFlip(1 +),\n]", "not valid Python (line 2"),
        ("a" * (MAX_CHARS + 1), "too long"),
        ("aug = [RandomFlip()]\x00", "null bytes"),
        ("x = " + "(" * 300 + "1" + ")" * 300, "nested parentheses"),
        ("x = " + "-" * 100_000 + "1", "nested too deeply"),
        ("x = 1" + "0" * 5000, "too many digits"),
        (b"aug = [RandomFlip()]", "expected Python source text"),
        ("", "no Keras augmentation stack found"),
    ],
    ids=["syntax error", "huge", "null bytes", "parentheses", "deep unary", "long int", "bytes", "empty"],
)
def test_hostile_text_is_an_input_error_with_a_message(text, message):
    with pytest.raises(InputError, match=re.escape(message)):
        parse_stack(text, FAKE)


def test_a_wide_script_is_read_without_recursion():
    source = "aug = [\n" + "    RandomFlip(),\n" * 5_000 + "]\n"
    parsed = parse_stack(source, FAKE)
    assert len(parsed.layers) == 5_000 and parsed.layers[-1].line == 5_001


@pytest.mark.slow
def test_a_script_of_the_largest_size_with_thousands_of_stacks_and_maps_is_read_in_bounded_time():
    """Each stack's placements are looked up in an index made once: linear, not quadratic (an
    early version took 290 s for 2,000 stacks; this is 15,000 stacks and 15,000 maps)."""
    unit = "a{i} = [RandomFlip()]\nd{i} = d.map(lambda x, y: (a{i}(x), y))\n"
    count = MAX_CHARS // len(unit.format(i=99999))
    source = "".join(unit.format(i=i) for i in range(count))
    started = time.perf_counter()
    parsed = parse_stack(source, FAKE)
    assert time.perf_counter() - started < 60
    assert parsed.name == "a0" and parsed.placements == (Placement(IN_MAP, 2, "d", None, False),)
    assert parsed.findings[-1].code == SEVERAL and f"found {count} augmentation stacks" in parsed.findings[-1].message


# -- from a file ---------------------------------------------------------------------------


def test_stack_from_file_reads_and_never_runs(tmp_path):
    sentinel = tmp_path / "ran"
    path = tmp_path / "stack.py"
    path.write_text(f"open({str(sentinel)!r}, 'w').close()\naug = keras.Sequential([RandomFlip('vertical')])\n")
    parsed = stack_from_file(path, FAKE)
    assert parsed.stack == Stack((FakeFlip("vertical"),)) and not sentinel.exists()


def test_stack_from_file_refuses_what_is_not_a_readable_file(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"aug = [RandomFlip('\xe9')]")
    for path, message in [
        (tmp_path / "missing.py", "does not exist"),
        (tmp_path, "is a folder"),
        (tmp_path / "latin.py", "not UTF-8"),
    ]:
        with pytest.raises(InputError, match=message):
            stack_from_file(path, FAKE)


# -- round trip: Stack.code() reads back to the same stack ---------------------------------

_WORDS = ("horizontal", "vertical", "nearest", "constant", "wrap", "bilinear", "channels_last", "channels_first")


def _values(field: dataclasses.Field) -> st.SearchStrategy:
    default = field.default
    number = st.floats(-1, 1, allow_nan=False).map(lambda value: round(value, 4))
    if default is dataclasses.MISSING:
        return st.one_of(number, st.integers(1, 64), st.tuples(number, number).map(lambda pair: tuple(sorted(pair))))
    if isinstance(default, bool):
        other = st.booleans()
    elif isinstance(default, str):
        other = st.sampled_from(_WORDS)
    elif isinstance(default, int):
        other = st.integers(0, 300)
    elif isinstance(default, float):
        other = number
    elif isinstance(default, tuple):
        other = st.tuples(*[st.integers(0, 255) for _ in default]).map(lambda pair: tuple(sorted(pair)))
    else:
        other = st.one_of(st.integers(0, 1000), number)
    return st.one_of(st.just(default), other)


@st.composite
def reproduced_layers(draw):
    cls = draw(st.sampled_from(sorted(LAYERS.values(), key=lambda cls: cls.layer_name())))
    kwargs = {field.name: draw(_values(field)) for field in dataclasses.fields(cls) if field.init}
    try:
        return cls(**kwargs)
    except (KerasArgumentError, TypeError, ValueError):
        assume(False)


@pytest.mark.skipif(not LAYERS, reason="no reproduced layer yet")
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(st.lists(reproduced_layers(), min_size=1, max_size=6))
def test_stack_code_reads_back_to_an_equal_stack(layers):
    stack = Stack(tuple(layers))
    parsed = parse_stack(stack.code())
    assert parsed.stack == stack
    assert parsed.findings == ()
    assert [layer.line for layer in parsed.layers] == list(range(2, 2 + len(layers)))
