"""What to train for a comparison, an ablation or a suggestion: one function builds the run
spec for the page and the command line alike."""

from __future__ import annotations

from dataclasses import replace

from ...augment.config import AugmentConfig
from ...errors import InputError
from ..analysis.ablation import ablation_arms, probe_configs
from ..records.spec import (
    ABLATION,
    AUGMENTED,
    BASELINE,
    COMPARE,
    FULL,
    IDG_ARM,
    MIGRATION,
    MODEL_FILE,
    STACK_ARM,
    SUGGEST,
    YOURS,
    DatasetRef,
    ModelRef,
    RunSpec,
    SearchSettings,
    TrainSettings,
    alone,
    without,
)
from ..records.stack_arm import StackArm
from ..training.model_file import inspect_model_file


def model_settings(model: ModelRef, settings: TrainSettings) -> TrainSettings:
    """The settings a model can train with: a .keras file with a fixed input size sets the
    image size (InputError, naming the problem, for a file that cannot be used at all)."""
    if model.kind != MODEL_FILE:
        return settings
    info = inspect_model_file(model.path, model.name)
    height, width = info.input_shape[:2]
    if height is None and width is None:
        return settings
    if height != width or height is None:
        raise InputError(
            f"{model.name} takes {height} x {width} images; comparisons train on square images: "
            "save the model with a square input (or with None for height and width)"
        )
    if not 8 <= height <= 512:
        raise InputError(f"{model.name} takes {height} x {width} images; comparisons train at 8 to 512 px")
    return replace(settings, image_size=int(height))


def build_spec(
    config: AugmentConfig,
    dataset: DatasetRef,
    settings: TrainSettings,
    mode: str = COMPARE,
    leave_one_out: bool = False,
    model: ModelRef | None = None,
    search: SearchSettings | None = None,
    stack: StackArm | None = None,
) -> RunSpec:
    """The spec of a run.

    compare: the baseline (same preprocessing, every random transform off) against the
    config. ablation: the baseline, each active setting alone and, with leave_one_out, the
    full config and the full config minus each, plus the probes that measure affinity.
    suggest: a search around the config (`search`, default SearchSettings()), checked against
    the baseline and the config itself; it may start from no setting at all (it adds some).
    InputError when a comparison or ablation has no setting active: every arm would train
    the same model. `model`
    (default: the small CNN) is what every arm trains; a .keras file is checked here, before
    anything is queued, and sets the image size when its input has one.
    """
    model = model or ModelRef()
    settings = model_settings(model, settings)
    if stack is not None or mode == MIGRATION:
        return stack_spec(
            config,
            dataset,
            settings,
            mode,
            leave_one_out,
            model,
            stack,
            (search or SearchSettings()) if mode == SUGGEST else None,
        )
    if mode == SUGGEST:
        return RunSpec(
            dataset,
            config,
            {BASELINE: config.without_transforms(), YOURS: config},
            settings,
            SUGGEST,
            model=model,
            search=search or SearchSettings(),
        )
    if not config.active_transforms():
        raise InputError(
            "no augmentation setting is active, so every arm would train the same model: "
            "turn a setting on (move a slider, pick a preset or import your line) first"
        )
    if mode == ABLATION:
        return RunSpec(
            dataset, config, ablation_arms(config, leave_one_out), settings, ABLATION, probe_configs(config), model
        )
    if mode != COMPARE:
        raise ValueError(f"mode must be {COMPARE!r}, {ABLATION!r} or {SUGGEST!r}; got {mode!r}")
    return RunSpec(
        dataset, config, {BASELINE: config.without_transforms(), AUGMENTED: config}, settings, COMPARE, model=model
    )


def stack_arms(
    config: AugmentConfig, stack: StackArm, mode: str, leave_one_out: bool = False
) -> tuple[dict[str, AugmentConfig], dict[str, StackArm]]:
    """The arms of a run whose augmented arm is a Keras 3 stack, and the stack each runs.

    Every stack arm keeps the config's preprocessing (rescale, samplewise_*) with no IDG
    transform. compare: the baseline (the stack's layers that draw nothing, if any) and the
    stack. ablation: the baseline and each drawing layer alone (`StackArm.only`) and, with
    leave_one_out, the full stack and the stack without each (`StackArm.without`).
    migration: the baseline, the IDG config and the stack. suggest: the baseline and the
    user's stack (YOURS), which the search starts from."""
    base = config.without_transforms()
    fixed = {BASELINE: stack.fixed()} if stack.fixed().stack.layers else {}
    if mode == MIGRATION:
        return {BASELINE: base, IDG_ARM: config, STACK_ARM: base}, {STACK_ARM: stack}
    if mode == COMPARE:
        return {BASELINE: base, AUGMENTED: base}, fixed | {AUGMENTED: stack}
    if mode == SUGGEST:  # a stack with no layer at all trains on the preprocessing alone
        return {BASELINE: base, YOURS: base}, fixed | ({YOURS: stack} if stack.stack.layers else {})
    labels = stack.labels()
    stacks = fixed | {alone(label): stack.only(index) for index, label in labels.items()}
    if leave_one_out:
        stacks[FULL] = stack
        stacks.update({without(label): stack.without(index) for index, label in labels.items()})
    return {arm: base for arm in (BASELINE, *stacks)}, stacks


def stack_spec(
    config: AugmentConfig,
    dataset: DatasetRef,
    settings: TrainSettings,
    mode: str,
    leave_one_out: bool,
    model: ModelRef,
    stack: StackArm | None,
    search: SearchSettings | None = None,
) -> RunSpec:
    """`build_spec` for a Keras 3 stack (compare, ablation, suggest) or a migration check
    (the config against the stack). InputError when the stack is missing, or draws nothing
    (but for suggest, which adds layers)."""
    if stack is None:
        raise InputError("a migration check needs the Keras 3 stack to compare the IDG config with")
    if mode not in (COMPARE, ABLATION, MIGRATION, SUGGEST):
        raise InputError(
            f"a Keras 3 stack can be compared, ablated, suggested from or checked against IDG; {mode!r} takes "
            "ImageDataGenerator settings"
        )
    if not stack.random_layers and mode != SUGGEST:  # suggest may start from none: it adds layers
        raise InputError(
            "the stack has no layer that draws (only Rescaling, Resizing, CenterCrop...), so every arm "
            "would train the same model: add an augmentation layer such as RandomFlip first"
        )
    arms, stacks = stack_arms(config, stack, mode, leave_one_out)
    return RunSpec(dataset, config, arms, settings, mode, model=model, search=search, stacks=stacks, stack=stack)
