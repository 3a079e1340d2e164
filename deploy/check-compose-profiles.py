"""Asserts which services `docker compose up` starts with and without `--profile gpu`.

docker-compose.yml relies on `.env` (COMPOSE_PROFILES=cpu) and on a --profile flag replacing that
default; a service that lands in the wrong profile would start CPU and GPU replicas side by side.
This asks docker-compose 1.29's own loader (run with the Python that `docker-compose` runs on, as
deploy/lint.sh does) and needs no Docker engine.
"""
import sys
from unittest.mock import MagicMock

from compose.cli.command import get_profiles_from_options
from compose.config import config
from compose.config.environment import Environment
from compose.project import Project

SHARED = {"models", "prometheus", "grafana"}
EXPECTED = {
    "docker compose up": ([], SHARED | {"faceapi", "lb"}),
    "docker compose --profile gpu up": (["gpu"], SHARED | {"faceapi-gpu", "lb-gpu"}),
}

environment = Environment.from_env_file(".")
details = config.find(".", ["docker-compose.yml"], environment)
loaded = config.load(details, interpolate=True)

failed = False
for command, (flags, expected) in EXPECTED.items():
    profiles = get_profiles_from_options({"--profile": flags}, environment)
    # The engine client is never called while services are only being listed.
    project = Project.from_config("faceapi", loaded, client=MagicMock(), enabled_profiles=profiles)
    started = {service.name for service in project.get_services(include_deps=True)}
    verdict = "ok  " if started == expected else "FAIL"
    failed |= started != expected
    print(f"{verdict} {command}: {' '.join(sorted(started))}")
    if started != expected:
        print(f"     expected: {' '.join(sorted(expected))}")

sys.exit(1 if failed else 0)
