"""Errors of `provnews add-portal`."""


class InferenceError(ValueError):
    """A page from which no definition can be inferred: the message is one clear line for the user."""
