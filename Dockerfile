# Augmentation Explorer, after Streamlit's deployment guide (docs.streamlit.io: Docker).
#   docker build -t augmentation-explorer .
#   docker run -p 8501:8501 -v explorer-runs:/app/runs augmentation-explorer
# Settings are environment variables (docs/deploy.md), e.g.
#   docker build --build-arg WITH_RAY=1 -t augmentation-explorer:ray .
#   docker run -p 8501:8501 -e AUGMENT_BACKEND=ray -e AUGMENT_RAY_ADDRESS=ray://HEAD_IP:10001 augmentation-explorer:ray
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    AUGMENT_RUNS_DIR=/app/runs \
    TF_CPP_MIN_LOG_LEVEL=3

WORKDIR /app

# Dependencies in their own layer: rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
# --build-arg WITH_RAY=1: the ray backend (AUGMENT_BACKEND=ray), and an image for the cluster's nodes.
ARG WITH_RAY=0
RUN if [ "$WITH_RAY" = "1" ]; then pip install --no-cache-dir "ray[tune]>=2.30,<3"; fi

COPY .streamlit/ .streamlit/
COPY app.py .
COPY explorer/ explorer/
COPY sample_images/ sample_images/

RUN useradd --create-home --uid 1000 app && mkdir -p /app/runs && chown app:app /app/runs
USER app

# The run history (JSON, PNG, TensorBoard logs) outlives the container.
VOLUME ["/app/runs"]

EXPOSE 8501

# Healthy when the page is served (Streamlit's /_stcore/health) and the job queue is up
# (/queue/health, app.py: 503 until the queue's thread serves runs, which it does from start).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import json, sys, urllib.request as r; sys.exit(0 if r.urlopen('http://localhost:8501/_stcore/health', timeout=2).read().strip() == b'ok' and json.load(r.urlopen('http://localhost:8501/queue/health', timeout=2))['queue'] == 'up' else 1)"

ENTRYPOINT ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
