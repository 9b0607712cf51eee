"""The suite's one display format for dates and numbers (settings.FORMAT_MODULE_PATH), whatever the locale says."""
