"""Backups: `flask backup create|restore` (SQLite online backup API, pg_dump/pg_restore)."""
