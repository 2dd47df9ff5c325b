# reminder — the service image. Build: docker build -t reminder .
# Run:   docker run -d -p 8080:8080 -v "$PWD/config:/config:ro" -v reminder-data:/data \
#          -e REMINDER_SECRET_KEY=... -e REMINDER_WEB__BASE_URL=https://nhacviec.example reminder
# The built-in templates are package data inside the installed package; to override some, add
#          -v "$PWD/templates:/app/templates:ro"   (see templates/README.md)

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY reminder ./reminder
# reminder/huong-dan-quan-tri.md (package data) links to the guide in docs/.
COPY docs ./docs
# The same install the tests use (./dev test runs `pip install -e '.[dev]'`), without dev tools.
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 reminder \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin reminder \
    && mkdir -p /config /data \
    && chown reminder:reminder /data
COPY --from=build /opt/venv /opt/venv
# The administrators' override directory: only its README (the list of templates) unless a
# directory is mounted over it.
COPY templates /app/templates
COPY config /config
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    REMINDER_CONFIG_DIR=/config \
    REMINDER_DATA_DIR=/data \
    REMINDER_TEMPLATES_DIR=/app/templates \
    REMINDER_WEB__HOST=0.0.0.0 \
    REMINDER_WEB__PORT=8080
WORKDIR /app
USER 10001:10001
VOLUME ["/config", "/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["reminder"]
CMD ["run"]
