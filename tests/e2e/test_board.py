"""The public board updates itself, and a reader can pause the updates (WCAG 2.2.1)."""

from playwright.sync_api import expect


def test_board_updates_can_be_paused_and_resumed(page):
    page.goto("/papan")
    button = page.get_by_role("button", name="Jeda pembaruan")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    resume = page.get_by_role("button", name="Lanjutkan pembaruan")
    expect(resume).to_have_attribute("aria-pressed", "true")
    resume.click()
    expect(page.get_by_role("button", name="Jeda pembaruan")).to_have_attribute("aria-pressed", "false")
    assert page.problems.take() == []
