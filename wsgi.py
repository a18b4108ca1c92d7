"""Entry point: `flask --app wsgi ...` and `gunicorn wsgi:app`."""

from slrt import create_app

app = create_app()
