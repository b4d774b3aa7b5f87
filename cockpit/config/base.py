"""The base of every settings section: frozen, unknown keys rejected, numbers finite (YAML's
``.inf``/``.nan`` are errors), a docstring per field."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)
