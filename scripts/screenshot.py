"""Save screenshots for the README: the web story page and the top of the HTML report.

    PYTHONPATH=src python scripts/screenshot.py [--db FILE] [--story ID] [--out docs/story-page.png]
                                                [--report-out docs/report.png]

Without --db it builds a database from examples/ with the full pipeline. Needs
Debian chromium + chromium-driver (scripts/install_browser.sh).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def chrome(width: int, height: int):  # noqa: ANN201 - selenium type
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--hide-scrollbars", f"--window-size={width},{height}",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='storyline-chromium-')}"):
        options.add_argument(flag)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=service)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database to show (default: build one from examples/)")
    parser.add_argument("--story", type=int, help="story id (default: the one with most articles)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "story-page.png"))
    parser.add_argument("--report-out", default=str(ROOT / "docs" / "report.png"),
                        help="where the report's screenshot goes ('' for none)")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=1500)
    args = parser.parse_args()

    from storyline.store import Store
    from storyline.web import create_app
    from storyline.web.live import BackgroundServer

    db = args.db
    if db is None:
        from storyline.pipeline import Pipeline

        db = str(Path(tempfile.mkdtemp(prefix="storyline-shot-")) / "examples.db")
        with Store(db) as store:
            Pipeline(store).run([str(ROOT / "examples")])
    story = args.story
    if story is None:
        with Store(db, read_only=True) as store:
            rows = store.stories(sort="size", limit=1)
            if not rows:
                print(f"{db}: no stories", file=sys.stderr)
                return 1
            story = rows[0].id
    with BackgroundServer(create_app(db=db)) as server:
        driver = chrome(args.width, args.height)
        try:
            driver.get(f"{server.url}/stories/{story}")
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(args.out)
            print(f"wrote {args.out}")
            if args.report_out:
                from storyline.report import write_report

                with Store(db, read_only=True) as store:
                    report = Path(tempfile.mkdtemp(prefix="storyline-report-")) / "report.html"
                    write_report(store, report)
                driver.set_window_size(1100, 1250)
                driver.get(report.as_uri())
                driver.save_screenshot(args.report_out)
                print(f"wrote {args.report_out}")
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
