"""Delivery channels: one module each behind the interface in ``base``.

The registry (``registry.build``) is explicit: a channel exists when its settings enable it;
``file`` is the embedded default used when no account is configured.
"""
