"""Clue ids: stable across runs, revealing nothing of the person.

A clue id is a keyed hash (HMAC-SHA256) of the project, the kind of subject, the subject and
the check period, under a key of the district's own. The same clue gets the same id in every
run, whatever the order of rows (the ledger keys on it), and nobody without the key can test
an ID number against it. The key is created on first use, outside every output folder:
``$HUIMIN_KEY_FILE``, else ``$XDG_DATA_HOME/huimin/clue-key`` (``~/.local/share/...``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from huimin.errors import ConfigError

KEY_BYTES = 32


def key_path() -> Path:
    if os.environ.get("HUIMIN_KEY_FILE"):
        return Path(os.environ["HUIMIN_KEY_FILE"])
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "huimin" / "clue-key"


def district_key(path: Path | None = None) -> bytes:
    """The district's key: read it, or create it once (atomically, readable by its owner)."""
    path = path or key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, ValueError, UnicodeDecodeError):
        raise ConfigError(
            f"{path}: the district's clue key cannot be read: restore it from your backup "
            "(clue ids depend on it), or set HUIMIN_KEY_FILE"
        ) from None
    if len(key) < 16:
        raise ConfigError(f"{path}: the district's clue key is too short: restore it")
    return key


def clue_id(key: bytes, project: str, subject_kind: str, subject: str, period: str) -> str:
    message = "\x1f".join((project, subject_kind, subject, period)).encode()
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()
    return f"HM-{digest[:16].upper()}"
