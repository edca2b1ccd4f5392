# Backorder Desk for a team: one container, the warehouse, notes and settings on a volume.
# Build: docker build -t backorder-desk .   Run behind a proxy with sign-in: see compose.yaml and
# the README's "Running it for a team".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BACKORDER_DB=/data/warehouse.duckdb \
    BACKORDER_NOTES=/data/notes.sqlite \
    BACKORDER_SETTINGS=/data/settings.yaml \
    STREAMLIT_SERVER_HEADLESS=true

WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --create-home --uid 10001 desk \
    && mkdir -p /data \
    && touch /data/settings.yaml \
    && chown -R desk:desk /data
USER desk

VOLUME ["/data"]
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"

# Sign-in comes from /data/settings.yaml (auth.proxy) or /app/.streamlit/secrets.toml (OIDC);
# without either, `run` listens on 127.0.0.1 only, which a container cannot be reached on.
CMD ["python", "-m", "dashboard", "run", "--port", "8501", "--address", "0.0.0.0"]
