# One image, both services: `auth-server serve` (the default) or `resource-server serve`.
# It listens on every address (0.0.0.0), so AUTH_ISSUER and RESOURCE_IDENTIFIER must be set:
# the services refuse to start without them rather than name themselves http://0.0.0.0:...
# Build stage: compile wheels into a virtual environment with the pinned versions.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml constraints.txt README.md ./
COPY auth_server ./auth_server
COPY resource_server ./resource_server
COPY shared ./shared
RUN /opt/venv/bin/pip install -c constraints.txt .

# Run stage: the virtual environment only, owned by root, run by an unprivileged user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AUTH_HOST=0.0.0.0 \
    AUTH_DATA_DIR=/var/lib/oauth \
    AUTH_LOG_FORMAT=json \
    RESOURCE_HOST=0.0.0.0 \
    RESOURCE_LOG_FORMAT=json
RUN useradd --system --uid 10001 --home-dir /var/lib/oauth --create-home oauth \
    && install -d -o 10001 -g 10001 -m 700 /var/lib/oauth-feed
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /var/lib/oauth
# Generated secrets (AUTH_DATA_DIR) must outlive the container: a new key-encryption key could
# not open the stored signing keys. /var/lib/oauth-feed holds the resource server's client.
VOLUME ["/var/lib/oauth"]
EXPOSE 8000 8001
CMD ["auth-server", "serve"]
