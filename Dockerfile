# jianggao in a container: the built-in drafter unless OPENAI_API_KEY / OPENAI_BASE_URL are set.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY evals ./evals
COPY prompts ./prompts
COPY corpus/raw ./corpus/raw
RUN pip install --no-cache-dir .
# The package is installed into site-packages: point it at the data copied above.
ENV JIANGGAO_CORPUS_DIR=/app/corpus/raw \
    JIANGGAO_BUILD_DIR=/app/corpus/build \
    JIANGGAO_PROMPTS_DIR=/app/prompts \
    JIANGGAO_DATABASE_URL=sqlite:////app/var/jianggao.db \
    JIANGGAO_HOST=0.0.0.0
RUN mkdir -p /app/var && jianggao corpus build
EXPOSE 8000
# Scale out with more workers here, or replicas sharing JIANGGAO_DATABASE_URL (PostgreSQL).
CMD ["jianggao", "serve", "--workers", "2"]
