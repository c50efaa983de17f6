"""The browser fixtures of tests/browser, for the cold-start benchmark."""

from tests.browser.conftest import browser, playwright_instance

__all__ = ["browser", "playwright_instance"]
