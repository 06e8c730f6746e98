"""The Keras 3 stack doctor: each trap in words and numbers with a fix, the migration traps
against the IDG config a stack replaces, and (Hypothesis) every fix it proposes passes it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.augment.keras3 import LAYERS
from explorer.diagnostics.stack_doctor import diagnose_stack, script_backend
from explorer.diagnostics.stack_findings import NOTE, WARNING
from explorer.interchange.keras_stack import parse_stack

SCRIPTS = Path(__file__).parent / "scripts" / "keras3"
Rotation, Zoom, Translation = LAYERS["RandomRotation"], LAYERS["RandomZoom"], LAYERS["RandomTranslation"]
Shear, Flip, Brightness, Contrast = (
    LAYERS["RandomShear"],
    LAYERS["RandomFlip"],
    LAYERS["RandomBrightness"],
    LAYERS["RandomContrast"],
)
Rescaling = LAYERS["Rescaling"]


def codes(findings) -> list[str]:
    return [finding.code for finding in findings]


def only(findings, code: str):
    found = [finding for finding in findings if finding.code == code]
    assert len(found) == 1, codes(findings)
    return found[0]


def test_a_fifth_of_a_turn_is_72_degrees_and_the_fix_is_15():
    finding = only(diagnose_stack([Rotation(0.2)]), "rotation_fraction_of_turn")
    assert finding.severity == WARNING and "±72°" in finding.message
    fixed = finding.change.apply((Rotation(0.2),))
    assert fixed[0].bounds() == pytest.approx((-15.0, 15.0), abs=0.05)
    assert "rotation_fraction_of_turn" not in codes(diagnose_stack(fixed))


def test_a_rotation_under_a_degree_is_called_invisible_with_the_degrees_formula():
    finding = only(diagnose_stack([Rotation(0.002)]), "rotation_invisible")
    assert "±0.72°" in finding.message and "r / 360" in finding.fix


def test_positive_zoom_factors_zoom_out_only_and_the_fix_zooms_in():
    layers = (Zoom((0.1, 0.3)),)
    finding = only(diagnose_stack(layers), "zoom_out_only")
    assert "23%" in finding.message  # 1 - 1/1.3 of the content's size is lost
    fixed = finding.change.apply(layers)
    heights, _ = fixed[0].bounds()
    assert heights == pytest.approx((0.7, 0.9))
    assert "zoom_out_only" not in codes(diagnose_stack(fixed))


def test_the_filled_share_is_measured_and_grows_with_the_range():
    small = only(diagnose_stack([Translation(0.1, 0.1)]), "filled_border")
    large = only(diagnose_stack([Translation(0.4, 0.4)]), "filled_border")
    share = lambda finding: float(finding.message.split("On average ")[1].split("%")[0])  # noqa: E731
    assert 5 <= share(small) < share(large)
    assert large.severity == WARNING
    assert "filled_border" not in codes(diagnose_stack([Translation(0.01, 0.01)]))


def test_two_warps_resample_twice_one_does_not():
    assert "resampled_again" not in codes(diagnose_stack([Rotation(0.02)]))
    finding = only(diagnose_stack([Rotation(0.02), Zoom(0.1)]), "resampled_again")
    assert "2 times" in finding.message and "IDGAugmentation" in finding.fix


def test_shear_about_the_corner_names_the_share_the_far_corner_moves():
    finding = only(diagnose_stack([Shear(x_factor=0.3)]), "shear_about_corner")
    assert "30%" in finding.message and "top-left" in finding.message
    assert "shear_about_corner" not in codes(diagnose_stack([Shear(x_factor=0.05)]))


@pytest.mark.parametrize(
    "layers, input_range, fixed_range, least, severity",
    [
        pytest.param([Brightness(0.2)], "0-1", (0, 1), 90, WARNING, id="brightness-0..255-range-on-0..1-data"),
        pytest.param(
            [Brightness(0.2, value_range=(0, 1))], "0-255", (0, 255), 90, WARNING, id="brightness-0..1-on-0..255"
        ),
        # Contrast only clips to value_range: too wide a range lets stretched pixels leave 0..1.
        pytest.param([Rescaling(1 / 255), Contrast(0.3)], "0-255", (0, 1), 5, NOTE, id="contrast-after-rescaling"),
    ],
)
def test_a_value_range_that_is_not_the_datas_is_measured_and_fixed(layers, input_range, fixed_range, least, severity):
    finding = only(diagnose_stack(layers, input_range=input_range), "value_range_mismatch")
    share = float(finding.message.split("measured, ")[1].split("%")[0])
    assert share > least and finding.severity == severity, finding.message
    fixed = finding.change.apply(tuple(layers))
    assert tuple(fixed[-1].value_range) == fixed_range
    assert "value_range_mismatch" not in codes(diagnose_stack(fixed, input_range=input_range))


def test_brightness_on_its_own_range_is_not_a_mismatch():
    assert "value_range_mismatch" not in codes(diagnose_stack([Brightness(0.2)], input_range="0-255"))
    assert "value_range_mismatch" not in codes(diagnose_stack([Brightness(0.2, value_range=(0, 1))], input_range="0-1"))


def test_a_single_contrast_factor_only_raises_contrast_and_a_pair_fixes_it():
    finding = only(diagnose_stack([Contrast(0.2)]), "contrast_only_up")
    assert "1..1.2" in finding.message
    fixed = finding.change.apply((Contrast(0.2),))
    assert fixed[0].bounds() == pytest.approx((0.8, 1.2))
    assert "contrast_only_up" not in codes(diagnose_stack(fixed))


def test_flips_say_what_they_do_and_an_unknown_mode_never_flips():
    default = only(diagnose_stack([Flip()]), "flips_orientation")
    assert "180°" in default.message
    unknown = only(diagnose_stack([Flip("horizontal_flip")]), "flip_mode_unknown")
    assert unknown.severity == WARNING and unknown.change.apply((Flip("horizontal_flip"),))[0].mode == "horizontal"


def test_the_tf_data_script_is_told_validation_is_augmented_at_its_line():
    source = (SCRIPTS / "tf_data_map_validation.py").read_text()
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "PLACED: map validation" in text)
    finding = only(diagnose_stack(parse_stack(source)), "validation_augmented")
    assert finding.line == line and finding.severity == WARNING and "val_ds" in finding.message


def test_a_sequential_in_a_tf_data_map_under_jax_is_a_warning_naming_the_keras_issue():
    source = 'import os\nos.environ["KERAS_BACKEND"] = "jax"\n' + (SCRIPTS / "tf_data_map_validation.py").read_text()
    assert script_backend(source) == "jax"
    findings = diagnose_stack(parse_stack(source), backend=script_backend(source))
    assert any(f.code == "sequential_in_tf_data" and "19895" in f.message for f in findings)
    assert "sequential_in_tf_data" not in codes(diagnose_stack(parse_stack(source), backend="tensorflow"))


@pytest.mark.parametrize(
    "source, backend",
    [
        ('import os\nos.environ["KERAS_BACKEND"] = "torch"\n', "torch"),
        ("import os\nos.environ.setdefault('KERAS_BACKEND', 'jax')\n", "jax"),
        ('import keras\nkeras.config.set_backend("jax")\n', "jax"),
        ("import keras\n", None),
        ('import os\nos.environ["KERAS_BACKEND"] = name\n', None),
    ],
)
def test_the_scripts_backend_is_read_not_run(source, backend):
    assert script_backend(source) == backend


def test_a_refused_rotation_in_degrees_names_the_idg_habit():
    findings = diagnose_stack(parse_stack("import keras\naug = keras.Sequential([keras.layers.RandomRotation(20)])\n"))
    finding = only(findings, "keras_refuses")
    assert finding.line == 2 and finding.severity == WARNING and "r / 360" in finding.fix


def test_migration_from_the_articles_settings_names_each_difference():
    idg = dict(rotation_range=40, width_shift_range=0.2, height_shift_range=0.1, zoom_range=0.2, horizontal_flip=True)
    stack = [Flip(), Rotation(0.4), Translation(0.1, 0.2), Zoom(0.2)]
    found = codes(diagnose_stack(stack, idg=idg))
    for code in ("migration_rotation", "migration_flip", "migration_zoom", "migration_fill", "migration_shift_axes"):
        assert code in found, found
    rotation = only(diagnose_stack(stack, idg=idg), "migration_rotation")
    assert "±40°" in rotation.message and "IDGAugmentation" in rotation.fix
    shift = only(diagnose_stack(stack, idg=idg), "migration_shift_axes")
    assert "up/down now go left/right" in shift.message


def test_a_stack_that_keeps_idgs_draws_has_no_migration_warning():
    idg = dict(rotation_range=20, zoom_range=(0.8, 1.2), horizontal_flip=True, fill_mode="reflect")
    stack = [Flip("horizontal"), Rotation(20 / 360), Zoom((-0.2, 0.2), (-0.2, 0.2))]
    assert [f.code for f in diagnose_stack(stack, idg=idg) if f.code.startswith("migration")] == []


# --- every fix the doctor proposes passes the doctor -----------------------------------------

factors = st.one_of(
    st.floats(-1, 1, allow_nan=False).map(lambda v: round(v, 3)),
    st.tuples(st.floats(-1, 1), st.floats(-1, 1)).map(lambda p: tuple(sorted(round(v, 3) for v in p))),
)
zoom_factors = st.floats(-0.9, 1, allow_nan=False).map(lambda v: round(v, 3))
fills = st.sampled_from(["reflect", "wrap", "constant", "nearest"])
layers = st.one_of(
    st.builds(Rotation, factors, fill_mode=fills),
    st.builds(Zoom, zoom_factors, st.one_of(st.none(), zoom_factors), fill_mode=fills),
    st.builds(Translation, st.floats(-1, 1).map(lambda v: round(v, 2)), st.floats(-1, 1).map(lambda v: round(v, 2))),
    st.builds(Shear, st.floats(0, 1).map(lambda v: round(v, 2)), st.floats(0, 1).map(lambda v: round(v, 2))),
    st.builds(Flip, st.sampled_from(["horizontal", "vertical", "horizontal_and_vertical", "flip"])),
    st.builds(Brightness, st.floats(-1, 1).map(lambda v: round(v, 2)), st.sampled_from([(0, 255), (0, 1), (-1, 1)])),
    st.builds(Contrast, st.floats(0, 1).map(lambda v: round(v, 2)), value_range=st.sampled_from([(0, 255), (0, 1)])),
    st.just(Rescaling(1 / 255)),
)
idg_configs = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "rotation_range": st.sampled_from([10, 20, 40, 90]),
            "width_shift_range": st.sampled_from([0.1, 0.2]),
            "height_shift_range": st.sampled_from([0.1, 0.3]),
            "zoom_range": st.sampled_from([0.2, (0.8, 1.0), (1.1, 1.3)]),
            "horizontal_flip": st.booleans(),
            "vertical_flip": st.booleans(),
            "shear_range": st.sampled_from([5, 20]),
            "brightness_range": st.just((0.8, 1.2)),
            "fill_mode": fills,
        },
    ),
)


# Warnings measured on the stack's own output: a fix that adds a warp (a migration that puts
# IDG's rotation back) changes what they measure, which they then report on their own, as the
# IDG doctor's property holds its measured fill fixed.
MEASURED = {"filled_border"}
# Warnings whose fix is advice about the script or a measurement, not a change of the stack.
ADVICE_ONLY = {"filled_border", "validation_augmented", "sequential_in_tf_data", "keras_refuses", "not_in_keras3"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(layers, min_size=1, max_size=5), st.sampled_from(["0-255", "0-1"]), idg_configs)
def test_every_fix_the_doctor_proposes_passes_the_doctor(stack, input_range, idg):
    images = (np.random.default_rng(0).uniform(0, 255, (24, 32, 3)).astype(np.float32),)
    before = diagnose_stack(stack, images, input_range=input_range, idg=idg)
    warnings_before = {f.code for f in before if f.severity == WARNING}
    for finding in before:
        if finding.change is None:
            assert finding.severity != WARNING or finding.code in ADVICE_ONLY, finding
            continue
        fixed = finding.change.apply(tuple(stack))
        after = diagnose_stack(fixed, images, input_range=input_range, idg=idg)
        same = [f for f in after if f.code == finding.code and f.index == finding.index]
        assert not same, (finding, fixed, same)
        new = {f.code for f in after if f.severity == WARNING} - warnings_before - MEASURED
        assert not new, (finding, fixed, new)


def test_the_cli_doctor_prints_the_stacks_findings_at_their_lines(tmp_path):
    import json
    import subprocess
    import sys

    script = SCRIPTS / "tf_data_map_validation.py"
    line = next(i for i, text in enumerate(script.read_text().splitlines(), 1) if "PLACED: map validation" in text)
    run = subprocess.run(
        [sys.executable, "-m", "explorer", "doctor", str(script)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert f"{script}:{line}: warning: validation_augmented:" in run.stdout
    assert "a Keras 3 stack of 6 layers found" in run.stdout.splitlines()[-1]
    as_json = subprocess.run(
        [sys.executable, "-m", "explorer", "doctor", "--json", str(script)], capture_output=True, text=True, timeout=120
    )
    found = json.loads(as_json.stdout)
    assert {"line": line, "cell": None, "code": "validation_augmented"}.items() <= found[-1].items()


def test_in_a_notebook_a_stack_finding_names_its_cell_and_line():
    import json

    from explorer.diagnostics.script import doctor_script

    cells = [
        {"cell_type": "code", "source": "import keras\n", "metadata": {}, "outputs": [], "execution_count": None},
        {"cell_type": "markdown", "source": "# Augment", "metadata": {}},
        {
            "cell_type": "code",
            "source": "aug = keras.Sequential([\n    keras.layers.RandomRotation(0.3),\n])\n",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
        },
    ]
    report = doctor_script(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}), "n.ipynb")
    finding = only(list(report.stack.findings), "rotation_fraction_of_turn")
    assert report.stack.where(finding.line) == "cell 3, line 2"
