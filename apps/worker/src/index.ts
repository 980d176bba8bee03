export { startWorkerProcess, type WorkerContext, type WorkerPlugin, type WorkerProcess } from './process.ts';
export { startGenerationWorker, type GenerationWorker } from './generation-worker.ts';
export { downloadStructure, DownloadError } from './download.ts';
