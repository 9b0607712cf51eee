FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=suite.settings
WORKDIR /app
COPY pyproject.toml ./
COPY apps ./apps
COPY suite ./suite
RUN pip install --no-cache-dir .
COPY . .
RUN DEBUG=false SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --no-input
EXPOSE 8000
CMD ["gunicorn", "suite.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4"]
