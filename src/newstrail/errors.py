"""newstrail's exceptions, one small tree:

    NewstrailError            anything newstrail raises on purpose
    ├── ConfigError           a setting or config file is invalid
    ├── StoreError            the store cannot be opened or migrated
    ├── NotFound              no article, version or story with that id or URL
    └── ImportFailure         one input could not be imported (the batch goes on)

Batch stages (import, watch) record an ``ImportFailure`` per item and carry on;
library entry points given bad arguments raise.
"""

from __future__ import annotations


class NewstrailError(Exception):
    """Base class for errors newstrail raises on purpose."""


class ConfigError(NewstrailError):
    """A setting or the config file is invalid."""


class StoreError(NewstrailError):
    """The store cannot be opened, migrated or written."""


class NotFound(NewstrailError):
    """No record matches the given id or URL."""


class ImportFailure(NewstrailError):
    """One input could not be imported; the message names the input and the reason."""
