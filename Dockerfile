FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY evals ./evals
COPY prompts ./prompts
COPY corpus/raw ./corpus/raw
RUN pip install --no-cache-dir . && jianggao corpus build
ENV JIANGGAO_HOST=0.0.0.0
EXPOSE 8000
CMD ["jianggao", "serve", "--workers", "2"]
