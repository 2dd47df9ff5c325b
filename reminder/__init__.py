"""reminder: turns an agency's yearly work plan into deadline reminders."""

__version__ = "0.1.0"
