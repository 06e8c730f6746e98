"""The one error type users see for bad input."""


class InputError(ValueError):
    """A file, archive, folder or setting from a user that cannot be used.

    The message is written for the user: it names the input and the problem
    ("notes.png is an HTML file, not an image"), never a traceback.
    """
