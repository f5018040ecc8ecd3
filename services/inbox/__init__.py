"""The inbox: the list and its views, search, the sidebar counts, read marks, triage and undo."""
