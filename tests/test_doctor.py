"""The doctor: each IDG pitfall is reported when (and only when) it applies, with the
user's numbers and a concrete one-line fix; one registry of rules, one threshold table."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import numpy as np
import pytest

from code_map import Module, imported_modules
from explorer import AugmentConfig
from explorer.diagnostics import checks, doctor, findings, oddities, pixels
from explorer.diagnostics.doctor import CHECKS, Finding, Inputs, diagnose
from explorer.diagnostics.findings import THRESHOLDS, pct
from explorer.diagnostics.pixels import measure_pixels

# The article's three examples.
EX1 = AugmentConfig(
    rotation_range=40,
    width_shift_range=0.2,
    height_shift_range=0.2,
    shear_range=0.2,
    zoom_range=0.2,
    horizontal_flip=True,
    fill_mode="nearest",
)
EX2 = AugmentConfig(
    rotation_range=10,
    width_shift_range=0.1,
    height_shift_range=0.1,
    horizontal_flip=True,
    rescale=1 / 255,
)
EX3 = AugmentConfig(
    brightness_range=[0.8, 1.2],
    channel_shift_range=0.1,
    horizontal_flip=True,
    rescale=1 / 255,
)

SQUARE = np.zeros((64, 64, 3), np.uint8)
TALL = np.zeros((100, 60, 3), np.uint8)  # H=100, W=60: pivot 20 px off the centre
NOISE = np.random.default_rng(0).integers(0, 256, size=(4, 16, 16, 3), dtype=np.uint8)


def codes(findings):
    return [finding.code for finding in findings]


def by_code(findings, code):
    matches = [finding for finding in findings if finding.code == code]
    assert len(matches) == 1, codes(findings)
    return matches[0]


# Scenarios that together trigger every check; used for the code/fix/order invariants.
SCENARIOS = [
    (EX1, dict(images=[TALL], mean_fill_fraction=0.3)),
    (EX2, dict()),
    (EX3, dict()),
    (EX3, dict(input_range="0-1")),
    (
        AugmentConfig(
            channel_shift_range=200,
            zoom_range=[1.0, 1.5],
            fill_mode="constant",
            cval=128,
            vertical_flip=True,
            samplewise_std_normalization=True,
        ),
        dict(images=[SQUARE, TALL], mean_fill_fraction=0.08),
    ),
    (
        AugmentConfig(width_shift_range=1, height_shift_range=5, channel_shift_range=0.01, fill_mode="wrap"),
        dict(input_range="0-1", images=[TALL], mean_fill_fraction=0.2),
    ),
    (
        AugmentConfig(channel_shift_range=25, width_shift_range=0.1, fill_mode="reflect"),
        dict(input_range="0-1", mean_fill_fraction=0.5),
    ),
    # Measured: brightness on 0..1 data turns the output black.
    (EX3, dict(input_range="0-1", images=list(NOISE), pixels=measure_pixels(NOISE, EX3, "0-1"))),
    # Values only IDG's own arithmetic explains.
    (
        AugmentConfig(
            width_shift_range=-3,
            height_shift_range=[-2, 0.5],
            interpolation_order=3,
            brightness_range=[0, 1],
            rescale=0,
            zoom_range=1.5,
            shear_range=-5,
        ),
        dict(images=[TALL]),
    ),
    (AugmentConfig(zoom_range=[1.2, 0.8], fill_mode="grid-wrap", rotation_range=-10), dict()),
    (AugmentConfig(rotation_range=0.2), dict()),
]


def all_findings():
    return [finding for config, kwargs in SCENARIOS for finding in diagnose(config, **kwargs)]


# -- the article's examples ---------------------------------------------------------------


def test_default_config_has_no_findings():
    assert diagnose(AugmentConfig()) == []
    assert diagnose(AugmentConfig(), images=[TALL, SQUARE], input_range="0-1", mean_fill_fraction=0.0) == []


def test_example3_channel_shift_is_invisible_on_0_255_data():
    findings = diagnose(EX3, images=[SQUARE], input_range="0-255")
    finding = by_code(findings, "channel_shift_invisible")
    assert finding.severity == "warning"
    assert finding.setting == "channel_shift_range"
    assert "0.1" in finding.message and "255" in finding.message
    assert "channel_shift_range=25.5" in finding.fix
    assert "brightness_truncates" in codes(findings)
    assert "brightness_on_unit_data" not in codes(findings) and "rescale_twice" not in codes(findings)


def test_example3_on_0_1_data_goes_black_and_is_rescaled_twice():
    findings = diagnose(EX3, input_range="0-1")
    black = by_code(findings, "brightness_on_unit_data")
    twice = by_code(findings, "rescale_twice")
    assert black.severity == twice.severity == "warning"
    assert "black" in black.message and "[0.8, 1.2]" in black.message
    assert "rescale=1/255" in black.fix
    assert "1/255" in twice.message
    assert "brightness_truncates" not in codes(findings)
    # 0.1 is a visible shift of 0..1 data: no longer invisible, not huge either.
    assert "channel_shift_invisible" not in codes(findings)
    assert "channel_shift_huge" not in codes(findings)


def test_example1_is_over_augmented_zooms_out_and_swaps_shift_axes():
    findings = diagnose(EX1)
    for code in ("over_augmentation", "zoom_out", "shift_axes_swapped", "flips_orientation"):
        assert code in codes(findings)
    over = by_code(findings, "over_augmentation")
    # Whether it hurts depends on the data (it helped on cats vs dogs): a note that says to measure it.
    assert over.severity == "note" and over.change is None
    assert "rotation_range=40" in over.message and "0.2" in over.message and "depends on the data" in over.message
    assert "Train and compare" in over.fix and "python -m explorer ablate" in over.fix
    zoom = by_code(findings, "zoom_out")
    assert zoom.severity == "note" and "0.8..1.2" in zoom.message and "OUT" in zoom.message
    swapped = by_code(findings, "shift_axes_swapped")
    assert "LEFT/RIGHT" in swapped.message and "UP/DOWN" in swapped.message


def test_example2_is_not_over_augmented():
    found = codes(diagnose(EX2))
    assert "over_augmentation" not in found and "zoom_out" not in found
    assert "shift_axes_swapped" in found and "flips_orientation" in found


# -- individual checks ---------------------------------------------------------------------


def test_int_shift_one_never_shifts():
    finding = by_code(diagnose(AugmentConfig(width_shift_range=1)), "int_shift")
    assert finding.severity == "warning" and finding.setting == "width_shift_range"
    assert "never shifts" in finding.message
    assert "width_shift_range=1.0" in finding.fix
    # An int 1 moves nothing, so it is not reported as a (swapped) shift.
    assert "shift_axes_swapped" not in codes(diagnose(AugmentConfig(width_shift_range=1)))


def test_int_shift_n_reaches_n_minus_one_and_floats_are_fine():
    finding = by_code(diagnose(AugmentConfig(height_shift_range=5)), "int_shift")
    assert "-4 to 4" in finding.message and finding.setting == "height_shift_range"
    assert "int_shift" not in codes(diagnose(AugmentConfig(height_shift_range=5.0)))
    assert "int_shift" not in codes(diagnose(AugmentConfig(height_shift_range=0.1)))


def test_shift_axes_say_what_each_does_when_they_differ():
    finding = by_code(diagnose(AugmentConfig(width_shift_range=0.3, height_shift_range=0.1)), "shift_axes_swapped")
    assert "height_shift_range=0.1 moves the image LEFT/RIGHT" in finding.message
    assert "width_shift_range=0.3 moves the image UP/DOWN" in finding.message
    assert "width_shift_range=0.1 and height_shift_range=0.3" in finding.fix


def test_shift_axes_fix_rescales_fractions_on_non_square_images():
    # Left/right by 10% of the width (6 px) needs height_shift_range = 6 / 100.
    finding = by_code(diagnose(AugmentConfig(width_shift_range=0.1), images=[TALL]), "shift_axes_swapped")
    assert "±6 px" in finding.message and "only up/down" in finding.message
    assert "height_shift_range=0.06" in finding.fix


def test_off_centre_pivot_gives_the_offset_of_the_first_non_square_image():
    findings = diagnose(AugmentConfig(rotation_range=20), images=[SQUARE, TALL])
    finding = by_code(findings, "off_centre_pivot")
    assert finding.severity == "note" and finding.setting == "rotation_range"
    assert "20 px off" in finding.message  # |100 - 60| / 2
    assert "60 x 100" in finding.message and "column 49.5, row 29.5" in finding.message
    wide = np.zeros((30, 41, 1), np.uint8)
    assert "5.5 px off" in by_code(diagnose(AugmentConfig(zoom_range=0.1), images=[wide]), "off_centre_pivot").message


def test_off_centre_pivot_needs_a_non_square_image_and_a_turning_transform():
    assert "off_centre_pivot" not in codes(diagnose(AugmentConfig(rotation_range=20), images=[SQUARE]))
    assert "off_centre_pivot" not in codes(diagnose(AugmentConfig(rotation_range=20)))
    assert "off_centre_pivot" not in codes(diagnose(AugmentConfig(width_shift_range=0.2), images=[TALL]))


@pytest.mark.parametrize("fraction, severity", [(0.02, None), (0.08, "note"), (0.3, "warning"), (None, None)])
def test_fill_fraction_thresholds(fraction, severity):
    findings = diagnose(EX2, mean_fill_fraction=fraction)
    if severity is None:
        assert "high_fill" not in codes(findings)
    else:
        finding = by_code(findings, "high_fill")
        assert finding.severity == severity
        assert f"{fraction * 100:.0f}%" in finding.message


def test_fill_message_depends_on_fill_mode():
    constant = by_code(diagnose(EX1.replace(fill_mode="constant", cval=7), mean_fill_fraction=0.2), "high_fill")
    assert "cval=7" in constant.message and "fill_mode='reflect'" in constant.fix
    nearest = by_code(diagnose(EX1, mean_fill_fraction=0.2), "high_fill")
    assert "streaks" in nearest.message and "rotation_range=40" in nearest.fix
    reflect = by_code(diagnose(EX1.replace(fill_mode="reflect"), mean_fill_fraction=0.2), "high_fill")
    assert "mirrored" in reflect.message and "fill_mode" not in reflect.fix


def test_channel_shift_thresholds_depend_on_the_input_range():
    assert "channel_shift_invisible" in codes(diagnose(AugmentConfig(channel_shift_range=5)))
    assert "channel_shift_invisible" not in codes(diagnose(AugmentConfig(channel_shift_range=20)))
    assert "channel_shift_huge" in codes(diagnose(AugmentConfig(channel_shift_range=128)))
    assert "channel_shift_huge" not in codes(diagnose(AugmentConfig(channel_shift_range=127)))
    assert "channel_shift_invisible" in codes(diagnose(AugmentConfig(channel_shift_range=0.01), input_range="0-1"))
    huge = by_code(diagnose(AugmentConfig(channel_shift_range=25), input_range="0-1"), "channel_shift_huge")
    assert "0.098" in huge.fix  # 25 levels of 255, in 0..1 units


def test_zoom_in_only_is_not_zoom_out():
    assert "zoom_out" not in codes(diagnose(AugmentConfig(zoom_range=[0.8, 1.0])))
    finding = by_code(diagnose(AugmentConfig(zoom_range=[1.0, 1.25])), "zoom_out")
    assert "zoom_range=[0.8, 1]" in finding.fix


def test_flips_and_samplewise_notes():
    flips = by_code(diagnose(AugmentConfig(vertical_flip=True)), "flips_orientation")
    assert flips.setting == "vertical_flip" and "upside-down" in flips.message
    std = by_code(diagnose(AugmentConfig(samplewise_std_normalization=True)), "samplewise_std_turns_on_center")
    assert std.severity == "note"
    both = AugmentConfig(samplewise_std_normalization=True, samplewise_center=True)
    assert diagnose(both) == []


def test_rescale_on_unit_data_only_when_it_changes_something():
    assert "rescale_twice" not in codes(diagnose(AugmentConfig(rescale=1.0), input_range="0-1"))
    assert "rescale_twice" not in codes(diagnose(AugmentConfig(rescale=1 / 255), input_range="0-255"))


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError):
        diagnose(AugmentConfig(), input_range="0-65535")
    with pytest.raises(ValueError):
        diagnose(AugmentConfig(), mean_fill_fraction=1.5)
    with pytest.raises(ValueError):
        diagnose(AugmentConfig(), mean_fill_fraction=float("nan"))
    assert codes(diagnose({"rotation_range": 10}, images=[TALL])) == ["off_centre_pivot"]


# -- invariants over every check -----------------------------------------------------------


def test_every_finding_code_is_unique_across_the_checks():
    registered = [check.code for check in CHECKS]
    assert len(registered) == len(set(registered)) == 25
    # Each check reports only its own code, and every check is exercised by the scenarios.
    seen = set()
    for config, kwargs in SCENARIOS:
        inputs = Inputs(
            config,
            tuple(kwargs.get("images", ())),
            kwargs.get("input_range", "0-255"),
            kwargs.get("mean_fill_fraction"),
            kwargs.get("pixels"),
        )
        for check in CHECKS:
            finding = check(inputs)
            if finding is not None:
                assert isinstance(finding, Finding)
                assert finding.code == check.code
                seen.add(finding.code)
    assert seen == set(registered)


def test_findings_follow_the_check_order():
    order = [check.code for check in CHECKS]
    for config, kwargs in SCENARIOS:
        found = codes(diagnose(config, **kwargs))
        assert found == sorted(found, key=order.index)
        assert len(found) == len(set(found))


def test_every_fix_is_one_non_empty_line_and_fields_are_well_formed():
    fields = {name for name in AugmentConfig.__dataclass_fields__}
    for finding in all_findings():
        assert finding.fix.strip() and "\n" not in finding.fix, finding
        assert finding.message.strip() and "\n" not in finding.message, finding
        assert finding.severity in ("warning", "note")
        assert finding.setting == "" or finding.setting in fields, finding


def test_article_shear_of_point_two_is_a_fraction_of_a_degree():
    findings = {f.code: f for f in diagnose(AugmentConfig(shear_range=0.2))}
    assert findings["shear_in_degrees"].severity == "warning"
    assert "0.2°" in findings["shear_in_degrees"].message
    assert "shear_in_degrees" not in codes(diagnose(AugmentConfig(shear_range=10)))


def test_a_code_can_be_registered_only_once():
    count = len(CHECKS)
    with pytest.raises(ValueError, match="zoom_out"):
        findings.check("zoom_out")(lambda inputs: None)
    assert len(CHECKS) == count


# -- one threshold table -------------------------------------------------------------------


def test_thresholds_are_the_documented_numbers():
    assert THRESHOLDS.channel_shift_invisible * 255 == pytest.approx(5.1)
    assert THRESHOLDS.channel_shift_huge * 255 == pytest.approx(127.5)
    assert (THRESHOLDS.fill_note, THRESHOLDS.fill_warning) == (0.05, 0.15)
    assert (THRESHOLDS.flat_std_ratio, THRESHOLDS.flat_share, THRESHOLDS.flat_shrink) == (0.01, 0.95, 0.2)
    assert (THRESHOLDS.over_rotation_deg, THRESHOLDS.over_shift) == (30.0, 0.2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        THRESHOLDS.fill_note = 0.5  # type: ignore[misc]


def test_rules_follow_a_replaced_threshold_table(monkeypatch):
    before = {
        "fill": codes(diagnose(EX2, mean_fill_fraction=0.02)),
        "shift": codes(diagnose(AugmentConfig(channel_shift_range=30))),
        "small": codes(diagnose(AugmentConfig(channel_shift_range=20))),
        "over": codes(diagnose(EX1)),
        "shear": codes(diagnose(AugmentConfig(shear_range=3))),
    }
    assert not {"high_fill", "channel_shift_huge", "channel_shift_invisible", "shear_in_degrees"} & {
        code for key in ("fill", "shift", "small", "shear") for code in before[key]
    }
    assert "over_augmentation" in before["over"]
    monkeypatch.setattr(
        findings,
        "THRESHOLDS",
        dataclasses.replace(
            THRESHOLDS,
            fill_note=0.01,
            fill_warning=0.015,
            channel_shift_huge=0.1,
            channel_shift_invisible=0.09,
            over_rotation_deg=45.0,
            shear_invisible_deg=5.0,
        ),
    )
    assert by_code(diagnose(EX2, mean_fill_fraction=0.02), "high_fill").severity == "warning"
    assert "channel_shift_huge" in codes(diagnose(AugmentConfig(channel_shift_range=30)))
    assert "channel_shift_invisible" in codes(diagnose(AugmentConfig(channel_shift_range=20)))
    assert "over_augmentation" not in codes(diagnose(EX1))
    assert "shear_in_degrees" in codes(diagnose(AugmentConfig(shear_range=3)))


def test_rules_compare_against_no_number_of_their_own():
    """Thresholds live in THRESHOLDS: a rule compares only against 0 and 1 (units, signs,
    IDG's own int/float boundaries), never against a literal limit."""
    tree = ast.parse(Path(checks.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        if isinstance(node.left, ast.Call) and getattr(node.left.func, "id", "") == "len":
            continue  # array ranks, not limits
        for operand in (node.left, *node.comparators):
            if isinstance(operand, ast.Constant) and isinstance(operand.value, (int, float)):
                assert operand.value in (0, 1), f"line {node.lineno}: compares against {operand.value}"


# -- merged rules: the measured range when given, the input range's span otherwise --------


def test_channel_shift_rule_uses_the_measured_range_when_given():
    narrow = np.random.default_rng(3).integers(100, 121, size=(3, 16, 16, 3), dtype=np.uint8)  # spans 100..120
    huge = AugmentConfig(channel_shift_range=15)  # 6% of 255, 75% of 20
    assert not {"channel_shift_huge", "channel_shift_invisible"} & set(codes(diagnose(huge, narrow)))
    measured = diagnose(huge, narrow, pixels=measure_pixels(narrow, huge))
    finding = by_code(measured, "channel_shift_huge")
    assert "spanning 100..120" in finding.message and "75%" in finding.message
    small = AugmentConfig(channel_shift_range=3)  # 1.2% of 255, 15% of 20
    assert "channel_shift_invisible" in codes(diagnose(small, narrow))
    assert not {"channel_shift_huge", "channel_shift_invisible"} & set(
        codes(diagnose(small, narrow, pixels=measure_pixels(narrow, small)))
    )


def test_one_problem_gives_one_finding_with_or_without_measurements():
    for config, input_range in ((EX3, "0-255"), (EX3, "0-1"), (AugmentConfig(channel_shift_range=200), "0-255")):
        plain = codes(diagnose(config, NOISE, input_range))
        measured = codes(diagnose(config, NOISE, input_range, pixels=measure_pixels(NOISE, config, input_range)))
        assert len(measured) == len(set(measured))
        assert set(plain) <= set(measured), (plain, measured)
        assert set(measured) - set(plain) <= {"black_output"}


def test_pct_never_rounds_nearly_all_up_to_all():
    assert pct(0.9996) == "99.9%"
    assert pct(1.0) == "100%" and pct(0.3) == "30%" and pct(0.08) == "8%" and pct(0.00039) == "0.039%"


# -- layers ----------------------------------------------------------------------------------
# (every layer's imports and every module's size are checked in test_layers.py)

RULE_MODULES = tuple(Module(m.__name__, Path(m.__file__)) for m in (findings, checks, pixels, doctor, oddities))


def test_the_rules_read_settings_images_and_measurements_only():
    """Narrower than the diagnostics layer's rule: the doctor needs no run records."""
    allowed_own = ("explorer.augment", "explorer.errors", "explorer.diagnostics")
    for module in RULE_MODULES:
        for name in imported_modules(module):
            if name.startswith("explorer"):
                assert name.startswith(allowed_own), f"{module.name} imports {name}"
                if name.startswith("explorer.diagnostics"):
                    assert name in {"explorer.diagnostics", *(m.name for m in RULE_MODULES)}, name


def test_measurement_decides_nothing():
    assert not {name for name in imported_modules(RULE_MODULES[2]) if name.startswith("explorer.diagnostics")}
    assert inspect.getsourcefile(doctor.diagnose) == doctor.__file__


# -- values only IDG's arithmetic explains ----------------------------------------------------


def _codes(config, **kwargs):
    return {finding.code: finding for finding in diagnose(config, **kwargs)}


def test_a_zoom_of_one_and_a_half_mirrors_about_a_third_of_images():
    finding = _codes(AugmentConfig(zoom_range=1.5))["zoom_mirrors"]
    assert "from -0.5 to 2.5" in finding.message and "31% of images" in finding.message
    assert "zoom_out" not in _codes(AugmentConfig(zoom_range=1.5))  # its fix would be nonsense here
    assert "only zooms out" in _codes(AugmentConfig(zoom_range=[1, 1.2]))["zoom_out"].message


def test_list_shifts_are_exact_moves_and_a_signed_max_can_turn_pixels_into_widths():
    note = _codes(AugmentConfig(width_shift_range=[-2, 0, 2]))["list_shift"]
    assert note.severity == "note" and "moves of exactly 0, ±2 px" in note.message
    trap = _codes(AugmentConfig(width_shift_range=[-2, 0.5]))["list_shift"]
    assert trap.severity == "warning" and "2 is read as 2 image widths" in trap.message


def test_negative_ranges_act_like_positive_ones_but_a_negative_int_shift_leaves_the_frame():
    note = _codes(AugmentConfig(rotation_range=-20, channel_shift_range=-30))["negative_range"]
    assert "rotation_range=-20" in note.message and "rotation_range=20, channel_shift_range=30" in note.fix
    warning = _codes(AugmentConfig(height_shift_range=-2), images=[SQUARE])["negative_int_shift"]
    assert "up to 2 times the height" in warning.message and "height_shift_range=3" in warning.fix


def test_spline_orders_brightness_from_zero_rescale_zero_and_scipy_modes_are_explained():
    codes = _codes(
        AugmentConfig(rotation_range=10, interpolation_order=3, brightness_range=[0, 2], rescale=0, fill_mode="mirror")
    )
    assert "order 3" in codes["spline_order"].message and "slower" in codes["spline_order"].message
    assert "15% of images" in codes["brightness_dark"].message
    assert "exactly as if it were None" in codes["rescale_zero"].message
    assert "edge pixel's centre" in codes["scipy_fill_mode"].message
    assert "spline_order" not in _codes(AugmentConfig(interpolation_order=3))  # nothing warps: never used


# -- fixes pass the doctor -----------------------------------------------------------------

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from explorer.augment.config import FILL_MODES  # noqa: E402
from explorer.errors import InputError  # noqa: E402
from explorer.interchange.paste import literal_value  # noqa: E402

# Warnings whose fix is advice, not a change of settings: both are measured on the images, so
# what a change does to them shows only when measured again.
ADVICE_ONLY = {"black_output", "high_fill"}

_small = st.sampled_from([0, 0.0001, 0.004, 0.2, 0.5, 0.99, 1, 2, 5, 30, 40, 127.4, 200, 1000])
_signed = st.one_of(_small, _small.map(lambda value: -value), st.floats(-400, 400, allow_nan=False))
_shift = st.one_of(
    st.sampled_from([0.0, 0.1, 0.2, 0.9, 1, 3, 5.0, 40.0, -3, -0.2]),
    st.floats(-2, 2, allow_nan=False),
    st.integers(-5, 300),
    st.lists(st.one_of(st.integers(-5, 20), st.sampled_from([-2.0, -0.3, 0.0, 0.1, 0.5, 1.5])), min_size=1, max_size=3),
)
_zoom = st.one_of(
    st.sampled_from([0.0, 0.2, 1.0, 1.5, 3.0]),
    st.floats(-2, 3, allow_nan=False),
    st.tuples(st.floats(-1, 3, allow_nan=False), st.floats(-1, 3, allow_nan=False)),
)
CONFIG_KWARGS = st.fixed_dictionaries(
    {},
    optional={
        "rotation_range": _signed,
        "width_shift_range": _shift,
        "height_shift_range": _shift,
        "shear_range": _signed,
        "zoom_range": _zoom,
        "channel_shift_range": _signed,
        "brightness_range": st.tuples(st.sampled_from([0.0, 0.1, 0.5, 0.8, 1.2]), st.floats(0, 2, allow_nan=False)),
        "horizontal_flip": st.booleans(),
        "vertical_flip": st.booleans(),
        "fill_mode": st.sampled_from([*FILL_MODES, "bogus"]),
        "cval": st.sampled_from([0.0, 128.0]),
        "interpolation_order": st.integers(0, 5),
        "rescale": st.sampled_from([None, 0, 1, 1 / 255, 2.0, 0.5]),
        "samplewise_center": st.booleans(),
        "samplewise_std_normalization": st.booleans(),
    },
)


def _config_or_skip(kwargs: dict) -> AugmentConfig:
    try:
        return AugmentConfig(**kwargs)
    except (ValueError, TypeError, OverflowError):
        assume(False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
    CONFIG_KWARGS,
    st.sampled_from(["0-255", "0-1"]),
    st.one_of(st.none(), st.tuples(st.integers(8, 300), st.integers(8, 300))),
    st.one_of(st.none(), st.floats(0, 1)),
)
def test_every_config_fix_applied_draws_no_warning_for_its_code_and_no_new_warning(kwargs, input_range, size, fill):
    config = _config_or_skip(kwargs)
    before = diagnose(config, input_range=input_range, size=size, mean_fill_fraction=fill)
    warned = {finding.code for finding in before if finding.severity == "warning"}
    for finding in before:
        if finding.change is None:
            assert finding.severity == "note" or finding.code in ADVICE_ONLY, finding
            continue
        fixed = finding.change.apply(config)
        after = diagnose(
            fixed, input_range=finding.change.input_range or input_range, size=size, mean_fill_fraction=fill
        )
        still = {f.code for f in after if f.severity == "warning"}
        assert finding.code not in still or finding.severity == "note", (finding, after)
        assert still <= warned, (finding, still - warned)


def _written_values(fix: str, name: str) -> list:
    """Every value the fix's words give `name` ('zoom_range=[0.8, 1.0]' -> [0.8, 1.0])."""
    values = []
    for part in fix.split(f"{name}=")[1:]:
        end = (
            part.index("]") + 1
            if part.startswith("[")
            else next(
                (i for i, c in enumerate(part) if c in " ,;)" or (c == "." and not part[i + 1 : i + 2].isdigit())),
                len(part),
            )
        )
        try:
            values.append(literal_value(ast.parse(part[:end], mode="eval").body, name))  # 1/255 too
        except (SyntaxError, InputError):
            continue
    return values


def test_a_change_is_what_its_fix_says():
    """The change carries the values the fix's words name (a fix read by a person and a fix
    applied by code are one fix)."""
    checked = 0
    for finding in all_findings():
        for name, value in finding.change.settings if finding.change else ():
            assert name in finding.fix, finding
            if value is not None:
                assert any(
                    written == value if isinstance(value, str) else np.allclose(written, value, rtol=1e-3)
                    for written in _written_values(finding.fix, name)
                ), (finding.fix, name, value)
                checked += 1
    assert checked >= 15


def test_rotation_below_one_degree_names_degrees_and_keras_3s_fraction_of_a_turn():
    finding = by_code(diagnose(AugmentConfig(rotation_range=0.2)), "rotation_invisible")
    assert finding.severity == "warning"
    assert "0.2°" in finding.message and "RandomRotation(factor=0.2)" in finding.message and "±72°" in finding.message
    assert "rotation_range=72" in finding.fix and finding.change.apply(AugmentConfig()).rotation_range == 72
    assert "rotation_invisible" not in codes(diagnose(AugmentConfig(rotation_range=1)))
    assert "rotation_invisible" not in codes(diagnose(AugmentConfig(rotation_range=0)))
