"""The Dockerfile and Streamlit config, checked statically (no Docker engine here)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n\s*", " ", text)  # join continuation lines
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            rows.append((keyword.upper(), rest.strip()))
    return rows


def test_dockerfile_parses_and_follows_the_deployment_guide():
    rows = _instructions()
    keywords = [keyword for keyword, _ in rows]
    known = {"FROM", "ARG", "ENV", "WORKDIR", "COPY", "RUN", "USER", "VOLUME", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT"}
    assert set(keywords) <= known and keywords[0] == "FROM"
    assert rows[0][1].startswith("python:3.11-slim")
    # requirements installed in their own layer, before the code is copied
    first_copy_of_code = min(i for i, (k, rest) in enumerate(rows) if k == "COPY" and "requirements.txt" not in rest)
    install = next(i for i, (k, rest) in enumerate(rows) if k == "RUN" and "requirements.txt" in rest)
    assert install < first_copy_of_code
    assert ("USER", "app") in rows and ("EXPOSE", "8501") in rows
    # Ray only when asked for (--build-arg WITH_RAY=1), before the code: the same layer rule
    assert ("ARG", "WITH_RAY=0") in rows
    ray = next(i for i, (k, rest) in enumerate(rows) if k == "RUN" and "ray[tune]>=" in rest)
    assert '"$WITH_RAY" = "1"' in rows[ray][1] and ray < first_copy_of_code
    assert any(k == "VOLUME" and "/app/runs" in rest for k, rest in rows)
    healthcheck = next(rest for k, rest in rows if k == "HEALTHCHECK")
    # the page and the job queue (app.py's /queue/health; tests/test_server_start.py runs this command)
    assert "http://localhost:8501/_stcore/health" in healthcheck and "http://localhost:8501/queue/health" in healthcheck
    entrypoint = json.loads(next(rest for k, rest in rows if k == "ENTRYPOINT"))
    assert entrypoint[:3] == ["streamlit", "run", "app.py"] and "--server.address=0.0.0.0" in entrypoint
    assert "--server.port=8501" in entrypoint


def test_every_copied_path_exists_and_the_build_context_keeps_them():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()}
    for keyword, rest in _instructions():
        if keyword == "COPY":
            *sources, _target = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert source.rstrip("/") not in ignored, source


def test_streamlit_config_matches_the_loaders():
    from explorer.data import datasets

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["headless"] is True
    assert config["server"]["maxUploadSize"] * 2**20 == datasets.MAX_ARCHIVE_BYTES
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] in ("none", False)
