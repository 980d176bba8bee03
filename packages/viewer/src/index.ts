import type { DefectAnswer } from '@defect-candidates/core';
import { readViewerAssets } from './assets.ts';
import { reportHtml } from './html.ts';

export { pageAnswer, drawablePoscar, type PageAnswer, type PageCandidate } from './page-data.ts';
export { PAGE_CSP, linkErrorHtml, reportHtml, servedPageHtml, type ViewerAssets } from './html.ts';
export { ASSET_FILES, readViewerAssets, type AssetName } from './assets.ts';

/** report.html of an answer, with the assets read from disk (once per process): what `answerFiles` takes as `renderReport`. */
export function renderReport(answer: DefectAnswer): string {
  return reportHtml(answer, readViewerAssets());
}
