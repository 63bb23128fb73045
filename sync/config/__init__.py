"""The sync's TOML config: the models (`models.Config` and its `sections`), the loader
(`load.load_config`) and its bilingual error messages (`errors.ConfigError`)."""

from .errors import ConfigError
from .load import load_config
from .models import Config

__all__ = ["Config", "ConfigError", "load_config"]
