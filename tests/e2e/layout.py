"""What a page looks like on a phone, measured in the browser: whether it scrolls sideways, and what is too wide."""

from __future__ import annotations


def phone_misfits(name: str, page) -> list[str]:
    """What keeps the page, at the phone's width it is shown at, from fitting: the document scrolling sideways (with
    the elements too wide), a header cut off, the menu button out of sight. Empty when it fits."""
    misfits = []
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll_width > client_width:
        wide = page.evaluate(WIDEST_ELEMENTS, client_width)
        misfits.append(f"{name} at 390 px: {scroll_width}px in {client_width}px, too wide: {wide}")
    header = page.locator("nav.staff-navbar, #header").first
    if header.count():
        box = header.bounding_box()
        if box is None or box["x"] < 0 or box["x"] + box["width"] > client_width + 0.5:
            misfits.append(f"{name} at 390 px: the header is cut: {box}")
        menu = page.get_by_role("button", name="Menu")
        if menu.count() and not menu.is_visible():
            misfits.append(f"{name} at 390 px: the menu button is off the screen")
    return misfits


# The outermost elements wider than the screen, to say which part of a page scrolls sideways.
WIDEST_ELEMENTS = """(width) => {
  const scrolls = e => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX);
  const inScroller = e => { for (let p = e.parentElement; p; p = p.parentElement) if (scrolls(p)) return true;
    return false; };
  const wide = [...document.querySelectorAll('body *')].filter(
    e => e.getBoundingClientRect().right > width + 0.5 && !inScroller(e));
  const positioned = [...document.querySelectorAll('body *')].filter(
    e => e.getBoundingClientRect().right > width + 0.5 && getComputedStyle(e).position !== 'static');
  wide.push(...positioned.filter(e => !wide.includes(e)));
  const outer = wide.filter(e => !wide.includes(e.parentElement));
  return outer.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
    ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
}"""
