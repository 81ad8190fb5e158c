"""Backend adapters. ``registry.adapter_class(kind)`` finds one by config kind."""
