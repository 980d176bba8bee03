// Loaded (`node --import`) into the API and the worker that scripts/start.mjs runs. They sit in
// process groups of their own, so only start.mjs signals them; should it die without doing so
// (SIGKILL, a crash), its IPC channel closes, and this stops the process as a SIGTERM would: with
// its shutdown grace, never orphaned.
if (process.channel) {
  // The channel must not keep the process alive by itself.
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
