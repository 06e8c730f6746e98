"""The train panel's model choice: the small CNN, a keras.applications architecture or the
user's .keras file goes into the submitted spec and into the link; the doctor warns about
rescale with an architecture; a run's result says what trained it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from explorer import AugmentConfig
from explorer.diagnostics import doctor
from explorer.diagnostics.doctor import model_findings
from explorer.experiments.records.results import RunResult
from explorer.experiments.records.spec import (
    APPLICATION,
    FROM_SCRATCH,
    FROM_WEIGHTS,
    MODEL_FILE,
    SMALL_CNN,
    ModelRef,
    RunSpec,
    TrainSettings,
)
from explorer.experiments.runs.storage import MODELS, Upload
from explorer.experiments.training import model_file
from explorer.ui.link import SECTIONS
from explorer.ui.results import model_line
from explorer.ui.train import model_upload
from headless_page import ROOT, messages, open_tab, page_record
from headless_page import run_train_section as run_app

LEGACY_RUN = "20261202-050000-c0ffee"


def _spec_on_disk(tmp_path) -> RunSpec:
    [path] = (tmp_path / "runs").glob("*/spec.json")
    return RunSpec.from_json(json.loads(path.read_text()))


def _warnings(at) -> str:
    return "\n".join(warning.value for warning in at.warning)


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory) -> bytes:
    """A real, small Keras 3 model file: 24 x 24 RGB in, 5 softmax outputs."""
    keras = pytest.importorskip("keras")
    model = keras.Sequential(
        [
            keras.Input((24, 24, 3)),
            keras.layers.Conv2D(4, 3),
            keras.layers.Flatten(),
            keras.layers.Dense(5, activation="softmax"),
        ]
    )
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    model.save(path)
    return path.read_bytes()


# -- the submitted spec ------------------------------------------------------------------------


def test_the_small_cnn_is_the_default_model(submitted, tmp_path):
    at = run_app({"rotation_range": "20"})
    assert at.selectbox(key="train_model").value == SMALL_CNN
    at.button(key="train").click().run()
    assert not at.exception and [spec.model for spec in submitted] == [ModelRef()]
    assert _spec_on_disk(tmp_path).model == ModelRef()


def test_choosing_an_application_submits_a_spec_with_that_model(submitted, tmp_path):
    at = run_app({"rotation_range": "20"})
    at.selectbox(key="train_model").set_value(APPLICATION).run()
    assert at.selectbox(key="train_application").value == "MobileNetV3Small"
    assert at.radio(key="train_weights").value == "random"
    assert any("at least 32 px" in caption.value for caption in at.caption)
    at.button(key="train").click().run()
    assert not at.exception, at.exception
    assert _spec_on_disk(tmp_path).model == ModelRef(APPLICATION, "MobileNetV3Small")


def test_imagenet_weights_and_another_architecture_go_into_the_spec(submitted, tmp_path):
    at = run_app({"rotation_range": "20"})
    at.selectbox(key="train_model").set_value(APPLICATION).run()
    at.selectbox(key="train_application").set_value("EfficientNetB0")
    at.radio(key="train_weights").set_value("imagenet").run()
    at.button(key="train").click().run()
    assert _spec_on_disk(tmp_path).model == ModelRef(APPLICATION, "EfficientNetB0", weights="imagenet")


def test_an_image_too_small_for_the_architecture_is_warned_about():
    at = run_app()
    at.selectbox(key="train_model").set_value(APPLICATION).run()
    at.number_input(key="train_image_size").set_value(64)
    at.selectbox(key="train_application").set_value("InceptionV3").run()
    assert "InceptionV3 needs images of at least 75 px" in _warnings(at)
    at.number_input(key="train_image_size").set_value(80).run()
    assert "needs images of at least" not in _warnings(at)


def test_the_image_size_goes_up_to_512():
    at = run_app({"image_size": "512"})
    assert at.number_input(key="train_image_size").value == 512
    assert at.number_input(key="train_image_size").max == 512
    assert "Ignored" not in messages(at)


# -- the link ----------------------------------------------------------------------------------


def _query(at) -> dict:
    return {key: (value[-1] if isinstance(value, list) else value) for key, value in at.query_params.items()}


def test_the_model_choice_round_trips_through_the_link():
    at = run_app()
    assert not {"model", "application", "weights", "start"} & set(_query(at))  # defaults write nothing
    at.selectbox(key="train_model").set_value(APPLICATION).run()
    at.selectbox(key="train_application").set_value("ResNet50")
    at.radio(key="train_weights").set_value("imagenet").run()
    query = _query(at)
    assert {"model": APPLICATION, "application": "ResNet50", "weights": "imagenet"}.items() <= query.items(), query
    again = run_app(query)
    assert again.selectbox(key="train_model").value == APPLICATION
    assert again.selectbox(key="train_application").value == "ResNet50"
    assert again.radio(key="train_weights").value == "imagenet"
    assert "Ignored" not in messages(again)


def test_a_link_to_a_model_file_keeps_the_start_and_says_to_upload_again():
    at = run_app({"model": MODEL_FILE, "start": FROM_WEIGHTS})
    assert at.selectbox(key="train_model").value == MODEL_FILE
    assert page_record(at).train.start == FROM_WEIGHTS
    assert "The link chose a .keras model file: uploads are not kept in links" in messages(at)
    assert at.button(key="train").disabled  # nothing to train until the file is uploaded


def test_bad_model_values_in_a_link_are_named_and_their_defaults_kept():
    at = run_app({"model": "resnet", "application": "resnet50", "weights": "http://x", "start": "middle"})
    text = messages(at)
    for name in ("model", "application", "weights", "start"):
        assert f"Ignored {name}=" in text, name
    assert "did you mean ResNet50?" in text
    assert at.selectbox(key="train_model").value == SMALL_CNN
    assert page_record(at).train.application == "MobileNetV3Small"


# -- the doctor --------------------------------------------------------------------------------


def test_the_doctor_warns_about_rescale_with_an_application_only():
    assert doctor.APPLICATION == APPLICATION  # the doctor names the kind without importing the run records
    config = AugmentConfig(rescale=1 / 255)
    [finding] = model_findings(config, ModelRef(APPLICATION, "ResNet50"))
    assert finding.code == "applications_rescale" and finding.severity == "warning" and finding.setting == "rescale"
    assert "rescale=1/255" in finding.message and "0..1 data" in finding.message
    assert "preprocessing_function=preprocess_input" in finding.fix
    assert model_findings(config, ModelRef()) == []
    assert model_findings(AugmentConfig(), ModelRef(APPLICATION, "ResNet50")) == []
    assert model_findings(AugmentConfig(rescale=1.0), ModelRef(APPLICATION, "ResNet50")) == []
    assert model_findings({"rescale": 1 / 255}, ModelRef(MODEL_FILE, "m.keras", path="m.keras")) == []


def test_the_rescale_warning_shows_under_the_model_choice_for_applications_not_for_the_small_cnn():
    at = open_tab(run_app({"rotation_range": "20"}), "section", SECTIONS["preview"])
    at.number_input(key="rescale").set_value(1 / 255).run()
    open_tab(at, "section", SECTIONS["train"])
    assert "expects 0..255 images" not in _warnings(at)
    at.selectbox(key="train_model").set_value(APPLICATION).run()
    assert "MobileNetV3Small expects 0..255 images" in _warnings(at)
    open_tab(at, "section", SECTIONS["preview"]).number_input(key="rescale").set_value(0.0).run()
    assert "expects 0..255 images" not in _warnings(open_tab(at, "section", SECTIONS["train"]))
    assert at.selectbox(key="train_model").value == APPLICATION  # kept while the train section was closed


# -- a run's result ----------------------------------------------------------------------------


def test_the_model_line_names_model_size_device_and_pace_and_leaves_out_what_was_not_recorded():
    result = RunResult(settings=TrainSettings(image_size=96))
    assert model_line(result) == "small CNN · 96 x 96 px"
    result = RunResult.from_json(
        {
            "settings": {"image_size": 96, "seeds": [0]},
            "device": "CPU (2 cores)",
            "model": {"kind": APPLICATION, "name": "MobileNetV3Small"},
            "arms": {"baseline": {"epoch_seconds": [[4.0, 4.4]]}, "augmented": {"epoch_seconds": [[4.0, 4.4]]}},
        }
    )
    assert model_line(result) == (
        "keras.applications.MobileNetV3Small (random weights) · 96 x 96 px · CPU (2 cores) · 4.2 s per epoch"
    )


def _run_with_model(tmp_path) -> str:
    """The legacy run, now trained by an architecture on a GPU, with a note."""
    run_dir = tmp_path / LEGACY_RUN
    shutil.copytree(ROOT / "tests" / "fixtures" / "legacy_runs" / LEGACY_RUN, run_dir)
    model = {"kind": APPLICATION, "name": "MobileNetV3Small", "weights": "imagenet"}
    result = json.loads((run_dir / "result.json").read_text())
    for history in result["arms"].values():
        history["epoch_seconds"] = [[2.0] * len(run) for run in history["val_accuracy"]]
    result.update(model=model, device="GPU: NVIDIA H200", model_notes=["rescale=0.00392157 set aside: test note"])
    (run_dir / "result.json").write_text(json.dumps(result))
    spec = json.loads((run_dir / "spec.json").read_text())
    (run_dir / "spec.json").write_text(json.dumps({**spec, "model": model}))
    return LEGACY_RUN


def test_a_run_result_says_what_trained_it(tmp_path, monkeypatch):
    run_id = _run_with_model(tmp_path)
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")  # runs from before owners: shown with shared history
    at = run_app({"run": run_id})
    captions = [caption.value for caption in at.caption]
    line = (
        "Trained: keras.applications.MobileNetV3Small (weights imagenet) · 16 x 16 px · GPU: NVIDIA H200 · "
        "2.0 s per epoch"
    )
    assert captions.count(line) == 2, captions  # the current run and its history entry
    assert "rescale=0.00392157 set aside: test note" in captions
    assert any("MobileNetV3Small (weights imagenet)" in expander.label for expander in at.expander)


def test_an_old_run_still_shows_its_model_line(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "tests" / "fixtures" / "legacy_runs", tmp_path, dirs_exist_ok=True)
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")  # runs from before owners: shown with shared history
    at = run_app()
    assert not at.exception
    assert any(caption.value == "Trained: small CNN · 16 x 16 px" for caption in at.caption)
    assert not any("small CNN" in expander.label for expander in at.expander)


# -- a .keras upload ---------------------------------------------------------------------------


@pytest.mark.slow  # Keras makes the file (seconds, the first time)
def test_an_uploaded_model_file_is_checked_and_described_and_kept_only_for_a_run(model_bytes, tmp_path, monkeypatch):
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path))
    model, message = model_upload(model_bytes, "tiny.keras")
    assert model is not None, message
    assert (model.kind, model.name, model.start) == (MODEL_FILE, "tiny.keras", FROM_SCRATCH)
    assert model.path == str(Upload(model_bytes, MODELS).path(tmp_path))  # where a run will read it
    assert not (tmp_path / "models").exists()  # written when a run uses it (tests/test_storage.py)
    assert "input 24 x 24 x 3" in message and "5 output(s) (softmax)" in message and "Trains at 24 x 24 px" in message
    again, _ = model_upload(model_bytes, "tiny.keras")
    assert again == model  # the same file, the same name: stored once


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"not a model at all", "not a zip archive"),
        (b"\x89HDF\r\n\x1a\n" + b"\0" * 64, "legacy HDF5"),
        (b"", "not a zip archive"),
    ],
)
def test_an_unusable_upload_says_why_and_saves_nothing(data, fragment, tmp_path, monkeypatch):
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path))
    model, message = model_upload(data, "mine.keras")
    assert model is None and fragment in message and "mine.keras" in message
    assert not (tmp_path / "models").exists()


def test_an_oversized_upload_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path))
    monkeypatch.setattr(model_file, "MAX_MODEL_BYTES", 1000)
    monkeypatch.setattr(model_file, "inspect_model_file", lambda *args: pytest.fail("read an oversized file"))
    model, message = model_upload(b"PK" + b"\0" * 2000, "big.keras")
    assert model is None and "over the" in message and "limit for a model file" in message
    assert "big.keras" in message and not (tmp_path / "models").exists()


@pytest.mark.slow
def test_an_uploaded_model_trains_from_its_weights_at_its_input_size(model_bytes, submitted, tmp_path):
    at = run_app({"rotation_range": "20"})
    at.selectbox(key="train_model").set_value(MODEL_FILE).run()
    assert at.button(key="train").disabled
    at.file_uploader(key="train_model_file").set_value(("tiny.keras", model_bytes, "application/octet-stream")).run()
    assert not at.exception and not at.error, [error.value for error in at.error]
    assert any("5 output(s)" in caption.value for caption in at.caption)
    at.radio(key="train_start").set_value(FROM_WEIGHTS).run()
    at.button(key="train").click().run()
    spec = _spec_on_disk(tmp_path)
    assert (spec.model.kind, spec.model.name, spec.model.start) == (MODEL_FILE, "tiny.keras", FROM_WEIGHTS)
    assert spec.model.path.startswith(str((tmp_path / "runs" / "models").resolve()))
    assert Path(spec.model.path).read_bytes() == model_bytes  # written as the run was submitted
    assert spec.settings.image_size == 24  # the model's input, not the page's 32


def test_a_garbage_upload_shows_its_error_and_nothing_else_changes(submitted):
    at = run_app({"rotation_range": "20"})
    at.selectbox(key="train_model").set_value(MODEL_FILE).run()
    at.file_uploader(key="train_model_file").set_value(("mine.keras", b"garbage", "application/octet-stream")).run()
    assert not at.exception
    assert [error.value for error in at.error] == [
        "mine.keras is not a zip archive (or a damaged one), so not a Keras model file (.keras is a zip archive "
        f"holding config.json); {model_file.SAVE_HINT}"
    ]
    assert at.button(key="train").disabled and submitted == []
