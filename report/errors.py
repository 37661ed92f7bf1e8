"""Errors a user can cause, as opposed to bugs.

The CLI reports these in one line with exit status 2; anything else is a bug
and keeps its traceback.
"""


class UserError(Exception):
    """Bad input: a setting, a name, a template, an environment variable."""
