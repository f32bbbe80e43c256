"""Production serving with gunicorn: ``gunicorn -c python:app.serving.gunicorn wsgi:app``."""
