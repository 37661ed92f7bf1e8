"""Why two builds may differ, from what their metrics.json say produced them.

When a rebuild differs from committed outputs, the likeliest explanation is
often not the source but the machine: another HarfBuzz shapes text a little
differently, another numpy rounds a last bit.  ``provenance_notes`` names the
versions that differ between the two builds' ``provenance`` (its ``python``
and ``numpy``, and ``environment``, an open dict of name -> version string
or null), and a change of source commit or of uncommitted changes.  Builds
that predate a key simply lack it; only names both record are compared.
"""
from __future__ import annotations

import json
from typing import Any

NAMES = {"pango": "Pango", "harfbuzz": "HarfBuzz", "freetype": "FreeType",
         "fontconfig": "Fontconfig", "fribidi": "FriBidi", "cairo": "cairo",
         "fonttools": "fontTools", "weasyprint": "WeasyPrint", "pydyf": "pydyf",
         "matplotlib": "Matplotlib", "numpy": "NumPy", "python": "Python",
         "pillow": "Pillow", "labreport": "labreport"}


def provenance_notes(old_metrics: bytes | None, new_metrics: bytes | None) -> list[str]:
    """Lines naming what differs in the provenance of two metrics.json files
    (bytes, or None when missing); ``new`` is the build made on this machine."""
    old, new = _provenance(old_metrics), _provenance(new_metrics)
    if old is None or new is None:
        return []
    notes: list[str] = []
    old_env, new_env = _environment(old), _environment(new)
    differing = [k for k in new_env if k in old_env and old_env[k] != new_env[k]]
    if differing:
        notes.append("environment: this machine has "
                     + _versions(new_env, differing)
                     + "; the compared outputs were built with "
                     + _versions(old_env, differing))
    old_source, new_source = _source(old), _source(new)
    if old_source != new_source:
        notes.append(f"source: the compared outputs were built from {old_source}; "
                     f"this build is from {new_source}")
    return notes


def _provenance(metrics: bytes | None) -> dict[str, Any] | None:  # JSON from outside
    if metrics is None:
        return None
    try:
        provenance = json.loads(metrics).get("provenance")
    except (ValueError, AttributeError, RecursionError):
        return None  # an unreadable metrics.json is reported as a change already
    return provenance if isinstance(provenance, dict) else None


def _environment(provenance: dict[str, Any]) -> dict[str, Any]:
    """{name: version} from the provenance's own python and numpy keys and
    its ``environment`` dict, which has the last word."""
    versions: dict[str, Any] = {k: provenance[k] for k in ("python", "numpy", "labreport")
                                if k in provenance}
    environment = provenance.get("environment")
    if isinstance(environment, dict):
        versions.update(environment)
    return versions


def _versions(versions: dict[str, Any], names: list[str]) -> str:
    spelled = [f"{NAMES.get(n, n)} {versions[n]}" if versions[n] is not None
               else f"no known {NAMES.get(n, n)}" for n in names]
    return ", ".join(spelled[:-1]) + (" and " if len(spelled) > 1 else "") + spelled[-1]


def _source(provenance: dict[str, Any]) -> str:
    commit = provenance.get("commit") or "unknown"
    where = "an unknown commit" if commit == "unknown" else f"commit {commit}"
    return where + (" with uncommitted changes" if provenance.get("modified") else "")
