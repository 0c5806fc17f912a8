FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Production settings refuse to load without a key and hosts; collectstatic needs neither for real.
RUN DATABASE_URL=postgres://build@localhost/build DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "-c", "python:operations.gunicorn_conf", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
