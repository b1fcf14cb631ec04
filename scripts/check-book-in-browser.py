#!/usr/bin/env python3
"""Checks the built books (docs/en/book, docs/zh/book) in a real browser.

scripts/build-book.sh builds them; this script serves them on 127.0.0.1, opens
them in headless Chromium through chromedriver (the W3C WebDriver protocol,
spoken with Python's standard library only), and checks what a reader sees in
a 1280x800 window:

- search: in the Chinese book 过滤器, 报告器 and 系统调用 are found, from a
  `?search=WORD` address as from typing, by results that link to the chapters
  about them, show the word highlighted, and highlight it on the page they open;
  the search's texts are Chinese. In the English book `filter` and `reporter`
  are found, and its texts are English. In both, the results' header gives the
  true number of results, and says how many are shown when mdBook shows fewer
  (it shows 30 at most).
- interface: on every page, the 404 page too, what mdBook itself writes (its
  buttons' titles and labels, the help, the themes' names, the search bar, the
  copy button and what it says once clicked) is in the book's language: no
  English word in the Chinese book, no Chinese in the English one
  (docs/theme/head.hbs translates it).
- layout, on every chapter page of both books: nothing sticks out of the text's
  column or the window, every table fits the column, no code block is wider
  than the column (every block, code, diff or transcript, wraps its long lines:
  on a projector at 1280 px, the end of a line must not hide behind a
  scrollbar), no `ANCHOR` marker of an include shows, every picture loaded,
  its text is at least 9 px high as shown (the overhead plot's 12 px) and in
  the book's language.

It prints a line per page and search, one per problem, and exits 1 when there
is any problem (2 when it cannot run: no book built, no browser). --screenshots
DIR saves what it looked at as PNG files. scripts/install-chromium.sh installs
Chromium, its driver and CJK fonts.
"""

import argparse
import base64
import functools
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")
BOOKS = ("en", "zh")
WIDTH, HEIGHT = 1280, 800

# The searches, and the chapters each must find (among others).
SEARCHES = {
    "zh": {
        "过滤器": ["filters.html", "step-2.html"],
        "报告器": ["step-3.html"],
        "系统调用": ["step-3.html", "discovering.html"],
    },
    "en": {
        "filter": ["filters.html", "step-2.html"],
        "reporter": ["step-3.html"],
    },
}
# A word no page of the Chinese book has: its search must say so, in Chinese.
ABSENT = "鲸鱼"

# The smallest text a picture may show, in CSS px at the window's width: 12 px for
# the labels of the plot, read for their numbers; 9 px for a note in a drawing (the
# hand-drawn pictures' notes show at 9.6 px; a click shows a picture full size).
SMALLEST_TEXT = 9
SMALLEST_TEXT_OF = {"overhead-": 12}

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps reaching out to Google's servers.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--window-size={WIDTH},{HEIGHT}",
]


class Problems:
    """The problems found, printed as they are found."""

    def __init__(self):
        self.count = 0

    def add(self, where, message):
        self.count += 1
        print(f"FAIL {where}: {message}", flush=True)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    """An HTTP server for `directory` on 127.0.0.1, on a free port, in a thread."""
    handler = functools.partial(QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebDriverError(Exception):
    pass


class Browser:
    """Headless Chromium, driven through chromedriver."""

    def __init__(self, chromium, chromedriver):
        self.profile = tempfile.mkdtemp(prefix="check-book-chromium-")
        self.log = tempfile.TemporaryFile()
        port = free_port()
        self.driver = subprocess.Popen(
            [chromedriver, f"--port={port}"], stdout=self.log, stderr=subprocess.STDOUT
        )
        self.url = f"http://127.0.0.1:{port}"
        self.session = None
        deadline = time.monotonic() + 20
        while True:
            try:
                if self.call("GET", "/status").get("ready"):
                    break
            except (OSError, WebDriverError):
                pass
            if self.driver.poll() is not None or time.monotonic() > deadline:
                raise WebDriverError(f"{chromedriver} did not start: {self.driver_log()}")
            time.sleep(0.1)
        options = {"binary": chromium, "args": CHROMIUM_ARGS + [f"--user-data-dir={self.profile}"]}
        capabilities = {"browserName": "chrome", "goog:chromeOptions": options}
        session = self.call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.session = session["sessionId"]
        self.command("POST", "/window/rect", {"width": WIDTH, "height": HEIGHT})

    def driver_log(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.load(response)["value"]
        except urllib.error.HTTPError as err:
            try:
                value = json.load(err)["value"]
                message = f'{value.get("error")}: {value.get("message", "").splitlines()[0]}'
            except (ValueError, KeyError, AttributeError, IndexError):
                message = str(err)
            raise WebDriverError(f"{method} {path}: {message}") from None

    def command(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def open(self, url):
        self.command("POST", "/url", {"url": url})

    def run(self, script, *args):
        return self.command("POST", "/execute/sync", {"script": script, "args": list(args)})

    def run_async(self, script, *args):
        return self.command("POST", "/execute/async", {"script": script, "args": list(args)})

    def element(self, css):
        found = self.command("POST", "/element", {"using": "css selector", "value": css})
        return next(iter(found.values()))

    def screenshot(self, path):
        with open(path, "wb") as file:
            file.write(base64.b64decode(self.command("GET", "/screenshot")))

    def element_screenshot(self, element, path):
        png = self.command("GET", f"/element/{element}/screenshot")
        with open(path, "wb") as file:
            file.write(base64.b64decode(png))

    def close(self):
        try:
            if self.session:
                self.command("DELETE", "")
        except (OSError, WebDriverError):
            pass
        finally:
            self.driver.terminate()
            try:
                self.driver.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.driver.kill()
            self.log.close()
            shutil.rmtree(self.profile, ignore_errors=True)


# What a page shows, measured in the page: the window, the text's column, tables,
# code blocks, elements that cut off their content, ANCHOR markers.
LAYOUT = r"""
const main = document.querySelector('main');
const px = n => Math.round(n);
const out = {width: innerWidth, body: document.body.scrollWidth,
             main: [main.scrollWidth, main.clientWidth], tables: [], code: [], clipped: [],
             anchors: (main.innerText.match(/.*ANCHOR(_END)?:.*/g) || []).slice(0, 3)};
main.querySelectorAll('.table-wrapper, table').forEach((box, i) => {
    if (box.tagName === 'TABLE' && box.parentElement.classList.contains('table-wrapper')) return;
    out.tables.push({index: out.tables.length, scroll: box.scrollWidth, client: box.clientWidth,
                     head: box.querySelector('tr').innerText.replace(/\s+/g, ' ').slice(0, 60)});
});
main.querySelectorAll('pre > code').forEach((code, i) => {
    const longest = code.innerText.split('\n').reduce((a, b) => b.length > a.length ? b : a, '');
    out.code.push({index: i, scroll: code.scrollWidth, client: code.clientWidth,
                   whiteSpace: getComputedStyle(code).whiteSpace,
                   first: code.innerText.split('\n')[0].slice(0, 60), longest: longest.slice(0, 60)});
});
main.querySelectorAll('*').forEach(el => {
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
        const overflow = getComputedStyle(el).overflowX;
        if (overflow === 'hidden' || overflow === 'clip') {
            out.clipped.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') +
                             ': ' + el.innerText.slice(0, 60));
        }
    }
});
return out;
"""

# The pictures of a page: loaded or not, the smallest text of an SVG as shown (it
# is drawn again inline at the same size, to measure its text), and its words.
PICTURES = r"""
const done = arguments[arguments.length - 1];
(async () => {
    const out = [];
    // Not the copy mdBook keeps hidden, to show a picture full size on a click.
    const shown = Array.from(document.querySelectorAll('main img')).filter(img => img.offsetParent);
    for (const img of shown) {
        const info = {src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
                      width: img.clientWidth, natural: img.naturalWidth};
        if (info.loaded && /\.svg$/i.test(img.src)) {
            const box = document.createElement('div');
            box.style.cssText = 'position: absolute; left: -20000px; top: 0;';
            box.innerHTML = await (await fetch(img.src)).text();
            const svg = box.querySelector('svg');
            svg.setAttribute('width', img.clientWidth);
            svg.setAttribute('height', img.clientHeight);
            document.body.appendChild(box);
            const scale = svg.getScreenCTM().a;
            let smallest = null;
            const words = [];
            for (const text of svg.querySelectorAll('text, tspan')) {
                const own = Array.from(text.childNodes)
                    .filter(node => node.nodeType === Node.TEXT_NODE)
                    .map(node => node.textContent).join('').trim();
                if (!own) continue;
                words.push(own);
                const size = parseFloat(getComputedStyle(text).fontSize) * scale;
                if (smallest === null || size < smallest.size) smallest = {size, text: own};
            }
            box.remove();
            info.smallest = smallest;
            info.words = words.join(' ');
        }
        out.push(info);
    }
    return out;
})().then(done, err => done({error: String(err)}));
"""

# The search's state: its texts and results.
SEARCH_STATE = r"""
const header = document.getElementById('mdbook-searchresults-header');
const bar = document.getElementById('mdbook-searchbar');
return {header: header ? header.innerText.trim() : null, placeholder: bar ? bar.placeholder : null,
        value: bar ? bar.value : null,
        results: Array.from(document.querySelectorAll('#mdbook-searchresults > li')).map(li => ({
            href: li.querySelector('a').href,
            title: li.querySelector('a').innerText,
            teaser: (li.querySelector('.teaser') || {}).innerHTML || ''}))};
"""


# What mdBook's interface says on a page: every title, label and placeholder
# outside the book's text (the copy buttons of its code blocks included), and the
# text of the help, the themes' menu and the search's header. A <kbd>'s key is
# left out, and so is an English word glossed in full-width brackets, as the
# Chinese book writes them: 深色（Ayu）.
INTERFACE = r"""
const texts = [];
const content = document.querySelector('main');
const bookText = el => (content && content.contains(el) && !el.closest('pre > .buttons'))
    || el.closest('#mdbook-sidebar .chapter') || el.closest('.menu-title');
for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
    if (bookText(el)) continue;
    for (const name of ['title', 'aria-label', 'placeholder']) {
        const value = el.getAttribute(name);
        if (value) texts.push({where: (el.id ? '#' + el.id : el.tagName.toLowerCase() +
                                       (el.className ? '.' + el.className : '')) + ' ' + name,
                               text: value});
    }
}
const own = ['#mdbook-help-popup', '#mdbook-theme-list', '#mdbook-searchresults-header'];
for (const css of own) {
    const el = document.querySelector(css);
    if (!el) continue;
    const copy = el.cloneNode(true);
    copy.querySelectorAll('kbd').forEach(k => k.remove());
    const text = copy.textContent.replace(/\s+/g, ' ').trim();
    if (text) texts.push({where: css, text});
}
return texts;
"""

# Clicks the first copy button of the page's code and returns what its tooltip says.
COPY_TOOLTIP = r"""
const done = arguments[arguments.length - 1];
const button = document.querySelector('main pre .clip-button');
if (!button) { done(null); return; }
button.click();
setTimeout(() => done(button.querySelector('.tooltiptext').innerText), 300);
"""

ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
GLOSS = re.compile(r"（[^（）]*）")


def foreign_words(book, text):
    """The words of `text` that are not in the book's language."""
    if book == "zh":
        return ENGLISH_WORD.findall(GLOSS.sub("", text))
    return CJK.findall(text)


def check_interface(browser, book, where, problems):
    """Checks that what mdBook writes on the open page is in the book's language."""
    texts = browser.run(INTERFACE)
    for item in texts:
        words = foreign_words(book, item["text"])
        if words:
            language = "English" if book == "zh" else "Chinese"
            problems.add(where, f"mdBook's interface shows {language} in the "
                                f"{'Chinese' if book == 'zh' else 'English'} book: "
                                f"{item['where']}: {item['text']!r}")
    return len(texts)


def check_copy_button(browser, base, book, page, problems):
    """Clicks a copy button: what it then says is in the book's language."""
    where = f"{book}/{page} copy button"
    browser.open(f"{base}/{book}/book/{page}")
    said = browser.run_async(COPY_TOOLTIP)
    if not said:
        problems.add(where, "no copy button, or it says nothing once clicked")
    elif foreign_words(book, said) or (book == "zh" and not CJK.search(said)):
        problems.add(where, f"once clicked it says {said!r}, not in the book's language")
    else:
        print(f"ok   {where}: says {said!r}", flush=True)


def check_404(browser, book, problems):
    """The 404 page in the book's language, interface and text, served at the top of
    a site as mdBook writes it (its links start at `/`)."""
    where = f"{book}/404.html"
    server = serve(os.path.join(DOCS, book, "book"))
    try:
        browser.open(f"http://127.0.0.1:{server.server_address[1]}/404.html")
        texts = check_interface(browser, book, where, problems)
        shown = browser.run("return document.querySelector('main').innerText")
        if not shown.strip():
            problems.add(where, "shows no text")
        elif foreign_words(book, shown) or (book == "zh" and not CJK.search(shown)):
            problems.add(where, f"is not in the book's language: {shown.strip()[:80]!r}")
        print(f"ok   {where}: {texts} interface texts", flush=True)
    finally:
        server.shutdown()


def chapter_pages(book_dir):
    """The chapter pages of a built book: every page but the copies and helpers."""
    skip = {"index.html", "print.html", "toc.html", "404.html"}
    return sorted(name for name in os.listdir(book_dir) if name.endswith(".html") and name not in skip)


def smallest_text_for(src):
    name = src.rsplit("/", 1)[-1]
    return max([SMALLEST_TEXT] + [px for prefix, px in SMALLEST_TEXT_OF.items() if name.startswith(prefix)])


def scroll_to(browser, css, index):
    """Scrolls element `index` matching `css` under the menu bar; its WebDriver id."""
    browser.run(
        "const el = document.querySelectorAll(arguments[0])[arguments[1]];"
        "el.scrollIntoView(); window.scrollBy(0, -60);", css, index)
    found = browser.command("POST", "/elements", {"using": "css selector", "value": css})
    return next(iter(found[index].values()))


def check_page(browser, base, book, page, problems, shots):
    where = f"{book}/{page}"
    browser.open(f"{base}/{book}/book/{page}")
    layout = browser.run(LAYOUT)
    if layout["body"] > layout["width"]:
        problems.add(where, f"the page is {layout['body']} px wide, wider than the window "
                            f"({layout['width']} px): the rest is cut off")
    scroll, client = layout["main"]
    if scroll > client + 1:
        problems.add(where, f"something sticks out of the text's column ({scroll} px for {client} px)")
    for table in layout["tables"]:
        if table["scroll"] > table["client"] + 1:
            problems.add(where, f"table {table['index'] + 1} ({table['head']}) is {table['scroll']} px "
                                f"wide, wider than the column ({table['client']} px)")
    for code in layout["code"]:
        if code["scroll"] <= code["client"] + 1:
            continue
        # A scrollbar is no way out: a reader of a projected page cannot scroll it.
        problems.add(where, f"code block {code['index'] + 1} ({code['first']!r}) is "
                            f"{code['scroll']} px wide for {code['client']} px of column "
                            f"(white-space: {code['whiteSpace']}): its line {code['longest']!r} "
                            "scrolls sideways instead of wrapping")
    for clipped in layout["clipped"]:
        problems.add(where, f"cuts off its content: {clipped}")
    for line in layout["anchors"]:
        problems.add(where, f"shows an include's anchor marker: {line.strip()}")
    interface = check_interface(browser, book, where, problems)

    pictures = browser.run_async(PICTURES)
    if isinstance(pictures, dict):
        problems.add(where, f"cannot measure its pictures: {pictures.get('error')}")
        pictures = []
    for picture in pictures:
        name = picture["src"]
        if not picture["loaded"]:
            problems.add(where, f"picture {name} did not load")
            continue
        smallest = picture.get("smallest")
        if smallest is not None:
            least = smallest_text_for(name)
            if smallest["size"] < least - 0.05:
                problems.add(where, f"picture {name} shows {smallest['text']!r} at "
                                    f"{smallest['size']:.1f} px, under {least} px")
            chinese = bool(CJK.search(picture.get("words", "")))
            if chinese != (book == "zh"):
                problems.add(where, f"picture {name} is not in the book's language"
                                    f" ({'Chinese' if chinese else 'no Chinese'} text)")

    if shots:
        stem = os.path.join(shots, f"{book}-{page[:-5]}")
        browser.run("window.scrollTo(0, 0)")
        browser.screenshot(f"{stem}.png")
        for index in range(len(layout["tables"])):
            browser.element_screenshot(scroll_to(browser, "main .table-wrapper", index),
                                       f"{stem}-table-{index + 1}.png")
        for index in range(len(pictures)):
            browser.element_screenshot(scroll_to(browser, "main img:not(.img-wrapper img)", index),
                                       f"{stem}-picture-{index + 1}.png")
    print(f"ok   {where}: window {layout['width']} px, {len(layout['tables'])} tables, "
          f"{len(layout['code'])} code blocks, {len(pictures)} pictures, {interface} interface texts",
          flush=True)


def wait_for_results(browser, word, timeout=15):
    """The search's state once it shows results (or says there are none) for `word`."""
    deadline = time.monotonic() + timeout
    while True:
        state = browser.run(SEARCH_STATE)
        if state["header"] and state["value"] == word:
            return state
        if time.monotonic() > deadline:
            return state
        time.sleep(0.1)


# How many results the page's search index has for a query: the same index (with
# docs/theme/head.hbs's Chinese words), searched as mdBook's searcher does, before
# the searcher keeps the first `limit_results`.
RESULT_COUNT = r"""
const index = elasticlunr.Index.load(window.search.index);
return {count: index.search(arguments[0], window.search.search_options).length,
        limit: window.search.results_options.limit_results};
"""


def check_count(book, state, found, problems, where):
    """The results' header gives the true count, and says how many are shown when
    mdBook shows fewer (never "30 results" for 30 of 45)."""
    header = state["header"] or ""
    count, shown = found["count"], len(state["results"])
    if shown != min(count, found["limit"]):
        problems.add(where, f"{shown} results shown of {count}, with a limit of {found['limit']}")
    if book == "zh":
        says = [f"找到 {count} 条"] + ([f"{shown} 条："] if count > shown else [])
    else:
        says = [f"{count} search result"] + ([f"first {shown} shown"] if count > shown else [])
    missing = [words for words in says if words not in header]
    if missing:
        problems.add(where, f"the header {header!r} does not say {' and '.join(map(repr, missing))}: "
                            f"{count} results, {shown} shown")


def check_results(book, word, state, expected, problems, where, found=None):
    header = state["header"] or ""
    results = state["results"]
    if not results:
        problems.add(where, f"no results (the search says: {header!r})")
        return False
    if found is not None:
        check_count(book, state, found, problems, where)
    if book == "zh":
        if not CJK.search(header) or "result" in header:
            problems.add(where, f"the results' header is not Chinese: {header!r}")
    elif "search result" not in header:
        problems.add(where, f"the results' header is not English: {header!r}")
    pages = {urllib.parse.urlsplit(result["href"]).path.rsplit("/", 1)[-1] for result in results}
    for page in expected:
        if page not in pages:
            problems.add(where, f"no result leads to {page} (only to {', '.join(sorted(pages))})")
    if book == "zh":
        # Each result shows why it was found: the word in its title, or highlighted in
        # its teaser (this book's teasers are made by docs/theme/head.hbs).
        unmarked = [result["title"] for result in results
                    if word not in result["title"]
                    and not re.search("<em>[^<]*" + re.escape(word), result["teaser"])]
        if unmarked:
            problems.add(where, f"{len(unmarked)} of {len(results)} results show {word!r} neither "
                                f"in their title nor highlighted, e.g. {unmarked[0]!r}")
    elif not any("<em>" in result["teaser"] for result in results):
        # mdBook's own teasers highlight the words of the same stem as the query's.
        problems.add(where, f"no result highlights {word!r} in its teaser")
    return True


def check_search(browser, base, book, problems, shots):
    for word, expected in SEARCHES[book].items():
        where = f"{book} search {word}"
        browser.open(f"{base}/{book}/book/index.html?search={urllib.parse.quote(word)}")
        state = wait_for_results(browser, word)
        found = browser.run(RESULT_COUNT, word)
        if not check_results(book, word, state, expected, problems, where, found):
            continue
        check_interface(browser, book, where, problems)
        placeholder = state["placeholder"] or ""
        if bool(CJK.search(placeholder)) != (book == "zh"):
            problems.add(where, f"the search bar's placeholder is not in the book's language: {placeholder!r}")
        if shots:
            browser.screenshot(os.path.join(shots, f"{book}-search-{word}.png"))
        # The first result opens its page with the word highlighted.
        first = state["results"][0]["href"]
        browser.open(first)
        marked = browser.run("return Array.from(document.querySelectorAll('main mark'))"
                             ".map(m => m.textContent)")
        if not any(word.lower() in text.lower() for text in marked):
            problems.add(where, f"the first result ({first}) does not highlight {word!r} on its page")
        print(f"ok   {where}: {found['count']} results, {len(state['results'])} shown, "
              f"{state['header']!r}", flush=True)

    if book == "zh":
        # Typed into the search bar, as a reader does.
        word = next(iter(SEARCHES[book]))
        where = f"{book} search typed {word}"
        browser.open(f"{base}/{book}/book/introduction.html")
        browser.command("POST", f"/element/{browser.element('#mdbook-search-toggle')}/click", {})
        bar = browser.element("#mdbook-searchbar")
        browser.command("POST", f"/element/{bar}/value", {"text": word})
        state = wait_for_results(browser, word)
        if check_results(book, word, state, SEARCHES[book][word], problems, where):
            print(f"ok   {where}: {len(state['results'])} results", flush=True)
        # A word that is nowhere: the search says so, in Chinese.
        where = f"{book} search {ABSENT}"
        browser.open(f"{base}/{book}/book/index.html?search={urllib.parse.quote(ABSENT)}")
        state = wait_for_results(browser, ABSENT)
        header = state["header"] or ""
        if state["results"]:
            problems.add(where, f"{len(state['results'])} results for a word no page has")
        elif not CJK.search(header.replace(ABSENT, "")):
            problems.add(where, f"the search does not say, in Chinese, that it found nothing: {header!r}")
        else:
            print(f"ok   {where}: {header!r}", flush=True)


def find_program(explicit, names, extra=()):
    if explicit:
        return explicit if shutil.which(explicit) else None
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return next((path for path in extra if os.access(path, os.X_OK)), None)


def main():
    parser = argparse.ArgumentParser(
        description="Check the built books (scripts/build-book.sh) in headless Chromium: "
        "search in both languages, and the layout of every page at 1280x800.")
    parser.add_argument("--screenshots", metavar="DIR",
                        help="save screenshots of every page, table, picture and search as PNG in DIR")
    parser.add_argument("--chromium", metavar="PATH", help="the browser [default: chromium on PATH]")
    parser.add_argument("--chromedriver", metavar="PATH",
                        help="its WebDriver [default: chromedriver on PATH]")
    args = parser.parse_args()

    for book in BOOKS:
        if not os.path.isfile(os.path.join(DOCS, book, "book", "index.html")):
            sys.exit(f"check-book-in-browser: error: docs/{book}/book is not built: "
                     "run scripts/build-book.sh first")
    chromium = find_program(args.chromium, ["chromium", "chromium-browser", "google-chrome"])
    chromedriver = find_program(args.chromedriver, ["chromedriver"],
                                ["/usr/lib/chromium/chromedriver", "/usr/lib/chromium-browser/chromedriver"])
    if not chromium or not chromedriver:
        print("check-book-in-browser: error: Chromium and chromedriver are needed "
              f"(found: {chromium or 'no browser'}, {chromedriver or 'no chromedriver'}); "
              "scripts/install-chromium.sh installs them", file=sys.stderr)
        sys.exit(2)
    if args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)

    started = time.monotonic()
    problems = Problems()
    server = serve(DOCS)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        browser = Browser(chromium, chromedriver)
    except (OSError, WebDriverError) as err:
        server.shutdown()
        print(f"check-book-in-browser: error: cannot start the browser: {err}", file=sys.stderr)
        sys.exit(2)
    pages = 0
    try:
        for book in BOOKS:
            for page in chapter_pages(os.path.join(DOCS, book, "book")):
                try:
                    check_page(browser, base, book, page, problems, args.screenshots)
                except WebDriverError as err:
                    problems.add(f"{book}/{page}", f"the browser failed: {err}")
                pages += 1
            try:
                check_search(browser, base, book, problems, args.screenshots)
            except WebDriverError as err:
                problems.add(f"{book} search", f"the browser failed: {err}")
            try:
                check_copy_button(browser, base, book, "policy.html", problems)
                check_404(browser, book, problems)
            except WebDriverError as err:
                problems.add(f"{book} interface", f"the browser failed: {err}")
    finally:
        browser.close()
        server.shutdown()
    seconds = time.monotonic() - started
    if problems.count:
        print(f"check-book-in-browser: {problems.count} problems in {pages} pages and the "
              f"searches ({seconds:.1f} s)", file=sys.stderr)
        sys.exit(1)
    print(f"check-book-in-browser: {pages} pages and the searches of both books are fine "
          f"({seconds:.1f} s)")


if __name__ == "__main__":
    main()
