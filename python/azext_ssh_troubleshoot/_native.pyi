# Type stubs of the native module (rust/python/src/lib.rs, built by maturin).
from typing import Callable, Optional

__version__: str

class Cancel:
    """A cancellation handle for ``run``: ``cancel()`` from any thread stops every run given it."""
    def __init__(self) -> None: ...
    def cancel(self) -> None: ...
    @property
    def cancelled(self) -> bool: ...

def run(
    request_json: str,
    progress: Optional[Callable[[int, int], object]] = None,
    cancel: Optional[Cancel] = None,
) -> str:
    """Runs a request document (CONTRACT.md section 3); returns the report or error document."""
    ...

def abi_version() -> int: ...
