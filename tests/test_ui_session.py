"""The session's record against Streamlit's widget state (explorer/ui/session.py)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import streamlit as st

    from explorer.ui import session, widgets
    from explorer.ui.widgets import part_writer

    session.start()
    session.catch_up()
    state = session.record()
    widgets.number(st, "Epochs", 1, 200, key="train_epochs", shown=state.train.epochs,
                   write=part_writer("train", "epochs", int))
    st.markdown(f"record: {session.record().train.epochs} epochs")


def test_a_move_whose_callback_did_not_run_is_taken_not_undone():
    """A rerun that replaces another on its way can skip a widget's callback: the widget then
    holds the user's latest value and the record an older one. The record takes the move;
    it is never put back over it (issue 27: quick slider moves came back undone)."""
    at = AppTest.from_function(_page)
    at.run()
    drawn = at.number_input(key="train_epochs").value
    at.session_state["train_epochs"] = drawn + 3  # the widget's state changes, no callback runs
    at.run()
    assert not at.exception
    assert at.number_input(key="train_epochs").value == drawn + 3
    assert at.markdown[0].value == f"record: {drawn + 3} epochs"


def test_a_record_changed_another_way_sets_the_widget():
    at = AppTest.from_function(_page)
    at.run()
    at.number_input(key="train_epochs").set_value(5).run()
    assert at.markdown[0].value == "record: 5 epochs"
    record = at.session_state["page"]
    at.session_state["page"] = type(record)(**{**record.__dict__, "train": type(record.train)(
        **{**record.train.__dict__, "epochs": 9})})
    at.run()
    assert at.number_input(key="train_epochs").value == 9
    assert at.markdown[0].value == "record: 9 epochs"
