"""What the page's buttons and pickers do to the record (callbacks, run before the page is
drawn): a preset, a pasted config, a call loaded from the script doctor, new samples, an
imported value given back to its control, a section opened, a run stopped or given more seeds.

Each changes the record only (`session.put`) and says what it did in a message; the widgets
follow the record when they are drawn. Stop and Add seeds are drawn only for the visitor's
own runs, and refuse any other run here too (a click from a page drawn before, a forged one).
"""

from __future__ import annotations

from dataclasses import replace

from ..augment.presets import PRESETS, preset
from ..diagnostics.script import ScriptReport, doctor_script
from ..errors import InputError
from ..experiments.runs.folders import run_owner
from ..interchange.keras_stack import parse_stack
from ..interchange.paste import UNSUPPORTED, SeveralCalls, read_config_text, split_idg_kwargs
from . import session
from .record import MAX_SEED, PageState, released, with_part

PASTE_KEY, SCRIPT_TEXT_KEY, SCRIPT_UPLOAD_KEY = "paste_text", "script_text", "script_upload"
NOT_YOURS = "Only the one who started this run can stop it or add seeds to it."


def pick_preset(state: PageState, name: str) -> PageState:
    """The preset box's `write`: a preset's config (the 'custom' entry changes nothing)."""
    return replace(state, config=preset(name)) if name in PRESETS else state


def open_section(name: str) -> None:
    session.put(replace(session.record(), section=name))
    session.ask_full_rerun()


def new_samples() -> None:
    state = session.record()
    session.change("preview", seed=(state.preview.seed + 1) % (MAX_SEED + 1))


def release_setting(key: str) -> None:
    """Let the control set `key` again, from IDG's default, instead of the imported value."""
    state = session.record()
    session.put(replace(state, config=released(state.config, key)))


def import_pasted() -> None:
    """Import the pasted config; the IDG arguments the preview does not model are named
    with why. A text with several IDG calls (a whole script) goes to the script doctor."""
    text = session.widget_value(PASTE_KEY, session.record().paste_text) or ""
    state = replace(session.record(), paste_text=text)
    session.put(state)
    try:
        pasted = read_config_text(text)
    except SeveralCalls as several:
        session.put(replace(state, script_text=text, section="script"))
        check_script(text, "pasted script")
        session.ask_full_rerun()  # the script doctor is outside the preview's fragment
        session.say("info", f"{several}. The script doctor reads the whole script: load the call you want from there.")
        return
    except InputError as error:
        if not _import_stack(state, text):
            session.say("error", str(error), "paste")
        return
    session.put(replace(state, config=pasted.config))
    message = "Imported: the controls now show the pasted settings."
    if pasted.set_aside:
        message += " Set aside (ImageDataGenerator arguments the preview does not model):" + "".join(
            f"\n- `{argument}`: {why}" for argument, why in pasted.set_aside.items()
        )
    mistakes = _script_mistakes(text)
    if mistakes:
        message += (
            f"\n\nThe pasted code around the call has {mistakes} mistake{'s' if mistakes > 1 else ''} of its "
            "own (how the generator is used): see *Script doctor*, at the top of the page."
        )
    session.say("success", message, "paste")


def _import_stack(state: PageState, text: str) -> bool:
    """A pasted Keras 3 stack (no IDG call in it): the preview switches to it. False when the
    text holds no augmentation stack either."""
    try:
        parsed = parse_stack(text)
    except InputError:
        return False
    if not parsed.augments:
        return False
    session.put(replace(state, engine="keras3", stack_text=text))
    session.say(
        "success",
        f"Imported a Keras 3 stack of {len(parsed.layers)} layer(s): the preview now shows what Keras makes of it.",
    )
    return True


def load_stack() -> None:
    """Load the script's Keras 3 stack into the preview (as code), and open it."""
    kept = session.script_report()
    if kept is None or not isinstance(kept[1], ScriptReport) or kept[1].stack is None:
        return
    name, report = kept
    parsed = report.stack.parsed
    session.put(replace(session.record(), engine="keras3", stack_text=parsed.stack.code(), section="preview"))
    session.say("success", f"Loaded the Keras 3 stack ({report.stack.where(parsed.line)} of {name}) into the preview.")
    session.ask_scroll("top")


def _script_mistakes(text: str) -> int:
    """Script-level findings in pasted code that held one IDG call among other code; the
    report goes to the script doctor's panel when there are any."""
    try:
        report = doctor_script(text, "pasted code")
    except InputError:  # JSON, or nothing a script reading adds to
        return 0
    count = sum(not finding.code.startswith("config:") for finding in report.findings)
    if count:
        session.put(replace(session.record(), script_text=text))
        session.keep_script_report("pasted code", report)
    return count


def check_script(data: bytes | str, name: str) -> None:
    """Run the script doctor on a pasted or uploaded script; the report (or the reason it
    cannot be read) is kept until the next check."""
    try:
        session.keep_script_report(name, doctor_script(data, name))
    except InputError as error:
        session.keep_script_report(name, str(error))


def check_pasted_script() -> None:
    text = session.widget_value(SCRIPT_TEXT_KEY, session.record().script_text) or ""
    session.put(replace(session.record(), script_text=text))
    check_script(text, "pasted script")


def check_uploaded_script() -> None:
    upload = session.widget_value(SCRIPT_UPLOAD_KEY)
    if upload is not None:
        check_script(upload.getvalue(), upload.name)


def load_call(index: int) -> None:
    """Load the script's `index`-th ImageDataGenerator call into the controls, and the size
    its images are loaded at (target_size) as the training size; open the preview, where
    the settings and the message saying so show."""
    kept = session.script_report()
    if kept is None or not isinstance(kept[1], ScriptReport):
        return
    name, report = kept
    if index >= len(report.calls) or report.calls[index].config is None:
        return
    call, size = report.calls[index], report.target_sizes[index]
    state = replace(session.record(), config=call.config, section="preview")
    if size is not None:
        state = with_part(state, "preview", training_size=f"{size[1]} x {size[0]}")
    session.put(state)
    _, others = split_idg_kwargs({**call.kwargs, **call.unreadable})
    aside = [f"{argument} ({UNSUPPORTED[argument]})" for argument in others if argument in UNSUPPORTED]
    where = f"line {call.line}" + (f" of cell {call.cell}" if call.cell is not None else "")
    sized = f"; training size {size[1]} x {size[0]} px, its target_size" if size is not None else ""
    session.say(
        "success",
        (
            f"Loaded {call.target or 'the ImageDataGenerator call'} ({where} of {name}) into the controls{sized}."
            + (" Set aside: " + "; ".join(aside) + "." if aside else "")
        ),
    )
    session.ask_scroll("top")


def _yours(jobs, run_id: str) -> bool:
    """Whether the run is the visitor's to change; if not, said at the top of the page (the
    run's own place shows it read-only, without its buttons and their messages)."""
    if session.may_change(run_owner(jobs.root / run_id)):
        return True
    session.say("error", NOT_YOURS)
    return False


def stop_run(jobs, run_id: str, marker: str = "STOP") -> None:
    """Stop (or end the search of, marker="STOP_SEARCH") the visitor's own run."""
    if _yours(jobs, run_id):
        jobs.stop(run_id, marker)


def seeds_messages(run_id: str) -> str:
    """Where a refused Add seeds on `run_id` leaves its message (drawn next to its button)."""
    return f"add_seeds:{run_id}"


def add_seeds(jobs, run_id: str, key: str) -> None:
    """Queue the visitor's own ended run again with the number of seeds in widget `key`."""
    if not _yours(jobs, run_id):
        return
    try:
        jobs.add_seeds(run_id, int(session.widget_value(key, 2)))
    except InputError as error:
        session.say("error", str(error), seeds_messages(run_id))
        return
    session.put(replace(session.record(), run_id=run_id))
