"""The random walk of `page_walk` in a real browser: Debian's Chromium at 1440 x 900 against
`streamlit run app.py`, every value read from the page itself (the widgets' DOM, the address
bar, the tiles' captions, the doctor's boxes, the code blocks). The page's first failure of
issue 27 (sliders falling to their minimums after Train and compare, then Preview) showed
only here: AppTest keeps widget values the browser loses.

Sliders move as a user moves them, by keyboard (one step, or to an end); numbers and texts
are typed; choices clicked. A Train click is left to the AppTest walk (nothing trains here).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import strategies as st
from page_model import UPLOADS
from page_walk import PageRead, PageWalk, shows
from test_page_walk import walk

from browser import CHROMIUM_ARGS, ROOT, chromium_path, streamlit_server
from explorer.ui.link import MODEL_CHOICES, START_CHOICES, WEIGHTS_CHOICES
from explorer.ui.page import load_sample_images
from explorer.ui.record import ENGINES, SECTIONS, SOURCES, VIEWS, PageState
from explorer.ui.train import MODE_LABELS
from explorer.ui.train_stack import PLACEMENT_LABELS

pytestmark = pytest.mark.slow

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI needs chromium for the end-to-end tests: apt-get install -y chromium")
    pytest.skip("no chromium here (CI installs it)", allow_module_level=True)

WALK_SEED = 20261208
SETTLE_S = 20  # the longest a step may take to show on the page
# Option labels the page shows, by widget key -> {label: option}.
LABELS = {
    "section": SECTIONS,
    "engine": ENGINES,
    "image_source": SOURCES,
    "view": VIEWS,
    "train_mode": MODE_LABELS,
    "train_placement": PLACEMENT_LABELS,
    "train_model": MODEL_CHOICES,
    "train_weights": WEIGHTS_CHOICES,
    "train_start": START_CHOICES,
    "input_range": {"0-255": "0..255 (images as loaded)", "0-1": "0..1 (already divided by 255)"},
    "interpolation_order": {0: "nearest (0)", 1: "bilinear (1)", **{n: f"spline {n}" for n in (2, 3, 4, 5)}},
}
# Number inputs show their value to a format's precision: how far the shown value may be from it.
SHOWN_TO = {"cval": 0.005, "channel_shift_range": 0.005, "rescale": 5e-7, "train_learning_rate": 1e-9}
FROM_LABEL = {key: {label: option for option, label in labels.items()} for key, labels in LABELS.items()}
# Every widget's value as the browser shows it: slider positions, numbers, checks, the chosen
# option's label, texts; keyed by the widget's key (its st-key-... class).
READ_WIDGETS = """(keys) => {
  const out = {};
  for (const key of keys) {
    const box = document.querySelector('.st-key-' + CSS.escape(key));
    if (!box || box.closest('.st-key-kept_uploads')) continue;
    const widget = box.querySelector('[data-testid=stSlider], [data-testid=stNumberInput], [data-testid=stCheckbox],'
      + ' [data-testid=stRadio], [data-testid=stSelectbox], [data-testid=stTextInput], [data-testid=stTextArea],'
      + ' [data-testid=stButtonGroup]');
    if (!widget) continue;
    const kind = widget.getAttribute('data-testid');
    if (kind === 'stSlider') out[key] = [...widget.querySelectorAll('input[type=range]')].map(i => Number(i.value));
    else if (kind === 'stNumberInput') out[key] = Number(widget.querySelector('input').value);
    else if (kind === 'stCheckbox') out[key] = widget.querySelector('input').checked;
    else if (kind === 'stRadio') out[key] = [...widget.querySelectorAll('[data-testid=stRadioOption]')]
      .filter(o => o.querySelector('input')?.checked).map(o => o.innerText.trim())[0] ?? null;
    else if (kind === 'stSelectbox') out[key] = widget.querySelector('input').value;
    else if (kind === 'stTextInput') out[key] = widget.querySelector('input').value;
    else if (kind === 'stTextArea') out[key] = widget.querySelector('textarea').value;
    else if (kind === 'stButtonGroup') out[key] = widget.querySelector('button[aria-checked=true]')?.innerText.trim();
  }
  return out;
}"""
READ_PAGE = """() => ({
  running: document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') !== 'notRunning',
  exception: [...document.querySelectorAll('[data-testid=stException]')].map(e => e.innerText).join('\\n'),
  presets: [...document.querySelectorAll('[class*="st-key-preset_"]')].map(e => [...e.classList]
    .find(c => c.startsWith('st-key-preset_')).slice(7)),
  captions: [...document.querySelectorAll('.st-key-tile_grid [data-testid=stImageCaption]')].map(e => e.innerText),
  findings: [...document.querySelectorAll('.st-key-details [data-testid=stAlert]')].map(e => e.innerText)
    .filter(t => t.includes('Fix:')),
  codes: [...document.querySelectorAll('[data-testid=stCode] code')].map(e => e.innerText.trim()),
  alerts: [...document.querySelectorAll('[data-testid=stAlert]')].map(e => e.innerText),
})"""


def _plain(text: str) -> str:
    """Markdown's marks dropped and white space collapsed: a finding as the browser shows it."""
    return " ".join(re.sub(r"[`*]", "", text).split())


class BrowserDriver:
    """The walk's clicks and reads in Chromium: waits after each action until the script has
    stopped running and the page has had a moment to draw what it sent."""

    can_train = False

    def __init__(self, server: str, page, files: Path) -> None:
        self.server, self.page, self.files = server, page, files

    def open(self, link: dict) -> None:
        query = "&".join(f"{name}={value}" for name, value in link.items())
        self.page.goto(f"{self.server}/?{query}" if query else self.server)
        self.page.wait_for_selector(".st-key-section", timeout=60000)
        self._settle()

    def close(self) -> None:
        self.page.close()

    def snapshot(self, name: str) -> None:
        folder = Path(os.environ.get("E2E_SCREENSHOTS", self.files))
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    def reload(self) -> None:
        self.page.goto(self.page.url)
        self.page.wait_for_selector(".st-key-section", timeout=60000)
        self._settle()

    def _settle(self) -> None:
        """Until the script has not run for 0.4 s in a row (a rerun may start a moment after
        the click that asks for it)."""
        deadline, quiet_since = time.time() + SETTLE_S, None
        while time.time() < deadline:
            running = self.page.evaluate(READ_PAGE)["running"]
            now = time.time()
            quiet_since = None if running else (quiet_since or now)
            if quiet_since is not None and now - quiet_since >= 0.4:
                return
            time.sleep(0.05)
        raise AssertionError("the page kept running for 20 s")

    def _box(self, key: str):
        box = self.page.locator(f".st-key-{key}").first
        box.scroll_into_view_if_needed()
        return box

    def set(self, key: str, value) -> None:
        box = self._box(key)
        kind = box.locator("[data-testid]").first.get_attribute("data-testid")
        label = LABELS.get(key, {}).get(value, value)
        if kind == "stSlider":
            self._slide(box, key, value)
        elif kind == "stNumberInput":
            field = box.locator("input")
            field.fill(str(value))
            field.press("Enter")
        elif kind == "stCheckbox":
            if box.locator("input").is_checked() != value:
                box.locator("label").first.click()
        elif kind == "stRadio":
            box.get_by_text(str(label), exact=True).click()
        elif kind in ("stTextInput",):
            box.locator("input").fill(value)
            box.locator("input").press("Enter")
        elif kind == "stButtonGroup":
            box.get_by_role("radio", name=str(label), exact=True).click()
        else:  # a select box
            self._choose(box, str(label))
        self._settle()

    def _slide(self, box, key: str, value) -> None:
        """Move one thumb as a user would: a step either way, or to an end (Home, End)."""
        current = self.page.evaluate(READ_WIDGETS, [key])[key]
        target = list(value) if isinstance(value, (tuple, list)) else [value]
        thumb = next(index for index, (now, then) in enumerate(zip(current, target)) if now != then)
        field = box.locator("input[type=range]").nth(thumb)
        field.focus()
        low, high = (float(field.get_attribute(name)) for name in ("min", "max"))
        step = float(field.get_attribute("step"))
        wanted = target[thumb]
        press = (
            "Home"
            if wanted == low
            else "End"
            if wanted == high
            else "ArrowRight"
            if wanted > current[thumb]
            else "ArrowLeft"
        )
        if press in ("Home", "End") and abs(wanted - current[thumb]) <= step * 1.01:
            press = "ArrowRight" if wanted > current[thumb] else "ArrowLeft"
        self.page.keyboard.press(press)

    def _choose(self, box, label: str) -> None:
        combo = box.locator("[role=combobox]")
        for _ in range(3):
            combo.click()
            try:
                self.page.get_by_role("option", name=label, exact=True).click(timeout=5000)
                return
            except Exception:  # the menu did not open (the page was rerunning): try again
                self.page.keyboard.press("Escape")
        raise AssertionError(f"could not choose {label}")

    def pick_preset(self, name: str) -> None:
        self._choose(self.page.locator('[class*="st-key-preset_"]').first, name)
        self._settle()

    def click(self, key: str) -> None:
        self._box(key).locator("button:visible").first.click()
        self._settle()

    def type_text(self, key: str, text: str) -> None:
        area = self._box(key).locator("textarea")
        area.fill(text)
        area.press("Control+Enter")
        self._settle()

    def upload(self, names: list[str]) -> None:
        paths = []
        for name in names:
            (self.files / name).write_bytes(UPLOADS[name])
            paths.append(str(self.files / name))
        self._box("uploads").locator("input[type=file]").set_input_files(paths)
        self._settle()
        time.sleep(0.5)  # the upload's own rerun

    def samples(self) -> list[str]:
        return list(load_sample_images())

    def slider_values(self, current, low, high, step) -> st.SearchStrategy:
        """One step either way, or an end: what a key press does."""
        moves = {low, high, min(high, round(current + step, 6)), max(low, round(current - step, 6))} - {current}
        return st.sampled_from(sorted(moves))

    def range_values(self, current, low, high, step) -> st.SearchStrategy:
        one, two = current
        moves = {
            (max(low, round(one - step, 6)), two),
            (min(two, round(one + step, 6)), two),
            (one, min(high, round(two + step, 6))),
            (one, max(one, round(two - step, 6))),
        } - {tuple(current)}
        return st.sampled_from(sorted(moves))

    def messages(self) -> list[str]:
        return self.page.evaluate(READ_PAGE)["alerts"]

    def train(self):
        raise AssertionError("the browser walk does not train")

    def read(self, expected: PageState, image_shown: bool = False) -> PageRead:
        """The page as shown, once it shows the expected widget values (or after SETTLE_S)."""
        from page_model import widget_view

        keys = [key for key in widget_view(expected) if not key.startswith("preset_")]
        deadline = time.time() + SETTLE_S
        while True:
            page = self.page.evaluate(READ_PAGE)
            widgets = self._widgets(keys, page["presets"])
            query = dict(parse_qsl(urlsplit(self.page.url).query, keep_blank_values=True))
            read = PageRead(
                page["exception"] or None,
                None,
                widgets,
                query,
                page["captions"],
                [self._finding(text) for text in page["findings"]],
                page["codes"],
                lambda findings: [(setting, _plain(message)) for setting, message in findings],
                SHOWN_TO,
            )
            if time.time() > deadline or not page["running"] and _looks_done(read, expected, image_shown):
                return read
            time.sleep(0.2)

    def _widgets(self, keys: list[str], presets: list[str]) -> dict:
        shown = self.page.evaluate(READ_WIDGETS, [*keys, *presets])
        for key, value in list(shown.items()):
            if isinstance(value, list):
                shown[key] = value[0] if len(value) == 1 else tuple(value)
            if key in FROM_LABEL:
                shown[key] = FROM_LABEL[key].get(value, value)
        return shown

    @staticmethod
    def _finding(text: str) -> tuple[str, str]:
        """(setting, message) of a doctor's box: 'setting (severity): message\\nFix: fix'."""
        setting, rest = text.split(":", 1)
        return setting.rsplit(" (", 1)[0].strip(), _plain(rest[: rest.rindex("Fix:")])


def _looks_done(read: PageRead, expected: PageState, image_shown: bool = False) -> bool:
    """Whether the page already shows what the step asked for (else it is still drawing): the
    widgets the step's section must draw are there (a section control shows its new choice
    before the rerun that draws the section has started; the preview's controls come with its
    fragment, after the tiles, so with an image shown they are waited for too: a CI run read
    the page between the two and failed with them 'not drawn'), and those drawn show the record."""
    from page_model import must_draw, widget_view

    view = widget_view(expected)
    return must_draw(expected, image_shown) <= set(read.widgets) | {"uploads"} and all(
        shows(value, view[key], read.tolerance.get(key)) for key, value in read.widgets.items() if key in view
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    with streamlit_server(ROOT / "app.py", env={"AUGMENT_RUNS_DIR": str(runs)}) as url:
        yield url


def test_a_random_walk_in_chromium_keeps_the_page_in_one_piece(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900})

            class Walk(PageWalk):
                driver_factory = staticmethod(lambda: BrowserDriver(server, context.new_page(), tmp_path))

            taken = walk(Walk, 45, WALK_SEED)
        finally:
            browser.close()
    print(f"Chromium walk: {taken} steps, seed {WALK_SEED}: {dict(PageWalk.actions_taken.most_common())}")
    assert taken >= 40
