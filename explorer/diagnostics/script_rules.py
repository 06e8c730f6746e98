"""The script doctor's rules: one small rule per mistake, `ScriptFacts -> list[ScriptFinding]`,
registered in `RULES` in report order, each finding with its fix in words and, where the fix
is one, as edits of the script's text (`script_facts` holds the records the rules read and
write). IDG's semantics are those of its own code (/work/shared/IDG_SEMANTICS.md)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from ..augment.config import TRANSFORM_FIELDS, AugmentConfig
from .doctor import diagnose
from .findings import NOTE, WARNING, num, rescale_text, setting_text
from .script_facts import (  # noqa: F401  (the records, here too for the rules' readers)
    AppName,
    Arguments,
    Edit,
    Generator,
    IdgCall,
    Iterator,
    IteratorPair,
    KerasVersion,
    ModelCall,
    ScriptFacts,
    ScriptFinding,
    Span,
    apply_edits,
    family_edits,
    keras_version,
    python_text,
)

# How each keras.applications module's preprocess_input treats 0..255 RGB pixels, and the
# range it gives (caffe: BGR minus the ImageNet mean 103.9/116.8/123.7; torch: ImageNet
# mean and std on 0..1; none: the model rescales inside and wants 0..255).
PREPROCESS_MODES = {
    "vgg16": "caffe",
    "vgg19": "caffe",
    "resnet": "caffe",
    "resnet50": "caffe",
    "imagenet_utils": "caffe",
    "mobilenet": "tf",
    "mobilenet_v2": "tf",
    "inception_v3": "tf",
    "xception": "tf",
    "inception_resnet_v2": "tf",
    "resnet_v2": "tf",
    "nasnet": "tf",
    "densenet": "torch",
    "efficientnet": "none",
    "efficientnet_v2": "none",
    "mobilenet_v3": "none",
    "convnext": "none",
    "regnet": "none",
}
MODE_EFFECTS = {
    "caffe": ("turns RGB into BGR and subtracts the ImageNet mean, giving about -124..152", (-123.68, 151.061)),
    "tf": ("scales the pixels to -1..1", (-1.0, 1.0)),
    "torch": ("scales to 0..1 and standardizes with the ImageNet mean and std, giving about -2.1..2.6", (-2.118, 2.64)),
    "none": ("passes the pixels through, as the model rescales inside and expects 0..255", (0.0, 255.0)),
}
FLAGS = (
    "horizontal_flip",
    "vertical_flip",
    "samplewise_center",
    "samplewise_std_normalization",
    "featurewise_center",
    "featurewise_std_normalization",
    "zca_whitening",
)
FEATUREWISE = ("featurewise_center", "featurewise_std_normalization", "zca_whitening")
# Settings that must match between an image generator and its mask generator.
GEOMETRY = (
    "rotation_range",
    "width_shift_range",
    "height_shift_range",
    "shear_range",
    "zoom_range",
    "horizontal_flip",
    "vertical_flip",
    "fill_mode",
)
FIT_METHODS = ("fit", "fit_generator")
PREDICT_METHODS = ("predict", "predict_generator")
UNKNOWN = object()  # an argument given as something we cannot read (a seed from a function call)


Rule = Callable[[ScriptFacts], list[ScriptFinding]]
RULES: list[Rule] = []


def rule(function: Rule) -> Rule:
    RULES.append(function)
    return function


def run_rules(facts: ScriptFacts) -> list[ScriptFinding]:
    return [finding for check in RULES for finding in check(facts)]


def _at(where, code: str, severity: str, message: str, fix: str, edits=()) -> ScriptFinding:
    return ScriptFinding(
        where.line, where.cell, code, severity, message, fix, tuple(edit for edit in edits if edit is not None)
    )


def _text(value: Any) -> str:
    """A value as written in Python: numbers as `num` writes them, strings quoted, lists."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_text(item) for item in value) + "]"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return num(value)
    return repr(value)


def random_transforms(call: IdgCall) -> list[str]:
    """'name=value' for each random transform the call turns on. Without a config (the model
    refused the settings) each transform is tried alone, and counted as on when truthy."""
    if call.config is not None:
        return [
            setting_text(call.config, name)
            for name in call.config.active_transforms()
            if not _fixed_pair(call.config, name)
        ]
    found = []
    for name, value in ((name, call.kwargs[name]) for name in TRANSFORM_FIELDS if name in call.kwargs):
        try:
            on = bool(AugmentConfig(**{name: value}).active_transforms())
        except (ValueError, TypeError, OverflowError):
            on = bool(value)
        found += [f"{name}={_text(value)}"] if on else []
    return found


def _fixed_pair(config: AugmentConfig, name: str) -> bool:
    """A zoom or brightness pair with equal ends (horovod's validation zoom_range=(0.875, 0.875)):
    IDG draws from a zero-width interval, so every image gets the same change, not a random one."""
    bounds = (
        config.zoom_bounds if name == "zoom_range" else config.brightness_range if name == "brightness_range" else None
    )
    return bounds is not None and bounds[0] == bounds[1]


def _plain_generator(generator: Generator, extra: str = "") -> str:
    """The fix's generator: the same preprocessing (rescale left out beside a preprocess_input,
    which scales already), no random transforms."""
    settings = ", ".join(part for part in (generator.kept, extra) if part)
    return f"{generator.func}({settings})"


def _without_split(call: IdgCall) -> bool:
    """Whether the call certainly has no validation_split (0 or not given, nothing unread
    that could hold it)."""
    if "validation_split" in call.unreadable or any(name.startswith("*") for name in call.unreadable):
        return False
    return not call.kwargs.get("validation_split")


# -- the rules, in report order -------------------------------------------------------------


def _subset_finding(iterator: Iterator, transforms: list[str]) -> ScriptFinding:
    call = iterator.generator.call
    split = call.kwargs.get("validation_split")
    share = f"{num(split * 100)}%" if isinstance(split, (int, float)) and not isinstance(split, bool) else "fraction"
    first = {
        "flow_from_directory": "of each class's files in sorted file-name order",
        "flow_from_dataframe": "of the dataframe's rows",
    }.get(iterator.method, "of the rows of x")
    extra = f"validation_split={_text(split)}" if share != "fraction" else "validation_split=..."
    edits = (
        [iterator.receiver.put(_plain_generator(iterator.generator, extra))]
        if share != "fraction" and iterator.receiver
        else []
    )
    return _at(
        iterator,
        "validation_augmented",
        WARNING,
        f"{iterator.name} takes subset='validation' from {call.name}, which applies random transforms "
        f"({', '.join(transforms)}): IDG augments the validation subset too (both subsets come from one "
        f"generator), so validation scores are measured on augmented images. And the subset is the first "
        f"{share} {first}, not a random sample.",
        f"Take subset='validation' from a second generator without random transforms, "
        f"val_datagen = {_plain_generator(iterator.generator, extra)}, with the same {iterator.method} arguments.",
        edits,
    )


def _model_call_finding(call: ModelCall, iterator: Iterator, role: str, transforms: list[str]) -> ScriptFinding:
    what = {"validation": "validation scores are", "evaluate": "scores are", "predict": "predictions are"}[role]
    helper = "val_datagen" if role == "validation" else "test_datagen"
    return _at(
        call,
        "validation_augmented",
        WARNING,
        f"{iterator.name} comes from {iterator.generator.call.name}, which applies random transforms "
        f"({', '.join(transforms)}), and it is passed {'as validation_data ' if role == 'validation' else ''}to "
        f"{call.receiver}.{call.method}: the {what} made on randomly transformed images, noisier and usually "
        "lower than on real ones, so they do not measure the model on the data it will see.",
        f"Make these images with a generator without random transforms, {helper} = "
        f"{_plain_generator(iterator.generator)}, and {helper}.{iterator.method}(...) with the same arguments.",
        [iterator.receiver.put(_plain_generator(iterator.generator))] if iterator.receiver else [],
    )


@rule
def validation_augmented(facts: ScriptFacts) -> list[ScriptFinding]:
    """Validation or test images drawn through a generator with random transforms: a
    subset='validation' of an augmenting generator (reported at its flow* call), or an
    augmenting generator's iterator passed as validation_data or to evaluate/predict."""
    findings, seen = [], set()
    for iterator in facts.iterators:
        if _without_split(iterator.generator.call) and iterator.subset in ("validation", "training"):
            seen.add(iterator)  # subset_without_split: the subset is empty (or everything)
            continue
        if iterator.subset == "validation" and (transforms := random_transforms(iterator.generator.call)):
            seen.add(iterator)
            findings.append(_subset_finding(iterator, transforms))
    for call in facts.model_calls:
        role = (
            "validation" if call.method in FIT_METHODS else "predict" if call.method in PREDICT_METHODS else "evaluate"
        )
        iterator = call.validation if role == "validation" else call.x
        if iterator is None or iterator in seen or (role == "validation" and iterator is call.x):
            continue
        if transforms := random_transforms(iterator.generator.call):
            findings.append(_model_call_finding(call, iterator, role, transforms))
    return findings


@rule
def subset_without_split(facts: ScriptFacts) -> list[ScriptFinding]:
    """subset='validation' or 'training' from a generator without validation_split: IDG splits
    at 0, so the validation subset is empty (flow_from_directory finds 0 images; flow refuses
    the split) and the training subset is every image."""
    findings = []
    for iterator in facts.iterators:
        call = iterator.generator.call
        if iterator.subset not in ("validation", "training") or not _without_split(call):
            continue
        if iterator.subset == "validation":
            what = "the validation subset is empty: " + (
                "flow refuses a split that leaves no validation rows"
                if iterator.method == "flow"
                else f"{iterator.method} finds 0 images, so there is nothing to validate on"
            )
        else:
            what = "the training subset is every image, and no image is held out for validation"
        # With a split, a validation subset of an augmenting generator is augmented: it moves to a plain one.
        transforms = random_transforms(call)
        moved = (
            [
                it
                for it in facts.iterators
                if it.generator is iterator.generator and it.subset == "validation" and transforms and it.receiver
            ]
            if transforms
            else []
        )
        edits = [iterator.generator.arguments.set("validation_split", "0.2")]
        edits += [it.receiver.put(_plain_generator(iterator.generator, "validation_split=0.2")) for it in moved]
        plain = (
            f"; take the validation subset from a generator without random transforms and the same split, "
            f"{_plain_generator(iterator.generator, 'validation_split=0.2')}"
            if moved
            else ""
        )
        findings.append(
            _at(
                iterator,
                "subset_without_split",
                WARNING,
                f"{iterator.name} takes subset={iterator.subset!r} from {call.name}, which has no validation_split: "
                f"IDG splits at 0, so {what}.",
                f"Give {call.name} a validation_split, e.g. validation_split=0.2 for a 20% validation subset{plain}.",
                edits,
            )
        )
    return findings


@rule
def rescale_and_preprocess_input(facts: ScriptFacts) -> list[ScriptFinding]:
    """rescale and a preprocess_input as preprocessing_function: IDG runs the function
    first, then multiplies by rescale, so the pixels are scaled twice."""
    findings = []
    for generator in facts.generators:
        call, use, rescale = generator.call, generator.preprocessing, generator.call.kwargs.get("rescale")
        if use is None or not isinstance(rescale, (int, float)) or isinstance(rescale, bool) or not rescale:
            continue
        mode = PREPROCESS_MODES.get(use.family or "")
        effect = ""
        if mode:
            words, (low, high) = MODE_EFFECTS[mode]
            effect = (
                f" ({use.text} {words}), so the model sees about {num(low * rescale)}.."
                f"{num(high * rescale)} instead of {num(low)}..{num(high)}"
            )
        findings.append(
            _at(
                call,
                "rescale_and_preprocess_input",
                WARNING,
                f"{call.name} sets rescale={rescale_text(rescale)} and preprocessing_function={use.text}: IDG runs "
                f"preprocessing_function first, on the 0..255 pixels, then multiplies its result by "
                f"rescale{effect}. The pixels are scaled twice.",
                f"Remove rescale={rescale_text(rescale)}: {use.text} already scales the pixels as the model expects.",
                [generator.arguments.removals["rescale"].put("")] if "rescale" in generator.arguments.removals else [],
            )
        )
    return findings


@rule
def preprocess_input_family_mismatch(facts: ScriptFacts) -> list[ScriptFinding]:
    """A preprocess_input from another keras.applications family than the model built, when
    the two scale pixels differently (resnet50's and vgg16's are the same caffe mode)."""
    models = [model for model in facts.models if model.family in PREPROCESS_MODES]
    if not models:
        return []
    model_modes = {PREPROCESS_MODES[model.family] for model in models}
    findings, seen = [], set()
    for use in facts.preprocess_uses:
        mode = PREPROCESS_MODES.get(use.family or "")
        if mode is None or mode in model_modes or use.family in seen:
            continue
        seen.add(use.family)
        model = models[0]
        where = f"line {model.line}" + ("" if model.cell is None else f" of cell {model.cell}")
        findings.append(
            _at(
                use,
                "preprocess_input_family_mismatch",
                WARNING,
                f"{use.text} comes from keras.applications.{use.family} and {MODE_EFFECTS[mode][0]}, but the model is "
                f"{model.text} ({where}), whose weights expect keras.applications.{model.family}."
                f"preprocess_input, which {MODE_EFFECTS[PREPROCESS_MODES[model.family]][0]}: the pretrained "
                "features see pixels in the wrong range.",
                f"Import preprocess_input from tensorflow.keras.applications.{model.family} instead.",
                family_edits([other for other in facts.preprocess_uses if other.family == use.family], model.family),
            )
        )
    return findings


@rule
def featurewise_without_fit(facts: ScriptFacts) -> list[ScriptFinding]:
    """featurewise_center / featurewise_std_normalization / zca_whitening need statistics
    from `<generator>.fit(x)`; without it IDG warns and skips the normalization."""
    findings = []
    for generator in facts.generators:
        call = generator.call
        flags = [name for name in FEATUREWISE if call.kwargs.get(name)]
        if not flags or generator in facts.fitted:
            continue
        settings = ", ".join(f"{name}={_text(call.kwargs[name])}" for name in flags)
        fit = f"{call.target}.fit(...)" if call.target else "its .fit(...)"
        findings.append(
            _at(
                call,
                "featurewise_without_fit",
                WARNING,
                f"{call.name} sets {settings} but {fit} is never called: without fit IDG has no data-set "
                "mean, std or whitening matrix, so it warns on every batch and leaves the images unnormalized.",
                f"Call {call.target or 'the generator'}.fit(x_sample) on a NumPy array of training images before "
                f"training, or remove {flags[0]}.",
                [generator.after.put(f"{generator.indent}{call.target}.fit(x_sample)\n")]
                if call.target and generator.after
                else [
                    generator.arguments.removals[flag].put("") for flag in flags if flag in generator.arguments.removals
                ],
            )
        )
    return findings


@rule
def shuffled_predict(facts: ScriptFacts) -> list[ScriptFinding]:
    """predict on a shuffling iterator (IDG's default) whose predictions the script compares,
    in order, with labels (`.classes`, `.labels`, a scikit-learn metric): a predict whose
    output never meets labels is not reported."""
    findings = []
    for call in facts.model_calls:
        iterator = call.x
        if (
            call.method not in PREDICT_METHODS
            or iterator is None
            or iterator.shuffle is not True
            or call.compared is None
        ):
            continue
        how = "shuffle=True" if iterator.shuffle_given else f"shuffle defaults to True for {iterator.method}"
        findings.append(
            _at(
                call,
                "shuffled_predict",
                WARNING,
                f"{call.receiver}.{call.method}({iterator.name}) runs on a shuffling iterator ({how}): the "
                f"predictions come in a random order, while {call.compared} compares them with labels in data order, "
                "so predictions are scored against other images' labels (about chance accuracy).",
                f"Create {iterator.name} with shuffle=False for prediction.",
                [iterator.arguments.set("shuffle", "False")],
            )
        )
    return findings


_PAIR_WORDS, _IMAGE_WORDS = re.compile(r"images?|imgs?|masks?|segs?|segmentations?|labels?"), re.compile(r"img|image")


def _named_pairs(facts: ScriptFacts) -> list[IteratorPair]:
    """Iterators named as an image/mask pair (image_gen, mask_gen: the same name but for the
    image/mask word), each name taken at its last binding; at most 16 pairs per name."""
    groups: dict[str, list[Iterator]] = {}
    for name, iterator in {it.target.lower(): it for it in facts.iterators if it.target}.items():
        if _PAIR_WORDS.search(name):
            groups.setdefault(_PAIR_WORDS.sub("*", name), []).append(iterator)
    pairs = []
    for group in groups.values():
        images = [it for it in group if _IMAGE_WORDS.search(it.target.lower())]
        masks = [it for it in group if not _IMAGE_WORDS.search(it.target.lower())]
        for image, mask in itertools.islice(itertools.product(images, masks), 16):
            later = max(image, mask, key=lambda it: (it.cell or 0, it.line))
            pairs.append(IteratorPair(later.line, later.cell, image, mask))
    return pairs


def _setting(call: IdgCall, name: str) -> Any:
    if call.config is not None:
        return getattr(call.config, name)
    value = call.kwargs.get(name, getattr(AugmentConfig(), name))
    return tuple(value) if isinstance(value, list) else value


def _pair_problems(first: Iterator, second: Iterator) -> list[str]:
    problems = []
    if first.seed is None or second.seed is None:
        given = [it.name for it in (first, second) if it.seed is not None]
        problems.append(f"only {given[0]} sets seed=" if given else "neither sets seed=")
    elif UNKNOWN not in (first.seed, second.seed) and first.seed != second.seed:
        problems.append(f"their seeds differ ({_seed_text(first.seed)} and {_seed_text(second.seed)})")
    if first.shuffle is not None and second.shuffle is not None and first.shuffle != second.shuffle:
        problems.append(f"only one of them shuffles (shuffle={first.shuffle} and shuffle={second.shuffle})")
    a, b = first.generator.call, second.generator.call
    unread = {**a.unreadable, **b.unreadable}
    problems += [
        f"{name} differs ({_text(_setting(a, name))} and {_text(_setting(b, name))})"
        for name in GEOMETRY
        if a is not b and name not in unread and _setting(a, name) != _setting(b, name)
    ]
    return problems


def _pair_edits(first: Iterator, second: Iterator) -> list[Edit | None]:
    """One seed for both flow calls (the first one's when it has one), the first one's
    shuffling for the second, and the first generator's call for the second's settings."""
    seed = first.seed if first.seed not in (None, UNKNOWN) else second.seed if second.seed not in (None, UNKNOWN) else 1
    edits = [it.arguments.set("seed", _seed_text(seed)) for it in (first, second) if it.seed != seed]
    if first.shuffle is not None and second.shuffle is not None and first.shuffle != second.shuffle:
        edits.append(second.arguments.set("shuffle", str(first.shuffle)))
    a, b = first.generator, second.generator
    unread = {**a.call.unreadable, **b.call.unreadable}
    if a is not b and any(name not in unread and _setting(a.call, name) != _setting(b.call, name) for name in GEOMETRY):
        edits.append(b.span.put(a.text) if a.text and b.span else None)
    return edits


def _seed_text(seed: Any) -> str:
    return seed[1] if isinstance(seed, tuple) and seed[:1] == ("name",) else _text(seed)


@rule
def mask_pair_mismatch(facts: ScriptFacts) -> list[ScriptFinding]:
    """An image iterator and its mask iterator (zipped, or named as a pair) whose seeds or
    geometric settings differ: the mask no longer lines up with its image."""
    findings, seen = [], set()
    for pair in [*facts.zipped, *_named_pairs(facts)]:
        key = frozenset((id(pair.first), id(pair.second)))
        if key in seen:
            continue
        seen.add(key)
        problems = _pair_problems(pair.first, pair.second)
        if problems:
            findings.append(
                _at(
                    pair,
                    "mask_pair_mismatch",
                    WARNING,
                    f"{pair.first.name} and {pair.second.name} are used as an image/mask pair, but "
                    f"{'; '.join(problems)}: each image and its mask get different random transforms (or come "
                    "in a different order), so the masks no longer line up with the images.",
                    "Build both generators from one dict of settings (ImageDataGenerator(**data_gen_args)) and pass "
                    "the same seed= to both flow calls.",
                    _pair_edits(pair.first, pair.second),
                )
            )
    return findings


@rule
def string_flag(facts: ScriptFacts) -> list[ScriptFinding]:
    """A flag given as a string: IDG only tests its truth, and 'False' is a non-empty string."""
    findings = []
    for generator in facts.generators:
        call = generator.call
        for name in FLAGS:
            value = call.kwargs.get(name)
            if not isinstance(value, str):
                continue
            meant = value.strip().lower() not in ("false", "0", "no", "off", "none", "")
            state = "on" if value else "off"
            findings.append(
                _at(
                    call,
                    "string_flag",
                    WARNING,
                    f"{call.name} sets {name}={value!r}, a string: IDG only tests whether it is empty, so "
                    f"{name} is {state}{' although it says False' if value and not meant else ''}.",
                    f"Write {name}={meant} without quotes.",
                    [generator.arguments.values[name].put(str(meant))] if name in generator.arguments.values else [],
                )
            )
    return findings


@rule
def idg_refuses(facts: ScriptFacts) -> list[ScriptFinding]:
    """Settings the model of IDG refuses (as IDG does): the other setting checks skip them."""
    return [
        _at(
            generator.call,
            "idg_refuses",
            WARNING,
            f"{generator.call.name}: {generator.call.error}",
            "Use a value ImageDataGenerator accepts; the checks of this generator's settings are skipped until then.",
        )
        for generator in facts.generators
        if generator.call.error is not None
    ]


@rule
def not_a_literal(facts: ScriptFacts) -> list[ScriptFinding]:
    """Arguments that cannot be read without running the script (preprocessing_function is
    code by nature and not reported)."""
    findings = []
    for generator in facts.generators:
        call = generator.call
        unread = {name: why for name, why in call.unreadable.items() if name != "preprocessing_function"}
        if unread:
            listed = ", ".join(f"{name} ({why})" for name, why in unread.items())
            findings.append(
                _at(
                    call,
                    "not_a_literal",
                    NOTE,
                    f"{call.name}: {listed} cannot be read without running the script, so the checks leave "
                    f"{'it' if len(unread) == 1 else 'them'} out.",
                    "Write the value as a literal (a number, string, True/False or a list) to have it checked.",
                )
            )
    return findings


def _shift_axes(finding, version: KerasVersion | None) -> tuple[str, str] | None:
    """The shift-axes note for the Keras the script says it runs: None (dropped) for one
    that does not swap."""
    if version is None:
        return (
            finding.message + " (Keras 2.9 and later, and tf.keras from TensorFlow 2.9, swap the axes; "
            "Keras 2.2-2.8 and keras-preprocessing 1.1.2 did not.)",
            finding.fix,
        )
    if not version.swaps:
        return None
    return f"With {version.text}: {finding.message}", finding.fix


@rule
def config_findings(facts: ScriptFacts) -> list[ScriptFinding]:
    """The config doctor's findings for every call with a config, as 'config:<code>'; the
    shift-axes note follows the Keras version the script says it runs."""
    findings = []
    for generator in (generator for generator in facts.generators if generator.call.config is not None):
        try:
            found = diagnose(generator.call.config)
        except (ValueError, TypeError, ArithmeticError):  # a setting the rules do not expect: skip them
            continue
        for finding in found:
            message, fix = finding.message, finding.fix
            if finding.code == "shift_axes_swapped":
                if (worded := _shift_axes(finding, facts.keras)) is None:
                    continue
                message, fix = worded
            findings.append(
                _at(
                    generator.call,
                    f"config:{finding.code}",
                    finding.severity,
                    message,
                    fix,
                    generator.edits_for(finding.change),
                )
            )
    return findings
