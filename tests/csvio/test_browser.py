"""CSV import in a real browser: a file with one bad row shows the line and imports nothing;
a good file shows the progress bar, then the rows."""

import pytest

from validation.models import Interview

from ..browser import Browsing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload(browsing: Browsing, tmp_path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    browsing.go("/o/acme/settings/import/")
    page = browsing.page
    page.get_by_label("What the file holds").select_option("interviews")
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_load_state()


def test_a_file_with_one_bad_row_shows_its_line_and_imports_nothing(browsing, team, tmp_path):
    browsing.sign_in("member")
    upload(browsing, tmp_path, "bad.csv",
           "occurred_at,interviewee\n2026-03-02 09:00,Dana\n2999-03-02 09:00,Eve\n"
           "2026-03-04 09:00,Finn\n")
    page = browsing.page
    page.wait_for_selector("text=Nothing was imported")
    row = page.locator(".import-errors tbody tr")
    assert row.count() == 1
    assert row.first.locator("td").first.inner_text() == "3"
    assert "future" in row.first.inner_text()
    assert Interview.objects.count() == 0
    browsing.screenshot("import-errors", full_page=True)
    assert browsing.errors == []


def test_a_good_file_shows_the_progress_bar_and_then_the_rows(browsing, team, tmp_path):
    browsing.sign_in("member")
    rows = "".join(f"2026-03-{1 + i % 28:02d} 09:00,Person {i},Company {i}\n" for i in range(300))
    upload(browsing, tmp_path, "good.csv", "occurred_at,interviewee,company\n" + rows)
    page = browsing.page
    assert page.locator("progress.progress").count() == 1
    page.wait_for_selector("text=300 interviews imported")
    assert page.locator("progress.progress").get_attribute("value") == "100"
    page.get_by_role("link", name="See the interviews").click()
    page.wait_for_selector("text=300 results")
    assert page.locator("text=Person 279").count() == 1  # the newest row, first on the list
    assert Interview.objects.for_org(team.org).count() == 300
    assert browsing.errors == []
