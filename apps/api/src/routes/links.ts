export function actionLinks(publicUrl: string, id: string): { self: string; archive: string } {
  const base = publicUrl.replace(/\/+$/, '');
  const self = `${base}/actions/${encodeURIComponent(id)}`;
  return { self, archive: `${self}/archive.zip` };
}
