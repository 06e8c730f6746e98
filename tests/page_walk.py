"""A random walk over the whole page, the same for AppTest and for Chromium: switch section,
pick a preset, move any control, import a pasted line, load a call from the script doctor,
change any train setting, change the image source (uploads included), click Train, go back
to the preview, reload from the current link, in any order (Hypothesis's stateful testing).
The walk keeps its own expected record, changed by each step with the pure functions the
page uses (`explorer.ui.record`).

After every step, read from the page: no exception; every drawn widget shows the record's
value and every widget the record needs is drawn; the link round-trips to the same record;
the tiles, the doctor and the export were made from the record's config, and so is the IDG
line the train section shows. A driver does the clicks and reads the page: `AppTestDriver`
here, `test_e2e_walk.BrowserDriver` in Chromium.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass, replace

from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from page_model import (
    PRESET_NAMES,
    UPLOADS,
    doctor_findings,
    export_code,
    must_draw,
    preview_image,
    tile_captions,
    train_codes,
    trained_stack,
    trains_a_stack,
    usable_uploads,
    widget_view,
)

from explorer.augment.config import FILL_MODES, INPUT_RANGES, AugmentConfig
from explorer.augment.keras3.serial import draws_randomly
from explorer.augment.presets import preset
from explorer.data.demos import DEMO_NAMES, load_demo
from explorer.experiments.records.spec import ABLATION, APPLICATION, MODEL_FILE, SMALL_CNN, SUGGEST
from explorer.experiments.records.stack_arm import PLACEMENTS
from explorer.ui.link import MODES, record_from_query
from explorer.ui.record import (
    CUSTOM,
    ENGINES,
    EXPORTS,
    MAX_SEED,
    ORDERS,
    SECTIONS,
    SOURCES,
    VIEWS,
    PageState,
    kept_values,
    linked,
    released,
    with_control,
    with_part,
    write_engine,
)
from explorer.ui.session import OWNER

# Where a walk starts: the first is never walked from (see `PageWalk.open_the_page`).
START_LINKS = (
    {},
    {},
    {"preset": "over-augmentation"},
    {"preset": "lighting", "section": "train"},
    {"rotation_range": "30.0", "source": "demo", "tiles": "4"},
)
SIZES = ("", "224 x 224", "64", "640x480", "huge", "4 x 4")
RATES = (1e-5, 0.001, 0.003, 0.01, 0.5, 1.0)
APPLICATIONS = ("MobileNetV3Small", "ResNet50", "InceptionV3")
# The IDG controls: slider (low, high, step), a range slider, a number input, a checkbox or a choice.
CONTROLS = {
    "rotation_range": ("slider", 0.0, 180.0, 1.0),
    "height_shift_range": ("slider", 0.0, 0.99, 0.01),
    "width_shift_range": ("slider", 0.0, 0.99, 0.01),
    "shear_range": ("slider", 0.0, 60.0, 0.1),
    "zoom_range": ("range", 0.1, 3.0, 0.01),
    "brightness_range": ("range", 0.1, 3.0, 0.01),
    "channel_shift_range": ("number", 0.0, 255.0, 0.1),
    "cval": ("number", 0.0, 255.0, 1.0),
    "rescale": ("number", 0.0, 1.0, 0.001),
    "horizontal_flip": ("checkbox",),
    "vertical_flip": ("checkbox",),
    "samplewise_center": ("checkbox",),
    "samplewise_std_normalization": ("checkbox",),
    "fill_mode": ("choice", FILL_MODES),
    "interpolation_order": ("choice", ORDERS),
}
# Arguments of pasted IDG lines, odd forms included (IDG takes them; no control position shows some).
PASTED = {
    "rotation_range": st.sampled_from([0, 15, 40, -20, 200, 0.2]),
    "width_shift_range": st.sampled_from([0.1, 0.2, 4, [-2, 0, 2], 1.5]),
    "height_shift_range": st.sampled_from([0.05, 0.3, 8]),
    "zoom_range": st.sampled_from([0.2, 1.5, [0.9, 1.3], [1.2, 0.8]]),
    "shear_range": st.sampled_from([0.2, 10, 45.0]),
    "brightness_range": st.sampled_from([[0.8, 1.2], [1.0, 1.0], [1.3, 0.7]]),
    "channel_shift_range": st.sampled_from([0.1, 25, 300]),
    "horizontal_flip": st.booleans(),
    "vertical_flip": st.booleans(),
    "fill_mode": st.sampled_from(FILL_MODES),
    "interpolation_order": st.sampled_from([0, 1, 3]),
    "rescale": st.sampled_from([1 / 255, 0.5, 2.0]),
    "cval": st.sampled_from([0, 128.0]),
}
PASTED_KWARGS = st.fixed_dictionaries({}, optional=PASTED)
# Stacks a walk types: Keras's tutorial, the usual traps (a fifth of a turn, a 0..255 range on
# rescaled data, zoom out only), a crop, and text that holds no stack.
STACKS = (
    'import keras\naug = keras.Sequential([keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.1)])\n',
    "from keras import layers\naug = [layers.RandomRotation(0.2), layers.RandomZoom((0.1, 0.3))]\n",
    "from keras import layers as L\naug = [L.Rescaling(1 / 255), L.RandomBrightness(0.2), L.RandomContrast(0.3)]\n",
    "from keras import layers\naug = [layers.RandomTranslation(0.1, 0.2), layers.RandomCrop(24, 24)]\n",
    "not a stack at all",
)


def idg_line(kwargs: dict) -> str:
    return "ImageDataGenerator(" + ", ".join(f"{name}={value!r}" for name, value in kwargs.items()) + ")"


def script_text(kwargs: dict, size) -> str:
    """A training script with one IDG call and, unless `size` is 'none', a flow from a
    folder (at `size`, or at IDG's default when None)."""
    lines = ["from tensorflow.keras.preprocessing.image import ImageDataGenerator", f"datagen = {idg_line(kwargs)}"]
    if size != "none":
        target = "" if size is None else f", target_size={size!r}"
        lines.append(f"train = datagen.flow_from_directory('data/train'{target}, batch_size=32)")
    return "\n".join(lines) + "\n"


def close(a, b) -> bool:
    """Equal, floats within 1e-9 (a browser sends a slider's value as JavaScript computed it)."""
    if is_dataclass(a) and is_dataclass(b):
        return type(a) is type(b) and all(close(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, (int, float))
            and isinstance(b, (int, float))
            and not isinstance(a, bool)
            and not isinstance(b, bool)
            and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        )
    return a == b


def _steps(low: float, high: float, step: float) -> st.SearchStrategy:
    """Any value a control of this range and step can take (ints for a control of ints)."""
    whole = all(isinstance(value, int) for value in (low, high, step))
    return st.integers(0, round((high - low) / step)).map(
        lambda k: low + k * step if whole else round(low + k * step, 6)
    )


@dataclass
class PageRead:
    """What a driver read off the page after a step. `findings`: the doctor's (setting,
    message) as the page shows them; `normalize` puts expected findings in that form."""

    exception: object
    record: PageState | None  # the session's record, where the driver can see it (AppTest)
    widgets: dict  # every drawn widget's value by key, as option names (not labels)
    query: dict
    captions: list[str]  # the original's, then the tiles'
    findings: list[tuple[str, str]]
    codes: list[str]  # every code block's text, stripped
    normalize: Callable[[list], list] = lambda findings: findings
    tolerance: dict = field(default_factory=dict)  # widget key -> how far a number shown may be
    owner: str | None = None  # the visitor's owner id, where the driver can see it (AppTest): whose runs a link shows


def shows(value, expected, tolerance: float | None = None) -> bool:
    """Whether a widget's value is the record's (a number within `tolerance` when given)."""
    if tolerance is not None and isinstance(value, (int, float)) and isinstance(expected, (int, float)):
        return abs(value - expected) <= tolerance + 1e-12
    return close(value, expected)


class PageWalk(RuleBasedStateMachine):
    """The page, driven by `driver_factory()`, and the record it must hold."""

    driver_factory = None  # set by the test: a callable returning a fresh driver
    steps_taken = 0
    actions_taken: Counter = Counter()
    walks = 0
    trace: list[str] = []  # the steps of the walk, for the report of its first failure
    first_failure: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.driver = None
        self.expected = PageState()
        self.uploaded: tuple[str, ...] = ()

    @initialize(link=st.sampled_from(START_LINKS))
    def open_the_page(self, link):
        PageWalk.walks += 1
        # Hypothesis always tries the simplest example first: every step the first action
        # offered. That walk is skipped, and with it the first start, which Hypothesis then
        # never draws again: the walk that counts is the random one after it.
        assume(PageWalk.walks > 1)
        self.driver = type(self).driver_factory()
        self.driver.open(link)
        self.expected, problems = record_from_query(link)
        assert problems == []

    def teardown(self) -> None:
        if self.driver is not None:
            self.driver.close()

    @rule(data=st.data())
    def take_a_step(self, data):
        """One user action, drawn among those the page offers now. One rule for all of them:
        Hypothesis's swarm testing turns rules off for a whole walk, and this walk is one."""
        offered = [name for name, offered in self._actions().items() if offered]
        action = data.draw(st.sampled_from(offered), label="action")
        PageWalk.trace.append(action)
        getattr(self, action)(data)
        PageWalk.steps_taken += 1
        PageWalk.actions_taken[action] += 1

    def _actions(self) -> dict[str, bool]:
        """Each action, and whether the page offers it now."""
        preview, train, chosen = self._image_shown(), self._on("train"), self.expected.train
        idg = preview and self.expected.engine == "idg"
        stack = trained_stack(self.expected)
        augments = (
            bool(stack is not None and (chosen.mode == SUGGEST or any(map(draws_randomly, stack.layers))))
            if trains_a_stack(self.expected)
            else bool(self.expected.config.active_transforms() or chosen.mode == SUGGEST)
        )
        trainable = chosen.dataset in DEMO_NAMES and chosen.model == SMALL_CNN and augments
        return {
            "switch_section": True,
            "reload_from_the_link": True,
            "pick_a_preset": idg,
            "move_a_control": idg,
            "use_the_control_instead": idg and bool(kept_values(self.expected.config)),
            "change_the_view": preview,
            "import_a_pasted_line": idg,
            "switch_the_engine": preview,
            "edit_the_stack": preview and not idg,
            "change_the_image": self._on("preview"),
            "load_a_call_from_the_script_doctor": self._on("script"),
            "change_a_train_setting": train,
            "go_back_to_preview": train,
            "click_train": train and trainable and self.driver.can_train,
        }

    def _on(self, section: str) -> bool:
        return self.expected.section == section

    def _image_shown(self) -> bool:
        return self._on("preview") and preview_image(self.expected, self.uploaded) is not None

    # -- sections and reloads --------------------------------------------------------------

    def switch_section(self, data):
        section = data.draw(st.sampled_from(list(SECTIONS)), label="section")
        self.driver.set("section", section)
        self.expected = replace(self.expected, section=section)

    def reload_from_the_link(self, data):
        self.driver.reload()
        self.expected, self.uploaded = linked(self.expected), ()
        ignored = [text for text in self.driver.messages() if text.startswith("Ignored")]
        assert ignored == [], ignored  # the page's own link is never refused

    def go_back_to_preview(self, data):
        self.driver.click("back_to_preview")
        self.expected = replace(self.expected, section="preview")

    # -- the preview -----------------------------------------------------------------------

    def pick_a_preset(self, data):
        name = data.draw(st.sampled_from([*PRESET_NAMES, CUSTOM]), label="preset")
        self.driver.pick_preset(name)
        if name != CUSTOM:
            self.expected = replace(self.expected, config=preset(name))

    def move_a_control(self, data):
        movable = [key for key in CONTROLS if key not in kept_values(self.expected.config)]
        key = data.draw(st.sampled_from(movable), label="control")
        value = data.draw(self._values(key, CONTROLS[key], widget_view(self.expected)[key]), label=key)
        self.driver.set(key, value)
        try:
            self.expected = replace(self.expected, config=with_control(self.expected.config, key, value))
        except ValueError:
            pass  # IDG refuses it: the page says so and keeps the record

    def _values(self, key: str, spec: tuple, current) -> st.SearchStrategy:
        kind = spec[0]
        if kind == "checkbox":
            return st.just(not current)
        if kind == "choice":
            return st.sampled_from(spec[1])
        if kind == "slider":
            return self.driver.slider_values(current, *spec[1:])
        if kind == "range":
            return self.driver.range_values(current, *spec[1:])
        return _steps(*spec[1:])

    def use_the_control_instead(self, data):
        key = data.draw(st.sampled_from(sorted(kept_values(self.expected.config))), label="kept")
        self.driver.click(f"release_{key}")
        self.expected = replace(self.expected, config=released(self.expected.config, key))

    def change_the_view(self, data):
        preview = self.expected.preview
        random = preview.view == "draws"
        what = data.draw(
            st.sampled_from(
                [
                    "view",
                    "tint",
                    "input_range",
                    "training_size",
                    *(["export"] if self.expected.engine == "idg" else []),  # a stack's code has no tabs
                    *(["tiles", "seed", "new"] if random else []),
                ]
            ),
            label="view setting",
        )
        if what == "new":
            self.driver.click("new_samples")
            self.expected = with_part(self.expected, "preview", seed=(preview.seed + 1) % (MAX_SEED + 1))
            return
        key, values = {
            "view": ("view", st.sampled_from(list(VIEWS))),
            "tint": ("tint_fill", st.just(not preview.tint)),
            "input_range": ("input_range", st.sampled_from(INPUT_RANGES)),
            "training_size": ("training_size", st.sampled_from(SIZES)),
            "export": ("export_tab", st.sampled_from(EXPORTS)),
            "tiles": ("tiles", self.driver.slider_values(preview.tiles, 1, 36, 1)),
            "seed": ("seed", st.integers(0, MAX_SEED)),
        }[what]
        value = data.draw(values, label=what)
        self.driver.set(key, value)
        self.expected = with_part(self.expected, "preview", **{what: int(value) if what == "tiles" else value})

    def import_a_pasted_line(self, data):
        kwargs = data.draw(PASTED_KWARGS, label="pasted")
        if self.expected.preview.export != "Import":
            self.driver.set("export_tab", "Import")
        line = idg_line(kwargs)
        self.driver.type_text("paste_text", line)
        self.driver.click("apply_paste")
        state = with_part(self.expected, "preview", export="Import")
        self.expected = replace(state, paste_text=line, config=AugmentConfig(**kwargs))

    def switch_the_engine(self, data):
        engine = data.draw(st.sampled_from(list(ENGINES)), label="engine")
        self.driver.set("engine", engine)
        self.expected = write_engine(self.expected, engine)

    def edit_the_stack(self, data):
        text = data.draw(st.sampled_from(STACKS), label="stack")
        self.driver.type_text("stack_text", text)
        self.expected = replace(self.expected, stack_text=text)

    # -- the image -------------------------------------------------------------------------

    def change_the_image(self, data):
        image = self.expected.image
        choices = ["source"] + {"samples": ["sample"], "demo": ["demo", "demo_index"], "upload": ["files", "upload"]}[
            image.source
        ]
        what = data.draw(st.sampled_from(choices), label="image setting")
        if what == "files":
            names = data.draw(st.lists(st.sampled_from(sorted(UPLOADS)), unique=True, min_size=1), label="files")
            self.driver.upload(names)
            self.uploaded = tuple(names)
        elif what == "upload" and usable_uploads(self.uploaded):
            name = data.draw(st.sampled_from(usable_uploads(self.uploaded)), label="upload")
            self.driver.set("upload_choice", name)
            self.expected = with_part(self.expected, "image", upload=name)
        elif what != "upload":
            last = len(load_demo(image.demo, image_size=64)) - 1
            values = {
                "source": lambda: st.sampled_from(list(SOURCES)),
                "sample": lambda: st.sampled_from(self.driver.samples()),
                "demo": lambda: st.sampled_from(DEMO_NAMES),
                "demo_index": lambda: st.integers(0, last),
            }[what]()
            value = data.draw(values, label=what)
            self.driver.set({"source": "image_source"}.get(what, what), value)
            self.expected = with_part(self.expected, "image", **{what: value})
            if what == "demo":
                last = len(load_demo(value, image_size=64)) - 1
                self.expected = with_part(self.expected, "image", demo_index=min(image.demo_index, last))
        if self.expected.image.source == "upload":  # the upload shown: the one chosen, else the first usable one
            usable = usable_uploads(self.uploaded)
            if self.expected.image.upload not in usable and usable:
                self.expected = with_part(self.expected, "image", upload=usable[0])

    # -- the script doctor -----------------------------------------------------------------

    def load_a_call_from_the_script_doctor(self, data):
        kwargs = data.draw(PASTED_KWARGS, label="call")
        size = data.draw(st.sampled_from([(150, 150), (224, 160), None, "none"]), label="target_size")
        text = script_text(kwargs, size)
        self.driver.type_text("script_text", text)
        self.driver.click("check_script")
        self.driver.click("load_call_0")
        state = replace(self.expected, script_text=text, config=AugmentConfig(**kwargs), section="preview")
        if size != "none":
            height, width = size or (256, 256)
            state = with_part(state, "preview", training_size=f"{width} x {height}")
        self.expected = state
        assert any(text.startswith("Loaded datagen (line 2 of pasted script)") for text in self.driver.messages())

    # -- the train panel -------------------------------------------------------------------

    def change_a_train_setting(self, data):
        train = self.expected.train
        choices = ["dataset", "mode", "epochs", "seeds", "image_size", "batch_size", "learning_rate", "model"]
        choices += ["leave_one_out"] if train.mode == ABLATION else []
        choices += ["budget", "check_seeds"] if train.mode == SUGGEST else []
        choices += ["application", "weights"] if train.model == APPLICATION else []
        choices += ["placement"] if trained_stack(self.expected) is not None else []
        field = data.draw(st.sampled_from(choices), label="train setting")
        key, values = {
            "dataset": ("train_dataset", st.sampled_from([*DEMO_NAMES, "your zip"])),
            "mode": ("train_mode", st.sampled_from(MODES)),
            "leave_one_out": ("train_loo", st.just(not train.leave_one_out)),
            "epochs": ("train_epochs", st.integers(1, 200)),
            "seeds": ("train_seeds", st.integers(1, 20)),
            "image_size": ("train_image_size", st.integers(16, 512)),
            "batch_size": ("train_batch_size", st.integers(8, 512)),
            "learning_rate": ("train_learning_rate", st.sampled_from(RATES)),
            "model": ("train_model", st.sampled_from([SMALL_CNN, APPLICATION, MODEL_FILE])),
            "application": ("train_application", st.sampled_from(APPLICATIONS)),
            "weights": ("train_weights", st.sampled_from(["random", "imagenet"])),
            "budget": ("train_budget", st.integers(1, 200)),
            "check_seeds": ("train_check_seeds", st.integers(2, 20)),
            "placement": ("train_placement", st.sampled_from(PLACEMENTS)),
        }[field]
        value = data.draw(values, label=field)
        self.driver.set(key, value)
        self.expected = with_part(self.expected, "train", **{field: value})

    def click_train(self, data):
        spec, shown = self.driver.train()
        assert spec.config == self.expected.config  # what Train said it trains
        assert spec.settings == self.expected.train.settings() and spec.mode == self.expected.train.mode
        stack = trained_stack(self.expected)
        assert (
            (spec.stack.stack, spec.stack.placement) == (stack, self.expected.train.placement)
            if stack
            else (spec.stack is None)
        )
        self.expected = replace(self.expected, run_id=shown.run_id)

    # -- what holds after every step -------------------------------------------------------

    @invariant()
    def the_page_holds_together(self):
        if self.driver is None:
            return
        try:
            self._check()
        except AssertionError as error:
            if PageWalk.first_failure is None:  # Hypothesis replays a failure: a browser may fail another way then
                PageWalk.first_failure = f"after step {PageWalk.steps_taken} ({' > '.join(PageWalk.trace)}): {error!r}"
                self.driver.snapshot(f"walk-step-{PageWalk.steps_taken}")
            raise

    def _check(self) -> None:
        page = self.driver.read(self.expected, self._image_shown())
        assert not page.exception, page.exception
        if page.record is not None:
            assert close(page.record, self.expected), (page.record, self.expected)
        self._widgets_show_the_record(page)
        shown, problems = record_from_query(page.query, page.owner)
        assert "owner" not in page.query  # the link never says who the visitor is
        assert close(shown, linked(self.expected)), (shown, linked(self.expected))
        assert [problem for problem in problems if "upload it again" not in problem] == []
        if self._image_shown():
            name, image = preview_image(self.expected, self.uploaded)
            assert page.captions[0].startswith(f"Original: {name} ("), page.captions[0]
            assert page.captions[1:] == tile_captions(self.expected, image)
            assert sorted(page.findings) == sorted(page.normalize(doctor_findings(self.expected, image)))
            code = export_code(self.expected)
            assert code is None or code.strip() in page.codes
        if self._on("train"):
            for code in train_codes(self.expected):
                assert code.strip() in page.codes, (code, page.codes)

    def _widgets_show_the_record(self, page: PageRead) -> None:
        view = widget_view(self.expected)
        for key, value in page.widgets.items():
            assert shows(value, view[key], page.tolerance.get(key)), (key, value, view[key])
        missing = must_draw(self.expected, self._image_shown()) - set(page.widgets) - {"uploads"}
        assert not missing, f"not drawn: {missing}"


class AppTestDriver:
    """The walk's clicks and reads through `streamlit.testing.v1.AppTest`. A Train click goes
    to `submitted` (the test replaces JobManager.submit: nothing trains)."""

    can_train = True
    GROUPS = (
        "slider",
        "number_input",
        "checkbox",
        "radio",
        "selectbox",
        "text_input",
        "text_area",
        "segmented_control",
    )

    def __init__(self, submitted: list) -> None:
        self.at = None
        self.submitted = submitted

    def open(self, link: dict, owner: str | None = None) -> None:
        from streamlit.testing.v1 import AppTest

        from headless_page import APP, TIMEOUT

        self.at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        self.at.query_params.update(link)
        if owner is not None:  # what the browser's cookie brings back (AppTest sends no cookies)
            self.at.session_state[OWNER] = owner
        self.at.run()

    def close(self) -> None:
        self.at = None

    def snapshot(self, name: str) -> None:
        pass  # AppTest has no screen

    def reload(self) -> None:
        self.open({name: self.at.query_params[name] for name in self.at.query_params}, self._owner())

    def _owner(self) -> str | None:
        return self.at.session_state[OWNER] if OWNER in self.at.session_state else None

    def _widget(self, key: str):
        return next(widget for group in self.GROUPS for widget in getattr(self.at, group) if widget.key == key)

    def set(self, key: str, value) -> None:
        self._widget(key).set_value(value)
        self.at.run()

    def pick_preset(self, name: str) -> None:
        next(box for box in self.at.selectbox if str(box.key).startswith("preset_")).set_value(name).run()

    def click(self, key: str) -> None:
        self.at.button(key=key).click().run()

    def type_text(self, key: str, text: str) -> None:
        self._widget(key).input(text).run()

    def upload(self, names: list[str]) -> None:
        self.at.file_uploader(key="uploads").set_value([(name, UPLOADS[name], "image/png") for name in names]).run()

    def samples(self) -> list[str]:
        return list(self.at.selectbox(key="sample").options)

    def slider_values(self, current, low, high, step) -> st.SearchStrategy:
        return _steps(low, high, step)

    def range_values(self, current, low, high, step) -> st.SearchStrategy:
        return st.tuples(_steps(low, high, step), _steps(low, high, step)).map(lambda pair: tuple(sorted(pair)))

    def messages(self) -> list[str]:
        return [box.value for group in (self.at.error, self.at.warning, self.at.info, self.at.success) for box in group]

    def train(self):
        from headless_page import page_record

        before = len(self.submitted)
        self.click("train")
        assert len(self.submitted) == before + 1, "Train submitted nothing"
        return self.submitted[-1], page_record(self.at)

    def read(self, expected: PageState, image_shown: bool = False) -> PageRead:
        from headless_page import page_record

        at, view = self.at, widget_view(expected)
        widgets = {
            widget.key: widget.value for group in self.GROUPS for widget in getattr(at, group) if widget.key in view
        }
        alerts = [box.value for group in (at.warning, at.info) for box in group if "  \nFix: " in box.value]
        findings = [
            (text[2 : text.index("** (")], text[text.index("): ") + 3 : text.rindex("  \nFix: ")]) for text in alerts
        ]  # "**setting** (severity): message  \nFix: fix"
        return PageRead(
            at.exception if at.exception else None,
            page_record(at),
            widgets,
            {name: at.query_params[name] for name in at.query_params},
            [caption for image in at.image for caption in image.captions],
            findings,
            [block.value.strip() for block in at.code],
            owner=self._owner(),
        )
