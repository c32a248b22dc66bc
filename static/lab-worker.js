// The tuning lab's Web Worker (see src/ui/lab_worker.rs). A file of the site rather than a Blob, so
// the content security policy needs no `blob:` source. The page sends the URL of its
// wasm-bindgen glue, its compiled module and the request; the worker runs the lab in Rust.
self.onmessage = async (e) => {
  self.onmessage = null;
  const glue = await import(e.data.glue);
  await glue.default({ module_or_path: e.data.module });
  glue.lab_worker_run(e.data.request);
};
