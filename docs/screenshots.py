"""Make the README's screenshots of `fundstelle serve` in Debian's headless Chromium.

    .venv/bin/python docs/screenshots.py

Indexes the bundled samples (articles written for this project) into a temporary
folder, serves them, and saves PNGs beside this script.
"""

import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, os.path.join(HERE, ".."))

from test_web_support import Server, build_index, chromium  # noqa: E402

SHOTS = [  # file, path, window width, most height
    ("serve-search.png", "/?q=Wahl&place=Berlin", 1280, 1100),
    ("serve-article.png", "/article/002_hochwasser-passau?q=Hochwasser%20Passau", 1280, 1100),
    ("serve-phone.png", "/?q=Bayern", 390, 1200),
]


def main():
    with tempfile.TemporaryDirectory(prefix="fundstelle-shots-") as tmp:
        index = build_index(os.path.join(tmp, "index"))
        server = Server(index)
        browser = chromium(os.path.join(tmp, "profile"))
        try:
            for name, path, width, most in SHOTS:
                browser.set_window_size(width, 800)
                browser.get(server.base + path)
                height = browser.execute_script("return document.documentElement.scrollHeight")
                browser.set_window_size(width, min(height + 20, most))
                browser.get(server.base + path)
                browser.save_screenshot(os.path.join(HERE, name))
                print(os.path.join("docs", name))
        finally:
            browser.quit()
            server.stop()


if __name__ == "__main__":
    main()
