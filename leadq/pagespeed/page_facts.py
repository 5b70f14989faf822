"""What the SEO and best-practices audits read from a loaded page, gathered as Lighthouse gathers it.

Collected once per audit, after the page settled and before the browser leaves
it, from the same load the performance metrics come from:

- DOM facts (meta and link elements, anchors, images, doctype, inputs) by one
  script, shaped like Lighthouse's MetaElements, LinkElements, AnchorElements,
  ImageElements, Doctype and Inputs artifacts;
- the main document's status, headers and first bytes, and every request URL,
  from the CDP network events the audit already logs;
- robots.txt, fetched by the browser itself as Lighthouse's fetcher does
  (``Network.loadNetworkResource``);
- console messages, exceptions and DevTools issues over a second DevTools
  connection: ``Log.enable``, ``Runtime.enable`` and ``Audits.enable`` replay
  what the page logged so far, so nothing needs installing before navigation;
  the same connection asks which listeners hang on link-less anchors;
- the permission prompts the page asked for while loading (``probe.OBSERVERS``
  watched them from before the first script);
- on mobile, the computed font size of every laid-out text box (``DOMSnapshot``),
  as Lighthouse's FontSize gatherer reads it.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urljoin

import requests
import websocket
from selenium.common.exceptions import WebDriverException

_CONNECT_TIMEOUT_S = 5
#: Lighthouse's charset audit looks for a <meta charset> in the first 1024 bytes.
DOCUMENT_HEAD_BYTES = 1024
#: Enough robots.txt for any crawler (Google reads 500 KiB).
_ROBOTS_MAX_BYTES = 512 * 1024
#: Lighthouse's font-size audit: smaller text is illegible on a phone.
LEGIBLE_FONT_PX = 12
_ILLEGIBLE_NAMED = 5

DOM_FACTS = r"""
const meta = [...document.querySelectorAll('head meta')].map(m => ({
  name: (m.name || '').toLowerCase(), content: m.content,
  httpEquiv: m.httpEquiv ? m.httpEquiv.toLowerCase() : null, charset: m.getAttribute('charset'),
}));
const links = [...document.querySelectorAll('link')].map(l => ({
  rel: l.rel, href: l.href, hrefRaw: l.getAttribute('href') || '', hreflang: l.hreflang,
  source: l.closest('head') ? 'head' : 'body',
}));
// Lighthouse's AnchorElements: the language of a link's text decides which generic texts count.
const langs = [...document.querySelectorAll('[lang]')];
const singleLang = langs.length === 1 && ['BODY', 'HTML'].includes(langs[0].nodeName)
  ? langs[0].getAttribute('lang') : null;
const langOfText = node => {
  let found = null;
  for (const child of node.querySelectorAll('*')) {
    if (!child.textContent) continue;
    const lang = child.closest('[lang]')?.getAttribute('lang');
    if (!lang) continue;
    if (!found) { found = lang; continue; }
    if (found.split('-')[0] !== lang.split('-')[0]) return null;
  }
  return found ?? node.closest('[lang]')?.getAttribute('lang') ?? null;
};
const anchors = [...document.querySelectorAll('a')].map(a => {
  const svg = !(a instanceof HTMLAnchorElement);
  let href = svg ? '' : a.href;
  if (svg) { try { href = new URL(a.href.baseVal, location.href).href; } catch (e) { href = ''; } }
  return {
    href, rawHref: a.getAttribute('href') || '', role: a.getAttribute('role') || '',
    name: svg ? '' : a.name, text: svg ? a.textContent || '' : a.innerText,
    textLang: singleLang ?? langOfText(a) ?? null, rel: svg ? '' : a.rel,
    id: a.getAttribute('id') || '', attributeNames: a.getAttributeNames(),
    onclick: a.getAttribute('onclick') || '',
  };
});
const images = [...document.images].map(img => {
  const picture = !!img.parentElement && img.parentElement.tagName === 'PICTURE';
  const style = getComputedStyle(img);
  const rect = img.getBoundingClientRect();
  return {
    src: img.currentSrc, displayedWidth: img.width, displayedHeight: img.height,
    naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
    naturalTrusted: !picture && !img.srcset,
    objectFit: style.getPropertyValue('object-fit'),
    imageRendering: style.getPropertyValue('image-rendering'),
    rect: {top: rect.top, bottom: rect.bottom, left: rect.left, right: rect.right},
  };
});
// axe-core's image-alt rule (Lighthouse's SEO image-alt audit): every <img> a screen reader
// meets, unless its explicit role needs no name and it cannot take focus, needs a text
// alternative (an alt attribute, not only spaces; aria-label; aria-labelledby; title) or
// a presentational role.
const NAME_REQUIRED_ROLES = ['alertdialog', 'application', 'button', 'checkbox', 'combobox', 'dialog',
  'link', 'listbox', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'meter', 'option', 'progressbar',
  'radio', 'searchbox', 'slider', 'spinbutton', 'switch', 'textbox', 'toolbar', 'treeitem'];
const GLOBAL_ARIA = ['aria-atomic', 'aria-braillelabel', 'aria-brailleroledescription', 'aria-busy',
  'aria-controls', 'aria-current', 'aria-describedby', 'aria-description', 'aria-details',
  'aria-dropeffect', 'aria-flowto', 'aria-grabbed', 'aria-hidden', 'aria-keyshortcuts', 'aria-label',
  'aria-labelledby', 'aria-live', 'aria-owns', 'aria-relevant', 'aria-roledescription'];
// Not rendered (display: none on it or above, visibility: hidden) or under aria-hidden.
const hiddenFromReaders = el => !el.checkVisibility({visibilityProperty: true})
  || !!el.closest('[aria-hidden="true"]');
const blank = value => !value || !value.trim();
const imagesNeedingAlt = [...document.images].filter(img => !hiddenFromReaders(img)).flatMap(img => {
  const role = (img.getAttribute('role') || '').trim().toLowerCase().split(/\s+/)[0];
  const focusable = img.hasAttribute('tabindex') && img.tabIndex >= 0;
  const presentational = ['none', 'presentation'].includes(role);
  if (role && !presentational && !NAME_REQUIRED_ROLES.includes(role) && !focusable) return [];
  const alt = img.getAttribute('alt');
  const labelledBy = (img.getAttribute('aria-labelledby') || '').split(/\s+/)
    .map(id => id && document.getElementById(id)).filter(Boolean).map(el => el.textContent).join(' ');
  const named = alt !== null || !blank(img.getAttribute('aria-label')) || !blank(labelledBy)
    || !blank(img.getAttribute('title'));
  const decorative = presentational && !focusable && !GLOBAL_ARIA.some(a => img.hasAttribute(a));
  const spacesOnly = alt !== null && /^\s+$/.test(alt) && !decorative;
  return [{src: img.currentSrc || img.src, passes: (named || decorative) && !spacesOnly}];
});
// Lighthouse's Inputs gatherer: a paste event the page cancels means it blocks pasting.
const pasteBlocked = [...document.querySelectorAll('textarea, input, select')]
  .filter(el => !el.readOnly && !el.dispatchEvent(new ClipboardEvent('paste', {cancelable: true})))
  .map(el => el.outerHTML.slice(0, 200));
const dt = document.doctype;
return {
  url: location.href, title: document.title, meta, links, anchors, images, pasteBlocked, imagesNeedingAlt,
  viewport: {innerWidth, innerHeight, devicePixelRatio},
  doctype: dt ? {name: dt.name, publicId: dt.publicId, systemId: dt.systemId} : null,
  compatMode: document.compatMode,
  violations: (window.__leadq || {}).violations || [],
};
"""

#: Anchors whose crawlability depends on event listeners (no href nor any href-related
#: attribute): for each, itself and its ancestors, as Lighthouse asks DOMDebugger about.
_LISTENER_CANDIDATES = r"""
[...document.querySelectorAll('a')].map(a => {
  const names = a.getAttributeNames();
  const related = ['href', 'target', 'download', 'ping', 'rel', 'hreflang', 'type', 'referrerpolicy'];
  if (names.some(n => related.includes(n))) return [];
  const chain = [];
  for (let node = a; node && node.nodeType === 1; node = node.parentElement) chain.push(node);
  return chain;
})
"""


def collect(driver, entries: list[dict[str, Any]], *, mobile: bool) -> dict[str, Any]:
    """Every fact the SEO and best-practices audits need, from the page ``driver`` shows now."""
    facts = driver.execute_script(DOM_FACTS)
    document = main_document(entries)
    facts["document"] = document
    facts["requests"] = request_urls(entries)
    facts["documentHead"] = _document_head(driver, document.get("requestId"))
    facts["robotsTxt"] = _robots_txt(driver, facts["url"])
    # The site's icon was fetched at the load (``LocalEngine._settle``), by this audit even
    # when the pooled browser had asked for it before: a missing one is in the console errors.
    facts.update(_devtools_facts(driver, len(facts["anchors"])))
    if mobile:  # Lighthouse's font-size audit judges mobile pages only
        facts["textSizes"] = text_sizes(driver)
    return facts


def main_document(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The top-level document's request id, URL as requested and as answered, status and headers."""
    found: dict[str, Any] = {}
    for message in _messages(entries):
        method, params = message.get("method"), message.get("params", {})
        if (
            method == "Network.requestWillBeSent"
            and not found
            and params.get("type") == "Document"
            and params.get("requestId") == params.get("loaderId")
        ):
            found["requestId"] = params["requestId"]
            found["requestedUrl"] = params.get("request", {}).get("url")
        elif method == "Network.responseReceived" and found and params.get("requestId") == found["requestId"]:
            response = params.get("response", {})
            found.update(url=response.get("url"), status=response.get("status"))
            found["headers"] = response.get("headers") or {}
    return found


def request_urls(entries: list[dict[str, Any]]) -> list[str]:
    """Every URL the page requested, redirect hops included (Lighthouse's network records)."""
    urls = []
    for message in _messages(entries):
        if message.get("method") == "Network.requestWillBeSent":
            url = message.get("params", {}).get("request", {}).get("url")
            if url and url not in urls:
                urls.append(url)
    return urls


def _messages(entries: list[dict[str, Any]]):
    for entry in entries:
        yield json.loads(entry["message"])["message"]


def _document_head(driver, request_id: str | None) -> str | None:
    """The first bytes of the main document as the server sent them, or None if Chromium dropped it."""
    if request_id is None:
        return None
    try:
        body = driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": request_id})
    except WebDriverException:
        return None
    text = body.get("body") or ""
    if body.get("base64Encoded"):
        text = base64.b64decode(text)[:DOCUMENT_HEAD_BYTES].decode("utf-8", "replace")
    return text[:DOCUMENT_HEAD_BYTES]


def _robots_txt(driver, page_url: str) -> dict[str, Any]:
    """``/robots.txt`` of the page's origin: its status, and its text when the status is 2xx
    (as Lighthouse's fetcher keeps it)."""
    status, content = _load(driver, urljoin(page_url, "/robots.txt"), read=True)
    return {"status": status, "content": content}


def _load(driver, url: str, *, read: bool) -> tuple[int | None, str | None]:
    """Load ``url`` as the page's frame would (Lighthouse's fetcher: ``Network.loadNetworkResource``):
    the HTTP status (None if it could not be loaded) and, with ``read`` and a 2xx status, the text."""
    try:
        frame = driver.execute_cdp_cmd("Page.getFrameTree", {})["frameTree"]["frame"]["id"]
        loaded = driver.execute_cdp_cmd(
            "Network.loadNetworkResource",
            {"frameId": frame, "url": url, "options": {"disableCache": True, "includeCredentials": True}},
        )["resource"]
        status = loaded.get("httpStatusCode")
        stream = loaded.get("stream") if loaded.get("success") else None
        if stream is None:
            return status, None
        try:
            content = _read_stream(driver, stream) if read and status and 200 <= status <= 299 else None
        finally:
            driver.execute_cdp_cmd("IO.close", {"handle": stream})
        return status, content
    except (WebDriverException, KeyError):
        return None, None


def _read_stream(driver, stream: str) -> str:
    content = ""
    while len(content) < _ROBOTS_MAX_BYTES:
        chunk = driver.execute_cdp_cmd("IO.read", {"handle": stream})
        data = chunk.get("data") or ""
        if chunk.get("base64Encoded"):
            data = base64.b64decode(data).decode("utf-8", "replace")
        content += data
        if chunk.get("eof"):
            break
    return content


class _DevTools:
    """A short-lived second DevTools connection to the audited tab."""

    def __init__(self, driver) -> None:
        address = (driver.capabilities.get("goog:chromeOptions") or {}).get("debuggerAddress")
        session = requests.Session()
        session.trust_env = False  # localhost, never through a configured proxy
        try:
            targets = session.get(f"http://{address}/json/list", timeout=_CONNECT_TIMEOUT_S).json()
        finally:
            session.close()
        url = next(t["webSocketDebuggerUrl"] for t in targets if t.get("id") == driver.current_window_handle)
        self.ws = websocket.create_connection(url, timeout=_CONNECT_TIMEOUT_S, suppress_origin=True)
        self.events: list[dict[str, Any]] = []
        self._ids = iter(range(1, 1 << 30))

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a command, keep the events that arrive before its reply, return the reply."""
        ident = next(self._ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise websocket.WebSocketException(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def close(self) -> None:
        self.ws.close()


def _devtools_facts(driver, anchor_count: int) -> dict[str, Any]:
    """Console messages, DevTools issues and anchor listeners; ``devtools: False`` when unreachable."""
    try:
        tools = _DevTools(driver)
    except (requests.RequestException, StopIteration, OSError, websocket.WebSocketException):
        return {"devtools": False}
    try:
        for method in ("Audits.enable", "Log.enable", "Runtime.enable"):
            tools.call(method)
        listeners = _anchor_listeners(tools, anchor_count)
        # A round trip after the enables: every replayed event has arrived before its reply.
        tools.call("Runtime.evaluate", {"expression": "0"})
    except (OSError, websocket.WebSocketException):
        return {"devtools": False}
    finally:
        tools.close()
    return {"devtools": True, "anchorListeners": listeners, **_console_and_issues(tools.events)}


def _anchor_listeners(tools: _DevTools, anchor_count: int) -> list[bool]:
    """Per anchor: does it, or an ancestor, have any event listener (Lighthouse's listeners and
    ancestorListeners)? Only asked for anchors with no href-related attribute."""
    found = [False] * anchor_count
    chains = tools.call("Runtime.evaluate", {"expression": _LISTENER_CANDIDATES})["result"]
    if "objectId" not in chains:
        return found
    for prop in tools.call("Runtime.getProperties", {"objectId": chains["objectId"], "ownProperties": True})[
        "result"
    ]:
        if not prop["name"].isdigit() or int(prop["name"]) >= anchor_count:
            continue
        chain = prop.get("value", {}).get("objectId")
        nodes = tools.call("Runtime.getProperties", {"objectId": chain, "ownProperties": True})["result"]
        for node in nodes:
            node_id = node.get("value", {}).get("objectId")
            if node["name"].isdigit() and node_id:
                if tools.call("DOMDebugger.getEventListeners", {"objectId": node_id})["listeners"]:
                    found[int(prop["name"])] = True
                    break
    tools.call("Runtime.releaseObject", {"objectId": chains["objectId"]})
    return found


def _console_and_issues(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Errors logged in the console (Lighthouse's ConsoleMessages, level error) and DevTools issues
    by kind (its InspectorIssues: ``deprecationIssue``, ``mixedContentIssue`` ...)."""
    errors: list[dict[str, Any]] = []
    issues: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            errors.append({"source": entry.get("source"), "text": entry.get("text"), "url": entry.get("url")})
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            args = params.get("args", [])
            text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in args)
            frames = (params.get("stackTrace") or {}).get("callFrames") or [{}]
            errors.append({"source": "console.error", "text": text, "url": frames[0].get("url")})
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = (details.get("exception") or {}).get("description") or details.get("text")
            errors.append({"source": "exception", "text": text, "url": details.get("url")})
        elif method == "Audits.issueAdded":
            for key, value in (params.get("issue", {}).get("details") or {}).items():
                issues.setdefault(key.removesuffix("Details"), []).append(value)
    return {"consoleErrors": errors, "issues": issues}


def text_sizes(driver) -> dict[str, Any] | None:
    """How much visible text the page lays out, and how much of it below 12 px, counted as
    Lighthouse's FontSize gatherer counts it: the characters of each text box's layout text
    (so a text wrapped over three lines counts three times), hidden text left out. The
    elements holding the most illegible text are named, at most ``_ILLEGIBLE_NAMED``. None
    when Chromium could not take the snapshot."""
    try:
        snapshot = driver.execute_cdp_cmd(
            "DOMSnapshot.captureSnapshot", {"computedStyles": ["font-size", "visibility"]}
        )
    except WebDriverException:
        return None
    strings = snapshot["strings"]
    total = illegible = 0
    small: dict[str, list[float]] = {}
    for doc in snapshot["documents"]:
        nodes, layout = doc["nodes"], doc["layout"]
        for index in doc["textBoxes"]["layoutIndex"]:
            text = strings[layout["text"][index]] if layout["text"][index] >= 0 else ""
            size_id, visibility_id = layout["styles"][index]
            if not text or strings[visibility_id] == "hidden":
                continue
            length = len(text.strip())
            total += length
            size = float(strings[size_id].removesuffix("px"))
            if size >= LEGIBLE_FONT_PX:
                continue
            illegible += length
            parent = nodes["parentIndex"][layout["nodeIndex"][index]]
            small.setdefault(_element_name(strings, nodes, parent), [0, size])[0] += length
    named = sorted(small.items(), key=lambda item: -item[1][0])[:_ILLEGIBLE_NAMED]
    return {
        "total": total,
        "illegible": illegible,
        "illegibleElements": [{"element": name, "chars": chars, "px": px} for name, (chars, px) in named],
    }


def _element_name(strings: list[str], nodes: dict[str, Any], index: int) -> str:
    """``tag#id`` or ``tag.class`` of a snapshot node, as Lighthouse names a failing parent."""
    tag = strings[nodes["nodeName"][index]].lower()
    flat = nodes["attributes"][index]
    attributes = {strings[flat[i]]: strings[flat[i + 1]] for i in range(0, len(flat) - 1, 2)}
    if attributes.get("id"):
        return f"{tag}#{attributes['id']}"
    if attributes.get("class"):
        return tag + "".join("." + name for name in attributes["class"].split())
    return tag
