# jianggao in a container: the built-in drafter unless OPENAI_API_KEY / OPENAI_BASE_URL are set.
FROM python:3.11-slim
WORKDIR /app
# Locked, hash-checked dependencies in their own layer: rebuilt only when the lock changes
# (the PostgreSQL driver included, for JIANGGAO_DATABASE_URL=postgresql+psycopg://…).
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
# The project and its data in the next.
COPY pyproject.toml README.md ./
COPY service ./service
COPY evals ./evals
COPY prompts ./prompts
COPY corpus/raw ./corpus/raw
RUN pip install --no-cache-dir --no-deps .
# The package is installed into site-packages: point it at the data copied above.
ENV JIANGGAO_CORPUS_DIR=/app/corpus/raw \
    JIANGGAO_BUILD_DIR=/app/corpus/build \
    JIANGGAO_PROMPTS_DIR=/app/prompts \
    JIANGGAO_DATABASE_URL=sqlite:////app/var/jianggao.db \
    JIANGGAO_HOST=0.0.0.0
RUN useradd --create-home --uid 10001 jianggao \
    && mkdir -p /app/var && jianggao corpus build \
    && chown -R jianggao /app/var /app/corpus
USER jianggao
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
# Scale out with more workers here, or replicas sharing JIANGGAO_DATABASE_URL (PostgreSQL).
CMD ["jianggao", "serve", "--workers", "2"]
