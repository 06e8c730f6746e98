"""Pasted configs: JSON or ImageDataGenerator code is parsed, never run; everything else is an
InputError that names the argument and says what is accepted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from explorer import AugmentConfig, InputError
from explorer.interchange.export import config_json, idg_code
from explorer.interchange.paste import MAX_CHARS, parse_config_text, read_config_text

ARTICLE_EXAMPLES = {
    "ImageDataGenerator(rotation_range=40, width_shift_range=0.2, height_shift_range=0.2, shear_range=0.2, "
    "zoom_range=0.2, horizontal_flip=True, fill_mode='nearest')": AugmentConfig(
        rotation_range=40,
        width_shift_range=0.2,
        height_shift_range=0.2,
        shear_range=0.2,
        zoom_range=0.2,
        horizontal_flip=True,
        fill_mode="nearest",
    ),
    "ImageDataGenerator(rotation_range=10, width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True, "
    "rescale=1./255)": AugmentConfig(
        rotation_range=10,
        width_shift_range=0.1,
        height_shift_range=0.1,
        horizontal_flip=True,
        rescale=1 / 255,
    ),
    "ImageDataGenerator(brightness_range=[0.8, 1.2], channel_shift_range=0.1, horizontal_flip=True, "
    "rescale=1./255)": AugmentConfig(
        brightness_range=(0.8, 1.2),
        channel_shift_range=0.1,
        horizontal_flip=True,
        rescale=1 / 255,
    ),
}
CONFIGS = [
    AugmentConfig(),
    *ARTICLE_EXAMPLES.values(),
    AugmentConfig(width_shift_range=[2, 4], height_shift_range=5, fill_mode="constant", cval=-3.5),
    AugmentConfig(
        rotation_range=25.5,
        width_shift_range=6.0,
        height_shift_range=0.15,
        shear_range=12,
        zoom_range=(0.8, 1.3),
        brightness_range=(0.5, 1.5),
        channel_shift_range=30,
        vertical_flip=True,
        fill_mode="wrap",
        interpolation_order=0,
        rescale=1 / 127.5,
        samplewise_center=True,
        samplewise_std_normalization=True,
    ),
]


@pytest.mark.parametrize("text", list(ARTICLE_EXAMPLES))
def test_article_examples_parse_to_their_configs(text):
    assert parse_config_text(text) == ARTICLE_EXAMPLES[text]


@pytest.mark.parametrize("config", CONFIGS)
def test_exported_json_and_code_round_trip(config):
    assert parse_config_text(config_json(config)) == config
    assert parse_config_text(idg_code(config)) == config


def test_json_may_hold_only_some_settings():
    assert parse_config_text('{"rotation_range": 15, "zoom_range": [0.9, 1.1]}') == AugmentConfig(
        rotation_range=15, zoom_range=(0.9, 1.1)
    )


def test_python_dict_literal_is_read_too():
    assert parse_config_text("{'rotation_range': 15, 'horizontal_flip': True}") == AugmentConfig(
        rotation_range=15, horizontal_flip=True
    )


def test_multi_line_code_with_imports_comments_and_other_statements():
    text = """
import numpy as np
from tensorflow.keras.preprocessing.image import ImageDataGenerator

# Heavy augmentation, as in the tutorial
datagen = ImageDataGenerator(
    rotation_range=40,      # degrees
    width_shift_range=0.2,
    zoom_range=[0.8, 1.2],
    rescale=1. / 255,
    fill_mode="reflect",
)
train = datagen.flow_from_directory("data/train", target_size=(150, 150))
"""
    assert parse_config_text(text) == AugmentConfig(
        rotation_range=40, width_shift_range=0.2, zoom_range=(0.8, 1.2), rescale=1 / 255, fill_mode="reflect"
    )


@pytest.mark.parametrize(
    "text",
    [
        "datagen = tf.keras.preprocessing.image.ImageDataGenerator(rotation_range=20)",
        "keras.preprocessing.image.ImageDataGenerator(rotation_range=20)",
        "from keras.preprocessing.image import ImageDataGenerator as IDG\ngen = IDG(rotation_range=20)",
        "\ufeffImageDataGenerator(\n  rotation_range = 20 ,\n)\n",
        '{\n  "rotation_range": 20\n}',
    ],
    ids=["tf_prefix", "keras_prefix", "import_alias", "bom_and_spacing", "json"],
)
def test_call_forms(text):
    assert parse_config_text(text) == AugmentConfig(rotation_range=20)


@pytest.mark.parametrize(
    "value, expected",
    [("-1.5", -1.5), ("+2", 2.0), ("0.5*2", 1.0), ("1/255", 1 / 255), ("(1 + 1) / 510", 1 / 255), ("3 - 4", -1.0)],
)
def test_simple_arithmetic_of_numbers_is_evaluated(value, expected):
    config = parse_config_text(f"ImageDataGenerator(fill_mode='constant', cval={value})")
    assert config.cval == pytest.approx(expected)


def test_int_shift_range_stays_an_int():
    config = parse_config_text("ImageDataGenerator(width_shift_range=3, height_shift_range=3.0)")
    assert type(config.width_shift_range) is int and type(config.height_shift_range) is float


# -- refused input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "ImageDataGenerator(rotation_range=__import__('os').system('echo hi'))",
            "rotation_range: only literal values are accepted.*got a function call",
        ),
        ("ImageDataGenerator(rotation_range=os.environ)", "rotation_range: .*got an attribute"),
        ("ImageDataGenerator(rotation_range=angle)", "rotation_range: .*got the name angle"),
        ("ImageDataGenerator(**kw)", r"\*\*kwargs unpacking"),
        ("ImageDataGenerator(40)", "positional argument"),
        ("ImageDataGenerator(*args)", "positional argument"),
        ("ImageDataGenerator(rotation_range=[x for x in range(3)])", "got a comprehension"),
        ("ImageDataGenerator(rotation_range=(lambda: 1)())", "got a function call"),
        ("ImageDataGenerator(rotation_range=lambda: 1)", "got a lambda"),
        ("ImageDataGenerator(fill_mode=f'{x}')", "fill_mode: .*got an f-string"),
        ("ImageDataGenerator(rotation_range=cfg['r'])", "got an index or slice"),
        ("ImageDataGenerator(rotation_range=2**10)", "Pow operator"),
        ("ImageDataGenerator(rotation_range=10 if a else 20)", "conditional expression"),
        ("ImageDataGenerator(zoom_range={0.8, 1.2})", "got a set"),
        ("ImageDataGenerator(zoom_range=[[0.8], [1.2]])", "nested list"),
        ("ImageDataGenerator(rotation_range=1j)", "complex number"),
        ("ImageDataGenerator(rotation_range=b'40')", "got bytes"),
        ("ImageDataGenerator(rotation_range='4' * 10)", "arithmetic works on numbers only"),
        ("ImageDataGenerator(rotation_range=1/0)", "division by zero"),
        ("ImageDataGenerator(rotation_range=float('nan'))", "got a function call"),
        ("ImageDataGenerator(rotation_range=1e999)", "rotation_range must be a finite number"),
        ("ImageDataGenerator(rotation_range=10**2)", "Pow operator"),
        ("ImageDataGenerator(rotation_range=99999999999 * 99999999999)", "too large"),
        ('{"rotation_range": NaN}', "rotation_range must be a finite number"),
        (
            "ImageDataGenerator(rotation_range='-5')",
            r"rotation_range must be a number \(a number of degrees\); got '-5'",
        ),
        ("ImageDataGenerator(fill_mode='mirror!', rotation_range=5)", "fill_mode must be one of"),
        ("ImageDataGenerator(rotation_range=10, rotation_range=20)", "rotation_range given more than once"),
        ('{"rotation_range": 10, "rotation_range": 20}', "rotation_range more than once"),
        (
            "ImageDataGenerator(rotation_range=10)\nImageDataGenerator(zoom_range=0.1)",
            "found 2 ImageDataGenerator calls",
        ),
        ("ImageDataGenerator(rotation_range=ImageDataGenerator())", "found 2 ImageDataGenerator calls"),
        ("x = 1", "no ImageDataGenerator"),
        ("[1, 2]", "no ImageDataGenerator"),
        ("", "nothing to read"),
        ("   \n\t ", "nothing to read"),
        ("ImageDataGenerator(rotation_range=)", r"not valid Python \(line 1"),
        ('{"rotation_range": 40,', "not valid JSON"),
        ("ImageDataGenerator(rotation_range=10)\x00", "null bytes"),
        ("ImageDataGenerator(fill_mode='\udcff')", "not valid Unicode"),
        ("ÿþ\x01\x02 ImageDataGenerator(☃=1)", "not valid Python"),
        (
            "ImageDataGenerator(rötation_range=1)",
            "rötation_range is not an ImageDataGenerator setting .did you mean rotation_range",
        ),
    ],
)
def test_refused_with_a_clear_input_error(text, message):
    with pytest.raises(InputError, match=message):
        parse_config_text(text)


@pytest.mark.parametrize(
    "argument, key, hint",
    [
        ("featurewise_center=True", "featurewise_center=True", "datagen.fit()"),
        ("zca_whitening=True", "zca_whitening=True", "datagen.fit()"),
        ("validation_split=0.2", "validation_split=0.2", "validation images apart"),
        ("preprocessing_function=my_function", "preprocessing_function=my_function", "never run"),
        ("preprocessing_function=lambda x: x / 2", "preprocessing_function=lambda x: x / 2", "never run"),
        ("data_format='channels_last'", "data_format='channels_last'", "channels_last"),
        ("dtype='float32'", "dtype='float32'", "float32"),
    ],
)
def test_arguments_the_preview_does_not_model_are_set_aside_with_why(argument, key, hint):
    pasted = read_config_text(f"ImageDataGenerator(rotation_range=10, {argument})")
    assert pasted.config == AugmentConfig(rotation_range=10)
    assert list(pasted.set_aside) == [key]
    assert hint in pasted.set_aside[key]


def test_a_misspelt_setting_is_still_refused_with_a_suggestion():
    with pytest.raises(
        InputError,
        match=r"rotation_rang is not an ImageDataGenerator setting "
        r"\(did you mean rotation_range\?\)",
    ):
        parse_config_text("ImageDataGenerator(rotation_range=10, rotation_rang=40)")


def test_all_set_aside_arguments_are_named_at_once_and_the_rest_imports():
    pasted = read_config_text('{"featurewise_center": true, "validation_split": 0.2, "rotation_range": 5}')
    assert pasted.config == AugmentConfig(rotation_range=5)
    assert set(pasted.set_aside) == {"featurewise_center=True", "validation_split=0.2"}


def test_a_validation_split_idg_refuses_is_refused_with_its_reason():
    with pytest.raises(InputError, match="validation_split"):
        parse_config_text("ImageDataGenerator(validation_split=1.5)")


def test_nothing_in_pasted_code_is_executed(tmp_path, capfd):
    marker = tmp_path / "pwned"
    for text in (
        f"__import__('os').system('touch {marker}')",
        f"ImageDataGenerator(rotation_range=__import__('os').system('touch {marker}'))",
        f"ImageDataGenerator(rotation_range=10)\n__import__('os').system('touch {marker}')",
        "ImageDataGenerator(rotation_range=__import__('os').system('echo hi'))",
    ):
        try:
            parse_config_text(text)
        except InputError:
            pass
    assert not marker.exists()
    assert "hi" not in capfd.readouterr().out


def test_trailing_code_is_ignored_not_run(tmp_path):
    marker = tmp_path / "pwned"
    text = f"datagen = ImageDataGenerator(rotation_range=10)\nopen({str(marker)!r}, 'w')"
    assert parse_config_text(text) == AugmentConfig(rotation_range=10)
    assert not marker.exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("(" * 100000, "too long"),
        ("1+" * 50000 + "1", "too long"),
        ("(" * 10000, "not valid Python"),
        ("ImageDataGenerator(rotation_range=" + "1+" * 9000 + "1)", "nested too deeply"),
        ("ImageDataGenerator(rotation_range=" + "1+" * 100 + "1)", "rotation_range: the value is nested too deeply"),
        ("ImageDataGenerator(zoom_range=" + "[" * 150 + "]" * 150 + ")", "zoom_range: the value is nested too deeply"),
        ("-" * 15000 + "1", "nested too deeply|no ImageDataGenerator"),
        ('{"rotation_range": ' + "[" * 5000 + "]" * 5000 + "}", "cannot be read"),
        ('{"rotation_range": ' + "9" * 5000 + "}", "cannot be read"),
        ("ImageDataGenerator(rotation_range=" + "9" * 5000 + ")", "too many digits"),
        ("ImageDataGenerator(rotation_range=" + "9" * 4000 + ")", "too large"),
        ('{"rotation_range": ' + "9" * 4000 + "}", "rotation_range: the number is too large"),
    ],
    ids=[
        "parens_100k",
        "sum_100k",
        "parens_10k",
        "sum_9k",
        "sum_100",
        "lists_150",
        "minus_15k",
        "json_lists_5k",
        "json_long_int",
        "long_int",
        "big_int",
        "json_big_int",
    ],
)
def test_hostile_sizes_and_depths_are_refused(text, message):
    with pytest.raises(InputError, match=message):
        parse_config_text(text)


def test_limit_is_inclusive_and_input_must_be_text():
    padding = "#" * (MAX_CHARS - len("ImageDataGenerator(rotation_range=10)\n"))
    assert parse_config_text("ImageDataGenerator(rotation_range=10)\n" + padding).rotation_range == 10
    assert parse_config_text(b"ImageDataGenerator(rotation_range=10)").rotation_range == 10
    for bad in (None, 40, b"\xff\xfe\x00"):
        with pytest.raises(InputError):
            parse_config_text(bad)


def test_errors_are_value_errors_for_callers_that_catch_those():
    with pytest.raises(ValueError):
        parse_config_text("ImageDataGenerator(rotation_range=x)")


def test_paste_module_never_evaluates_code():
    source = (Path(__file__).resolve().parents[1] / "explorer" / "interchange" / "paste.py").read_text()
    called = {
        node.func.id
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not called & {"eval", "exec", "compile", "__import__", "literal_eval"}
    assert "literal_eval" not in source
