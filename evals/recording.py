"""Record a model session for replay: draft a brief through the real pipeline against an
OpenAI-compatible relay where a writer answers every request, then keep the answers.

  python -m evals.recording BRIEF.json --name NAME --base-url URL --relay-dir DIR
      [--corpus FOLDER] [--writer WHO] [--mode subpoints|parallel]

The draft runs as `jianggao draft` does, with timeouts long enough for a person to write
(the parts are asked for at once and answered one after another). The session is saved as
evals/recorded/NAME.json (see service.testing.replay); tests and `jianggao eval voice`
replay it through the fake upstream.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from service.config import PROJECT_ROOT
from service.testing.replay import session_from_relay

RECORDED_DIR = PROJECT_ROOT / "evals" / "recorded"
WRITER_SECONDS = 4 * 3600  # a part may wait while the writer answers all the others


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.recording")
    parser.add_argument("brief", type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--relay-dir", type=Path, required=True)
    parser.add_argument("--corpus", default="", help="源文件目录（仓库内的相对路径）")
    parser.add_argument("--writer", default="", help="who wrote the answers")
    parser.add_argument("--mode", choices=("subpoints", "parallel"), default="subpoints")
    args = parser.parse_args(argv)
    brief = json.loads(args.brief.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as build:
        env = {
            **os.environ,
            "JIANGGAO_DRAFTER": "openai",
            "OPENAI_BASE_URL": args.base_url,
            "OPENAI_API_KEY": "relay",
            "JIANGGAO_MODEL": "relay",
            "JIANGGAO_REQUEST_TIMEOUT_S": str(WRITER_SECONDS),
            "JIANGGAO_DRAFT_TIMEOUT_S": str(2 * WRITER_SECONDS),
            "JIANGGAO_MAX_RETRIES": "0",
            "JIANGGAO_BUILD_DIR": build,
        }
        if args.corpus:
            env["JIANGGAO_CORPUS_DIR"] = str(PROJECT_ROOT / args.corpus)
        jianggao = Path(sys.executable).with_name("jianggao")
        subprocess.run([str(jianggao), "corpus", "build"], env=env, check=True)
        done = subprocess.run(  # its progress and errors go to our stderr
            [str(jianggao), "draft", "--json", "--mode", args.mode, str(args.brief)],
            env=env,
            stdout=subprocess.PIPE,
        )
    draft = json.loads(done.stdout or b"{}")
    session = session_from_relay(
        args.relay_dir, args.name, brief, args.corpus, args.writer, args.mode
    )
    RECORDED_DIR.mkdir(parents=True, exist_ok=True)
    session.save(RECORDED_DIR / f"{args.name}.json")
    report = draft.get("report") or {}
    print(f"{args.name}: {len(session.answers)} answers; score {report.get('score')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
