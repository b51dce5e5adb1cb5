"""Screenshots for the README: the review page and the report, in headless chromium.

    python -m review.screenshots --run out/loop --report out/report --out docs

Needs `make demo-loop` first (the run, its feedback and the report) and `make browser`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", default="out/loop")
    parser.add_argument("--report", default="out/report")
    parser.add_argument("--out", default="docs")
    args = parser.parse_args(argv)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from review.app import create_app, serving
    from review.feedback import JsonlSink, ReviewQueue, load_review_records
    from review.reviewers import Reviewers

    os.makedirs(args.out, exist_ok=True)
    items, problems = load_review_records(os.path.join(args.run, "review*.jsonl"))
    for problem in problems:  # refused review records are reported, never skipped silently
        print(f"review record refused: {problem}", file=sys.stderr)
    token = secrets.token_urlsafe(32)
    # A scratch feedback file: the screenshot shows the queue before anyone decided.
    scratch = os.path.join(args.out, ".screenshot-feedback.jsonl")
    app = create_app(ReviewQueue(items, JsonlSink(scratch)), Reviewers.single("reviewer", token))
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--window-size=1100,1300"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    with serving(app) as base:
        _shoot(driver, base, token, items, args)
    if os.path.exists(scratch):
        os.remove(scratch)
    print(f"screenshots in {args.out}/")
    return 0


def _shoot(driver, base: str, token: str, items, args) -> None:
    from selenium.webdriver.common.by import By

    try:
        driver.get(base + "/login")
        driver.find_element(By.ID, "reviewer").send_keys("reviewer")
        driver.find_element(By.ID, "token").send_keys(token)
        driver.find_element(By.ID, "login").click()
        driver.find_element(By.ID, "counts")
        if items:
            driver.get(f"{base}/chat/{items[0].chat_id}")
        driver.save_screenshot(os.path.join(args.out, "review-page.png"))
        driver.get("file://" + os.path.abspath(os.path.join(args.report, "index.html")))
        driver.save_screenshot(os.path.join(args.out, "report.png"))
    finally:
        driver.quit()


if __name__ == "__main__":
    raise SystemExit(main())
