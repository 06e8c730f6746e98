"""Fair use on a shared server (issue 29, item 3): a run's cost and the limits it is held to,
read from the operator's environment, with messages that name the limit and by how much;
and on a real server, the page shows the refusal and a queue that takes turns."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from explorer.augment.config import AugmentConfig
from explorer.errors import InputError
from explorer.experiments.analysis.ablation import ablation_arms
from explorer.experiments.records.spec import ABLATION, SUGGEST, DatasetRef, RunSpec, SearchSettings, TrainSettings
from explorer.experiments.runs.limits import ServerLimits, check_active, check_run, run_cost, times
from explorer.experiments.runs.plan import build_spec

CONFIG = AugmentConfig(rotation_range=20, zoom_range=0.1, horizontal_flip=True)
DATA = DatasetRef("demo", "shapes")
ENV = (
    "AUGMENT_MAX_ACTIVE_RUNS",
    "AUGMENT_MAX_RUN_COST",
    "AUGMENT_MAX_SEARCH_BUDGET",
    "AUGMENT_KEEP_DAYS",
    "AUGMENT_KEEP_GB",
)


def _settings(seeds=3, epochs=8, image_size=32) -> TrainSettings:
    return TrainSettings(seeds=tuple(range(seeds)), epochs=epochs, image_size=image_size)


def _arms(count: int) -> dict[str, AugmentConfig]:
    return {"baseline": CONFIG.without_transforms(), **{f"only:arm{i}": CONFIG for i in range(1, count)}}


# -- the cost of a run ------------------------------------------------------------------------


def test_a_comparison_costs_two_arms_x_seeds_x_epochs_x_pixels():
    cost = run_cost(build_spec(CONFIG, DATA, _settings(seeds=3, epochs=8, image_size=32)))
    assert (cost.trials, cost.epochs, cost.pixels, cost.total) == (6, 8, 1024, 6 * 8 * 1024)
    assert cost.breakdown == "2 arms x 3 seeds"


def test_an_ablation_costs_each_of_its_arms():
    spec = build_spec(CONFIG, DATA, _settings(seeds=2), ABLATION, leave_one_out=True)
    arms = len(ablation_arms(CONFIG, leave_one_out=True))  # baseline, 3 alone, full, 3 without
    assert arms == 8 and run_cost(spec).trials == arms * 2


def test_a_search_costs_its_budget_on_every_seed_plus_the_affinity_baseline_and_the_check():
    spec = build_spec(
        CONFIG,
        DATA,
        _settings(seeds=2, epochs=4, image_size=16),
        SUGGEST,
        search=SearchSettings(budget=10, check_seeds=3),
    )
    cost = run_cost(spec)
    assert cost.trials == 10 * 2 + 1 + 3 * 3
    assert cost.total == cost.trials * 4 * 16 * 16
    assert cost.breakdown == "10 configurations x 2 seeds + 1 + 3 arms x 3 check seeds = 30 trials"


def test_the_defaults_let_the_pages_default_runs_through():
    limits = ServerLimits()
    check_run(build_spec(CONFIG, DATA, TrainSettings()), limits)
    check_run(build_spec(CONFIG, DATA, TrainSettings(), SUGGEST, search=SearchSettings()), limits)
    check_run(build_spec(CONFIG, DATA, TrainSettings(image_size=224)), limits)  # an architecture's size


# -- the messages -----------------------------------------------------------------------------


def test_the_issues_run_is_refused_naming_the_limit_and_by_how_much():
    spec = build_spec(CONFIG, DATA, _settings(seeds=20, epochs=200, image_size=512))
    with pytest.raises(InputError) as refused:
        check_run(spec, ServerLimits())
    assert str(refused.value) == (
        "this run costs 2,097,152,000 pixel-epochs (2 arms x 20 seeds x 200 epochs x 512x512 px), 105x this "
        "server's limit of 20,000,000 (AUGMENT_MAX_RUN_COST): fewer seeds or epochs, or a smaller image size"
    )


def test_a_search_over_the_budget_limit_has_its_own_message():
    spec = build_spec(
        CONFIG, DATA, _settings(seeds=1, epochs=1, image_size=8), SUGGEST, search=SearchSettings(budget=200)
    )
    with pytest.raises(InputError) as refused:
        check_run(spec, ServerLimits())
    assert str(refused.value) == (
        "this search tries up to 200 configurations, 4.2x this server's limit of 48 "
        "(AUGMENT_MAX_SEARCH_BUDGET): a smaller budget"
    )
    check_run(spec, ServerLimits(max_search_budget=200))  # at the limit: allowed


def test_a_search_within_its_budget_can_still_cost_too_much():
    spec = build_spec(
        CONFIG, DATA, _settings(seeds=3, epochs=100, image_size=256), SUGGEST, search=SearchSettings(budget=48)
    )
    with pytest.raises(
        InputError,
        match=r"\(48 configurations x 3 seeds \+ 1 \+ 3 arms x 3 check seeds = 154 trials x "
        r"100 epochs x 256x256 px\), 50x .*: a smaller budget, fewer seeds",
    ):
        check_run(spec, ServerLimits())


def test_the_active_run_cap_says_how_many_and_what_to_do():
    check_active(1, ServerLimits(max_active_per_owner=2))
    with pytest.raises(InputError) as refused:
        check_active(2, ServerLimits(max_active_per_owner=2))
    assert str(refused.value) == (
        "you have 2 runs queued or training; this server allows 2 at a time "
        "(AUGMENT_MAX_ACTIVE_RUNS): wait for one to end or stop one"
    )
    with pytest.raises(InputError, match="you have 1 run queued or training; this server allows 1 at a time"):
        check_active(1, ServerLimits(max_active_per_owner=1))
    check_active(50, ServerLimits(max_active_per_owner=0))  # 0: no limit


@pytest.mark.parametrize(
    ("value", "limit", "said"),
    [(2_097_152_000, 20_000_000, "105x"), (3, 2, "1.5x"), (101, 100, "1.01x"), (10, 1, "10x"), (19_990, 1, "19,990x")],
)
def test_how_much_over_is_said_as_a_person_would(value, limit, said):
    assert times(value, limit) == said


# -- the operator's settings ------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_unset_variables_give_the_documented_defaults(clean_env):
    assert ServerLimits.from_env() == ServerLimits(2, 20_000_000, 48, 30.0, 5 * 1024**3)


def test_each_variable_sets_its_limit_and_zero_turns_it_off(clean_env):
    for name, value in zip(ENV, ("1", "5e6", "12", "7.5", "0.5")):
        clean_env.setenv(name, value)
    limits = ServerLimits.from_env()
    assert limits == ServerLimits(1, 5_000_000, 12, 7.5, 1024**3 // 2)
    clean_env.setenv("AUGMENT_MAX_RUN_COST", "0")
    clean_env.setenv("AUGMENT_MAX_SEARCH_BUDGET", "0")
    huge = build_spec(
        CONFIG, DATA, _settings(seeds=20, epochs=500, image_size=512), SUGGEST, search=SearchSettings(budget=500)
    )
    check_run(huge, ServerLimits.from_env())


@pytest.mark.parametrize(("value", "says"), [("lots", "is not a number"), ("-1", "is negative")])
def test_a_bad_setting_names_the_variable(clean_env, value, says):
    clean_env.setenv("AUGMENT_MAX_ACTIVE_RUNS", value)
    with pytest.raises(InputError, match=f"AUGMENT_MAX_ACTIVE_RUNS='{value}' {says}"):
        ServerLimits.from_env()


# -- the rule, for any run --------------------------------------------------------------------


@given(
    arms=hs.integers(2, 40),
    seeds=hs.integers(1, 20),
    epochs=hs.integers(1, 500),
    size=hs.integers(8, 512),
    cap=hs.integers(1, 10**10),
)
def test_a_run_is_refused_exactly_when_its_cost_is_over_the_cap(arms, seeds, epochs, size, cap):
    spec = RunSpec(DATA, CONFIG, _arms(arms), _settings(seeds, epochs, size))
    cost = arms * seeds * epochs * size * size
    try:
        check_run(spec, ServerLimits(max_run_cost=cap))
    except InputError as error:
        assert cost > cap and f"costs {cost:,} pixel-epochs" in str(error) and f"limit of {cap:,}" in str(error)
    else:
        assert cost <= cap


@given(budget=hs.integers(1, 500), check_seeds=hs.integers(2, 20), seeds=hs.integers(1, 5), cap=hs.integers(1, 500))
def test_a_search_is_refused_exactly_when_its_budget_is_over_the_cap(budget, check_seeds, seeds, cap):
    spec = build_spec(CONFIG, DATA, _settings(seeds, 1, 8), SUGGEST, search=SearchSettings(budget, check_seeds))
    try:
        check_run(spec, ServerLimits(max_run_cost=0, max_search_budget=cap))
    except InputError as error:
        assert budget > cap and f"up to {budget:,} configurations" in str(error)
    else:
        assert budget <= cap


# -- on a real server -------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
FINISHED = ROOT / "tests" / "fixtures" / "legacy_runs" / "20261202-050000-c0ffee"  # a comparison's result.json
TINY = build_spec(
    AugmentConfig(rotation_range=20), DATA, TrainSettings(seeds=(0,), epochs=1, batch_size=16, image_size=16)
)


def _folders(runs: Path) -> set[str]:
    return {path.parent.name for path in runs.glob("*/spec.json")}


def _wait_for(predicate, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.2)


def _queued_behind_one(page) -> None:
    """The page's run says 1 run ahead: bob's running one (his queued ones wait their turns)."""
    page.get_by_test_id("stAlertContentInfo").get_by_text("Queued: 1 run(s) ahead of yours.").wait_for(timeout=30000)


@pytest.mark.slow
def test_a_real_server_names_the_limit_caps_an_owner_and_gives_bob_s_queue_no_head_start(tmp_path):
    """`streamlit run app.py` on 127.0.0.1 with AUGMENT_MAX_ACTIVE_RUNS=1, driven in Chromium
    (AppTest runs the page script, not the server's queue and its turns). Bob's run trains (a
    worker a previous server started, adopted by this one: nothing trains for real) and two of
    his wait. One browser session: a run over the cost limit is refused with the numbers; a run
    within it is queued with 1 run ahead (bob's running one: his queued runs wait their
    turns); stopped, a second is queued; then Add seeds on the first would be this session's
    second active run, and is refused with the cap's message."""
    from browser import chromium_page, chromium_path, streamlit_server
    from explorer.experiments.runs.folders import new_run, set_status

    if chromium_path() is None:
        pytest.skip("no chromium here: apt-get install -y chromium")
    runs = tmp_path / "runs"
    # Its command line names the explorer worker, as a real worker's does: the server adopts it.
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "explorer", "worker"])
    try:
        training = new_run(TINY, runs, "bob")
        set_status(training, "running", pid=sleeper.pid)
        bobs = {new_run(TINY, runs, "bob").name for _ in range(2)}
        planted = _folders(runs)
        env = {
            "AUGMENT_RUNS_DIR": str(runs),
            "AUGMENT_MAX_ACTIVE_RUNS": "1",
            "AUGMENT_MAX_RUN_COST": "10000",
            "AUGMENT_WARM_WORKER": "0",
        }
        with streamlit_server(ROOT / "app.py", env) as url, chromium_page() as page:
            page.goto(url + "/?section=train&rotation_range=20.0&dataset=shapes&epochs=100&seeds=1&image_size=16")
            page.wait_for_selector(".st-key-train button:not([disabled])", timeout=60000)
            over = (
                "this run costs 51,200 pixel-epochs (2 arms x 1 seed x 100 epochs x 16x16 px), 5.1x this server's "
                "limit of 10,000 (AUGMENT_MAX_RUN_COST)"
            )
            assert over in page.locator(".st-key-train_over_limits").inner_text()  # said before a click
            page.locator(".st-key-train button").click()
            refused = page.locator(".st-key-train_refused")
            refused.wait_for(timeout=30000)
            assert f"Not queued: {over}" in refused.inner_text()
            assert _folders(runs) == planted  # nothing was queued

            epochs = page.locator(".st-key-train_epochs input")
            epochs.fill("1")
            epochs.press("Enter")
            page.wait_for_function("() => new URLSearchParams(location.search).get('epochs') === '1'", timeout=30000)
            page.locator(".st-key-train_over_limits").wait_for(state="detached", timeout=30000)  # within now
            page.locator(".st-key-train button:not([disabled])").click()
            _queued_behind_one(page)
            (first,) = _folders(runs) - planted
            page.locator(".st-key-stop_run button").first.click()
            _wait_for(lambda: json.loads((runs / first / "status.json").read_text())["status"] == "stopped")
            shutil.copy(FINISHED / "result.json", runs / first / "result.json")  # as if it had trained an epoch

            page.locator(".st-key-train button:not([disabled])").click(timeout=30000)
            _queued_behind_one(page)
            (second,) = _folders(runs) - planted - {first}

            page.locator("[data-testid=stExpander] summary", has_text=first).click()  # its entry in Run history
            page.locator(f".st-key-add_seeds_history_{first} button").first.click(timeout=30000)
            refusal = page.get_by_text(
                "you have 1 run queued or training; this server allows 1 at a time "
                "(AUGMENT_MAX_ACTIVE_RUNS): wait for one to end or stop one"
            )
            refusal.wait_for(timeout=30000)  # visible: the rerun draws the entry open, with the message
            assert json.loads((runs / first / "status.json").read_text())["status"] == "stopped"
            assert json.loads((runs / second / "status.json").read_text())["status"] == "queued"
            assert all(json.loads((runs / run / "status.json").read_text())["status"] == "queued" for run in bobs)
    finally:
        sleeper.kill()
        sleeper.wait(timeout=10)
