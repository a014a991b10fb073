"""The lesson format: schema, safe YAML loading with locations, validation, progress.

Modules here import torch only inside functions that dry-run models through the
engine, so the app can list lessons before torch has loaded.
"""
