"""The command-line contract of DESIGN.md, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storyline.cli import app

ROOT = Path(__file__).resolve().parents[1]
SMALL = [
    str(ROOT / "examples" / "coastline-sport_coastal-cup-final.txt"),
    str(ROOT / "examples" / "crawl.warc.gz"),
]


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory, runner):
    path = tmp_path_factory.mktemp("cli") / "cli.db"
    report = path.with_suffix(".html")
    result = runner.invoke(app, ["run", *SMALL, "--db", str(path), "--report", str(report), "--json"])
    assert result.exit_code == 0, result.output
    return path


def test_run_json_follows_the_contract(runner, tmp_path):
    path = tmp_path / "c.db"
    result = runner.invoke(app, ["run", *SMALL, "--db", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout[result.stdout.index("{") :])
    assert payload["stories"], payload
    for story in payload["stories"]:
        assert {"id", "title", "articles", "summary", "facts"} <= set(story)
        for article in story["articles"]:
            assert {"id", "source", "title", "site", "published"} <= set(article)
            assert article["source"].startswith(str(ROOT / "examples"))


def test_stories_and_story_read_the_database(runner, db):
    listed = runner.invoke(app, ["stories", "--db", str(db), "--json"])
    assert listed.exit_code == 0, listed.output
    stories = json.loads(listed.stdout)["stories"]
    first = stories[0]["id"]
    one = runner.invoke(app, ["story", str(first), "--db", str(db), "--json"])
    assert one.exit_code == 0
    assert json.loads(one.stdout)["id"] == first
    table = runner.invoke(app, ["stories", "--db", str(db)])
    assert stories[0]["title"][:20] in table.stdout.replace("\n", " ") or "stories" in table.stdout
    shown = runner.invoke(app, ["story", str(first), "--db", str(db)])
    assert shown.exit_code == 0 and "Articles" in shown.stdout


def test_the_report_is_written_and_self_contained(db):
    html = db.with_suffix(".html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert "Ashbury" in html
    assert "<script" not in html.lower()
    # Nothing is loaded from elsewhere: the file opens offline.
    assert 'src="http' not in html and "<link" not in html


def test_user_errors_are_one_line_without_traceback(runner, tmp_path):
    missing = runner.invoke(app, ["story", "999", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2
    assert "no such database" in missing.output and "Traceback" not in missing.output
    nothing = runner.invoke(app, ["run", str(tmp_path / "nowhere"), "--db", str(tmp_path / "n.db")])
    assert nothing.exit_code == 1
    assert "Traceback" not in nothing.output
    bad_eval = runner.invoke(app, ["eval", "clustering", str(tmp_path / "absent.jsonl")])
    assert bad_eval.exit_code == 2 and "no such file" in bad_eval.output
    bad_workers = runner.invoke(app, ["run", str(tmp_path), "--db", str(tmp_path / "w.db"), "--workers", "-1"])
    assert bad_workers.exit_code != 0 and "workers" in bad_workers.output and "Traceback" not in bad_workers.output


def test_python_dash_m_runs_the_same_command_line() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "storyline", "eval", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "clustering" in done.stdout and "extraction" in done.stdout


def test_an_interrupted_run_says_what_is_kept(runner, tmp_path, monkeypatch):
    from storyline.pipeline import Pipeline

    def interrupted(self, inputs, *, progress):
        raise KeyboardInterrupt

    monkeypatch.setattr(Pipeline, "run", interrupted)
    result = runner.invoke(app, ["run", str(tmp_path), "--db", str(tmp_path / "i.db")])
    assert result.exit_code == 130
    assert "interrupted; everything stored so far is kept" in result.output and "Traceback" not in result.output


def test_stories_json_follows_sort_when_asked(runner, db):
    by_id = json.loads(runner.invoke(app, ["stories", "--db", str(db), "--json"]).stdout)["stories"]
    assert [s["id"] for s in by_id] == sorted(s["id"] for s in by_id)  # the default: by id
    by_size = json.loads(runner.invoke(app, ["stories", "--db", str(db), "--json", "--sort", "size"]).stdout)["stories"]
    sizes = [s["n_articles"] for s in by_size]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) > 1
