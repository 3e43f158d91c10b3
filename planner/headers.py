"""Security headers on every response: a Content Security Policy (scripts only from the app, an
inline script only with the request's nonce), no MIME sniffing, no framing, the referrer kept
on the site, and `Cache-Control: no-store` on everything that carries data.

Templates put `nonce="{{ csp_nonce() }}"` on an inline <script> (there is none today: the pages'
scripts are files under /static; <script type="application/json"> data blocks need no nonce).
"""
import secrets
from urllib.parse import urlsplit

from flask import current_app, g, request

# Endpoints whose responses keep their own caching: files of the app and of the vendored
# libraries, the web app's manifest and service worker, and the map geometry (ETag, revalidated).
OWN_CACHING = {"static", "vendor.file", "fieldwork.manifest", "fieldwork.service_worker", "maps.geometry"}

# The offline map (/map/layer.html) is a file to save, not a page of the app: Leaflet and the
# map's data are written into it. It gets a policy of its own that lets its inline scripts run
# but lets it fetch nothing and be framed by nobody.
FILE_POLICIES = {
    "maps.layer_html": ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                        "img-src data:; font-src data:; frame-ancestors 'none'; base-uri 'none'; "
                        "form-action 'none'"),
}


def csp_nonce():
    """This request's nonce for an inline <script nonce="...">, made on first use."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return nonce


def tile_source(url):
    """The CSP source of an optional background tile server (PLANNER_MAP_TILE_URL, e.g.
    https://{s}.tiles.example/{z}/{x}/{y}.png -> https://*.tiles.example); None for the app's own."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.replace("{s}", "*")
    if "{" in host or "}" in host or " " in host or ";" in host:
        return None
    return f"{parts.scheme}://{host}"


def page_policy(nonce, tiles=None):
    # style-src 'self': no <style> element and no style="" attribute in the markup; Leaflet and the
    # pages' scripts set element.style from JavaScript, which the policy does not govern.
    return ("default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; "
            f"img-src 'self' data: blob:{' ' + tiles if tiles else ''}; "
            "font-src 'self'; "
            "connect-src 'self'; "
            "worker-src 'self'; "
            "manifest-src 'self'; "
            "object-src 'none'; "
            "frame-ancestors 'none'; "
            "base-uri 'self'; "
            "form-action 'self'")


def add_headers(response):
    endpoint = request.endpoint
    headers = response.headers
    headers["Content-Security-Policy"] = (FILE_POLICIES.get(endpoint)
                                          or page_policy(csp_nonce(), tile_source(current_app.config.get("MAP_TILE_URL"))))
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    if endpoint not in OWN_CACHING:
        # Pages, JSON and downloads carry people's names, figures and money: never kept on disk
        # by the browser or a proxy (the field pages' offline copies are the service worker's).
        headers["Cache-Control"] = "no-store"
        headers.pop("Pragma", None)
    return response


def init_app(app):
    app.after_request(add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
