/** The links of an action: itself, its archive and, given its signed `view` link, its result page. */
export function actionLinks(publicUrl: string, id: string, view: string): { self: string; archive: string; view: string } {
  const base = publicUrl.replace(/\/+$/, '');
  const self = `${base}/actions/${encodeURIComponent(id)}`;
  return { self, archive: `${self}/archive.zip`, view };
}
