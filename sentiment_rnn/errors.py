"""The one exception type the pipeline raises for bad input or bad settings."""


class InputError(ValueError):
    """Bad input data, model file or setting.

    The message names the file (or config key), the field, the bad value and
    what was expected, so that it can be shown to the user as it is.
    """
