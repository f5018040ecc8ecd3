"""The workspace: who acts (users, roles), the unit of work, settings, secrets and the change feed."""
