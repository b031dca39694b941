# The agent-records service: `agent-records serve` by default, the projection worker with
# `agent-records projections run` (see docker-compose.yml). Secrets come from the
# environment and mounted files at run time; none is baked into the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY agent_records ./agent_records
COPY projections ./projections
# The locked versions, each file checked against its hash; then the project alone.
RUN pip install --require-hashes -r requirements.lock \
    && pip install --no-deps . && rm -rf build *.egg-info

# The trusted documents (production mode) and the exported schema, read at run time.
COPY graphql ./graphql
ENV AGENT_RECORDS_OPERATIONS=/app/graphql/operations \
    AGENT_RECORDS_DATA=/home/records/data

RUN useradd --create-home --uid 10001 --user-group records \
    && mkdir -p /home/records/data && chown records:records /home/records/data
USER records
WORKDIR /home/records

EXPOSE 8000
CMD ["agent-records", "serve", "--host", "0.0.0.0", "--port", "8000"]
