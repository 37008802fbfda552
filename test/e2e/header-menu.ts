import type { Page } from 'playwright-core';

/**
 * Click a console header entry (`report-open`, `replay-open`, `interop-open`, `retention-open`):
 * at 1440 px and below these sit behind the header's 更多 button, which is opened first.
 */
export async function clickHeaderEntry(page: Page, testId: string): Promise<void> {
  const entry = page.getByTestId(testId);
  await entry.waitFor({ state: 'attached' });
  if (!(await entry.isVisible())) await page.getByTestId('header-more-open').click();
  await entry.click();
}
